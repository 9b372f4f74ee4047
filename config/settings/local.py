"""Development: embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import configure_services, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="attest-local-development-only-not-secret")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="attest-demo")


def _service_urls() -> tuple[str, str, str | None]:
    """The app's database, Redis, and the database as its owner (for migrations)."""
    from config import embedded

    if os.environ.get("DATABASE_URL"):
        database, owner = os.environ["DATABASE_URL"], os.environ.get("DATABASE_OWNER_URL")
    else:
        database, owner = embedded.postgres_urls()
    redis = os.environ.get("REDIS_URL") or embedded.redis_url()
    return database, redis, owner


_database, _redis, _owner = _service_urls()
globals().update(configure_services(_database, _redis, broker_db=0, cache_db=1, owner_url=_owner))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
