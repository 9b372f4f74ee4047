"""Shared fixtures: real PostgreSQL, Redis and a Celery worker; factories for people and centres."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.cache import cache

from tests.factories import CentreFactory, MembershipFactory

# --- the database: made, migrated and dropped by the tables' owner, used as the app's role ------

_APP_CREDENTIALS: dict = {}


def _connect_as(credentials: dict) -> None:
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict.update(credentials)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.db import connections

    from apps.core.db import owner_credentials

    owner = owner_credentials()
    if owner is not None:
        settings_dict = connections["default"].settings_dict
        _APP_CREDENTIALS.update({key: settings_dict.get(key) for key in owner})
        _connect_as(owner)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Once the owner has made the test database, the tests run as the app's role, as the app does."""
    from apps.core.db import grant_to_app, owner_credentials

    if owner_credentials() is None:
        yield
        return
    with django_db_blocker.unblock():
        grant_to_app(_APP_CREDENTIALS["USER"])
        _connect_as(_APP_CREDENTIALS)
    yield
    with django_db_blocker.unblock():
        _connect_as(owner_credentials())  # the owner drops what it made


@pytest.fixture(autouse=True)
def _outbox_runs_tasks_here_without_a_worker(request, settings):
    """Work a change asks for goes through the outbox; where no real worker runs, the outbox
    runs the task itself once the change commits."""
    settings.ATTEST_OUTBOX_EAGER = "celery_worker" not in request.fixturenames


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


# --- the browser: Playwright driving the system's Chromium, axe-core checking each page ---





CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if candidate and os.path.exists(candidate) else None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium here: install Debian's chromium package or set CHROMIUM (CI installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # test body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page and fail with a readable list of WCAG 2.2 A/AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check
