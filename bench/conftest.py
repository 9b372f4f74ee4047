# Benchmarks share the test suite's fixtures (real PostgreSQL, Redis, factories).
import os

import pytest

from tests.conftest import *  # noqa: F401,F403


@pytest.fixture(scope="session")
def college(django_db_setup, django_db_blocker):
    """The college-sized centre of bench/generate.py, built once per session (minutes at full
    size). ATTEST_BENCH_SCALE=0.1 builds a tenth of it; a database kept with --reuse-db (and a
    fixed ATTEST_TEST_RUN_ID) that already holds it is used as it is."""
    from django.db import connection

    from bench.generate import college as build

    # pytest-django makes the test database only when a test of the session is marked
    # `django_db`; without one this would be the development database.
    assert connection.settings_dict["NAME"].startswith("test_"), (
        "the college is built in a test database only: mark the bench that uses it `django_db`")
    with django_db_blocker.unblock():
        return build(scale=float(os.environ.get("ATTEST_BENCH_SCALE", "1")))


def _empties_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args[:1] == (True,)))
    return bool(transactional) or "transactional_db" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on a transactional database empties every table when it ends, the college with
    them: such tests run last, after every bench that reads the college (pytest-django would
    otherwise put them before the benches that use no `django_db` mark)."""
    items.sort(key=_empties_the_database)  # stable: otherwise in the order collected
