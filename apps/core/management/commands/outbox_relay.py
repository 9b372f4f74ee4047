"""Hand the outbox's waiting work to Celery, for ever (or `--once`). Runs beside the worker."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from apps.core.outbox import broker_answers, dispatch


class Command(BaseCommand):
    help = "Hand the work committed changes asked for to the Celery broker, retrying while it is down."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="hand over what is waiting, then stop")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds")

    def handle(self, *args, once: bool, interval: float, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            try:
                # Only while the broker answers: a hung broker would take a thread a try.
                sent = dispatch(now_or_later=True) if broker_answers() else 0
            except DatabaseError as exc:  # PostgreSQL restarting: try again next round
                self.stderr.write(f"outbox relay: database unavailable ({exc})")
                sent = 0
            finally:
                connections.close_all()  # hold no idle connection between rounds
            if sent:
                self.stdout.write(f"outbox relay: {sent} handed to the broker")
            if once:
                break
            time.sleep(interval)
