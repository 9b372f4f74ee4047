"""Checks of every service Attest depends on, for /healthz. Each returns "ok" or an error text.

The checks run side by side, each with its own short timeout, and the whole answer comes
within two seconds whatever is down or hung: a check that has not answered by then is
reported as not answering.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import timezone

BUDGET_SECONDS = 1.5
# How long work may wait in the outbox before the relay (or the broker) is said to be stuck.
OUTBOX_PATIENCE_SECONDS = 120


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1000")
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_celery() -> str:
    from config.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        return "no worker answered a ping within a second"
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


def check_outbox() -> str:
    """Work committed changes asked for that has not reached the broker yet."""
    from .outbox import backlog

    count, oldest = backlog()
    if not count:
        return "ok"
    waited = (timezone.now() - oldest.created_at).total_seconds()
    if waited < OUTBOX_PATIENCE_SECONDS:
        return "ok"
    return f"{count} task(s) waiting to reach the broker, the oldest for {int(waited)} s ({oldest.last_error or 'no error recorded'})"


def check_scanner() -> str:
    """The virus scanner: "ok", "off" (none configured: uploads go unscanned) or what is wrong."""
    from .clamd import scanner_status

    return scanner_status()


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "celery": check_celery,
    "storage": check_storage,
    "outbox": check_outbox,
    "scanner": check_scanner,
}
# Answers that are not a failure: a centre may run without a virus scanner.
HEALTHY = {"ok", "off"}


def _run(check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception as exc:  # a health check reports every failure as text
        return f"{type(exc).__name__}: {exc}"[:300]
    finally:
        connections.close_all()  # each check's thread leaves no connection behind


def run_checks() -> dict[str, str]:
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    futures = {name: pool.submit(_run, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=BUDGET_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the answer
    return {
        name: future.result() if future.done() else f"no answer within {BUDGET_SECONDS} s"
        for name, future in futures.items()
    }
