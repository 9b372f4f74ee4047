"""Shared fixtures: real PostgreSQL, Redis and a Celery worker; factories for people and centres."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import CentreFactory, MembershipFactory


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # Rate-limit counters live in Redis; each test starts clean. Only this run's keys go:
    # another test run may be using the same Redis database.
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture(scope="session")
def celery_worker_session(django_db_blocker):
    """A real Celery worker (in a thread of this process) consuming the test broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with django_db_blocker.unblock():
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    """Use in tests whose tasks read the database: their data must be committed for the worker."""
    return celery_worker_session


@pytest.fixture
def centre(db):
    return CentreFactory()


@pytest.fixture
def member(db, centre):
    """make member(role=True, ...) -> Membership in `centre` (or centre=...)."""

    def make(centre=centre, **roles):
        return MembershipFactory(centre=centre, **roles)

    return make


@pytest.fixture
def admin_membership(member):
    return member(is_admin=True)


@pytest.fixture
def admin_client(client, admin_membership):
    client.force_login(admin_membership.user)
    return client


