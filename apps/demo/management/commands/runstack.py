"""Run the whole of Attest for development: database, Redis, web server and Celery worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.demo.seed import PLATFORM_STAFF, demo_people


class Command(BaseCommand):
    help = "Migrate, load the catalogue and demo data, then serve Attest with a Celery worker until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-seed", action="store_true", help="skip loading the catalogue and demo data")

    def handle(self, *args, port: int, no_seed: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            self._prepare_data()
        python = sys.executable
        children = [
            subprocess.Popen([python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]),
            subprocess.Popen(
                [
                    python, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel", "INFO",
                    "--concurrency", "2",
                    "--schedule", str(settings.BASE_DIR / ".data" / "celerybeat-schedule"),
                ]
            ),
        ]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            self._announce(port)
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self.stdout.write("Stopping Attest…")
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
            self._stop_embedded()
        failed = [c.args[2] if len(c.args) > 2 else c.args for c in children if c.returncode not in (0, -15, None)]
        if failed and not stopping:
            raise SystemExit(f"a process stopped unexpectedly: {failed}")

    def _prepare_data(self) -> None:
        from django.core.management import get_commands

        if "load_catalogue" in get_commands():
            call_command("load_catalogue", verbosity=0)
        call_command("seed_demo", verbosity=0)

    def _announce(self, port: int) -> None:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "healthz", timeout=3)
                break
            except urllib.error.HTTPError:
                break  # the server answers; a dependency is still starting
            except OSError:
                time.sleep(0.5)
        password = getattr(settings, "DEMO_PASSWORD", "attest-demo")
        lines = ["", f"Attest is running at {url}", f"Health: {url}healthz", "", "Demo logins (password: " + password + "):"]
        for (centre, _slug), people in demo_people().items():
            for person in people:
                lines.append(f"  {person.email:<22} {', '.join(person.roles.labels()):<45} {centre}")
        lines.append(f"  {PLATFORM_STAFF[0]:<22} {'Platform staff (catalogue imports, platform trail)':<45} no centre")
        lines += ["", "Press Ctrl-C to stop everything.", ""]
        self.stdout.write("\n".join(lines))

    def _stop_embedded(self) -> None:
        from config import embedded

        if not os.environ.get("DATABASE_URL"):
            embedded.postgres_stop()
        if not os.environ.get("REDIS_URL"):
            embedded.redis_stop()
