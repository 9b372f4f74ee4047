"""The outbox: work a change asks for (emails, thumbnails, exports) is written to PostgreSQL in
the change's own transaction, then handed to Celery.

`enqueue` writes the message and, once the transaction commits, tries to hand it over at once
(with short timeouts, so a user never waits on a Redis that is down or hung). Whatever could
not be handed over stays waiting; the relay (`manage.py outbox_relay`, always running beside
the worker) hands it over when the broker is back, with back-off. A message may reach the
broker more than once (a crash between handing over and marking it); every task is therefore
idempotent: it claims its work in the database before any side effect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
BATCH = 100
MAX_BACKOFF_SECONDS = 30
PUBLISH_TIMEOUT = 1.0
RETRY_AFTER_SECONDS = 5.0  # after a failed hand-over, requests leave the next ones to the relay
_broker_away_until = 0.0


def enqueue(task: Any, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Ask for `task` (a Celery task, or its name) to run with these JSON-able arguments once the
    current transaction commits. Call it inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must run inside the transaction of the change that asks for it")
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: dispatch(ids=[message.pk]), robust=True)
    return message


def dispatch(*, ids: Iterable[int] | None = None, limit: int = BATCH, now_or_later: bool = False) -> int:
    """Hand waiting messages to the broker; returns how many went. Rows are locked while they
    go, so the relay and a request never send the same message at the same time. The relay
    passes `now_or_later=True` once the broker answers again: every message waiting goes, its
    back-off forgotten."""
    from config.celery import app

    global _broker_away_until
    # Tests that do not run a worker hand the work straight to the task, in this process.
    eager = getattr(settings, "ATTEST_OUTBOX_EAGER", False)
    if not eager and ids is not None and time.monotonic() < _broker_away_until:
        return 0  # the broker failed a moment ago: leave it to the relay, keep the request quick
    sent = 0
    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(dispatched_at__isnull=True)
        if ids is not None:
            waiting = waiting.filter(pk__in=list(ids))
        elif not now_or_later:
            waiting = waiting.filter(available_at__lte=timezone.now())
        for message in waiting.order_by("id")[:limit]:
            if eager:
                app.tasks[message.task].apply(args=message.args, kwargs=message.kwargs, throw=True)
                message.dispatched_at = timezone.now()
                message.save(update_fields=["dispatched_at"])
                sent += 1
                continue
            try:
                _publish(app, message)
            except Exception as exc:  # the broker is down or hung: keep it for the relay
                message.attempts += 1
                message.available_at = timezone.now() + timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2**message.attempts))
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                message.save(update_fields=["attempts", "available_at", "last_error"])
                _broker_away_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning("outbox: %s not handed to the broker yet (%s)", message.task, message.last_error)
                break  # the broker is not answering: the others would wait as long
            message.dispatched_at = timezone.now()
            message.save(update_fields=["dispatched_at"])
            sent += 1
    return sent


def _publish(app: Any, message: OutboxMessage) -> None:
    """Hand one message to the broker within PUBLISH_TIMEOUT seconds. The client library can
    wait for ever on a Redis that accepts connections but does not answer (hung), so the
    publishing happens in a thread of its own that is given up on, never waited for."""
    done = threading.Event()
    failure: list[BaseException] = []

    def send() -> None:
        try:
            app.send_task(message.task, args=message.args, kwargs=message.kwargs, retry=False)
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=send, name="outbox-publish", daemon=True).start()
    if not done.wait(PUBLISH_TIMEOUT):
        raise TimeoutError(f"the broker did not answer within {PUBLISH_TIMEOUT} s")
    if failure:
        raise failure[0]


def broker_answers(timeout: float = 0.5) -> bool:
    """Whether the broker (Redis) answers a ping within `timeout` seconds."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def backlog() -> tuple[int, OutboxMessage | None]:
    """How many messages wait, and the oldest of them."""
    waiting = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    return waiting.count(), waiting.order_by("created_at").first()
