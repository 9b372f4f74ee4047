# Benchmarks share the test suite's fixtures (real PostgreSQL, Redis, factories).
import os

import pytest

from tests.conftest import *  # noqa: F401,F403


@pytest.fixture(scope="session")
def college(django_db_setup, django_db_blocker):
    """The college-sized centre of bench/generate.py, built once per session (minutes at full
    size). ATTEST_BENCH_SCALE=0.1 builds a tenth of it; a database kept with --reuse-db (and a
    fixed ATTEST_TEST_RUN_ID) that already holds it is used as it is."""
    from bench.generate import college as build

    with django_db_blocker.unblock():
        return build(scale=float(os.environ.get("ATTEST_BENCH_SCALE", "1")))
