"""Checks of every service Attest depends on, for /healthz. Each returns "ok" or an error text."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_celery() -> str:
    from config.celery import app

    replies = app.control.ping(timeout=2.0)
    if not replies:
        return "no worker answered a ping within 2 seconds"
    return "ok"


def check_storage() -> str:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"attest"))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != b"attest":
                return "storage returned different bytes than were written"
    finally:
        default_storage.delete(name)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "celery": check_celery,
    "storage": check_storage,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports every failure as text
            results[name] = f"{type(exc).__name__}: {exc}"[:300]
    return results
