"""The cache on Redis, degrading safely when Redis is down or hung.

Every call has short timeouts (OPTIONS in settings). When Redis does not answer, reads miss
and writes are dropped, with a warning in the log: pages keep working, and rate limits stop
counting until Redis is back rather than locking everyone out. Sessions live in PostgreSQL,
so nobody is signed out.
"""

from __future__ import annotations

import logging
import time
from functools import wraps
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


# After a call that found Redis away, the next calls do not try it for a few seconds: one
# request makes many cache calls, and each would wait for its own timeout.
RETRY_AFTER_SECONDS = 5.0
_away_until = 0.0


def _or(fallback: Any):
    def decorate(method):
        @wraps(method)
        def wrapped(self, *args, **kwargs):
            global _away_until
            if time.monotonic() < _away_until:
                return fallback(*args, **kwargs) if callable(fallback) else fallback
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                _away_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning("cache unavailable (%s: %s); carrying on without it", type(exc).__name__, exc)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapped

    return decorate


def _missing_key(key: str, *args: Any, **kwargs: Any) -> int:
    raise ValueError(f"Key '{key}' not found (the cache is unavailable)")


class ResilientRedisCache(RedisCache):
    # "Added" when Redis is away: a lock or a first count taken with add() must not refuse
    # everyone (sign-in takes a lock around its rate limit).
    @_or(True)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_or(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_or(None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_or(False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_or(False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_or(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_or(False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_or(_missing_key)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_or(lambda data, timeout=DEFAULT_TIMEOUT, version=None: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_or(None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_or(False)
    def clear(self):
        return super().clear()
