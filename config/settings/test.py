"""Tests: the same real services as development, on their own databases."""

from __future__ import annotations

from .base import configure_services
from .local import *  # noqa: F403
from .local import _database, _owner, _redis

DEBUG = False
# pytest-django creates test_attest; Redis databases 14/15 keep tests apart from `make run`.
globals().update(configure_services(_database, _redis, broker_db=14, cache_db=15, owner_url=_owner))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
ATTEST_SIGNING_DIR = BASE_DIR / ".data" / "test-signing"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Several test runs may share the embedded servers (a developer's and CI's, or two
# terminals): each run gets its own test database and its own Celery queue.
import os  # noqa: E402

RUN_ID = os.environ.get("ATTEST_TEST_RUN_ID", str(os.getpid()))
DATABASES["default"]["TEST"] = {"NAME": f"test_attest_{RUN_ID}"}  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"attest-test-{RUN_ID}"
CACHES["default"]["KEY_PREFIX"] = f"test-{RUN_ID}"  # noqa: F405
