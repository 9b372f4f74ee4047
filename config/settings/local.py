"""Development: embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import configure_services, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="attest-local-development-only-not-secret")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="attest-demo")


def _service_urls() -> tuple[str, str]:
    from config import embedded

    database = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    redis = os.environ.get("REDIS_URL") or embedded.redis_url()
    return database, redis


globals().update(configure_services(*_service_urls(), broker_db=0, cache_db=1))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
