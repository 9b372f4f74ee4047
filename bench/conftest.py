# Benchmarks share the test suite's fixtures (real PostgreSQL, Redis, factories).
from tests.conftest import *  # noqa: F401,F403
