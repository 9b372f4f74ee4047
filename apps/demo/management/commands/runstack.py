"""Run the whole of Attest for development: database, Redis, web server, Celery worker and beat,
and the outbox relay, each brought back if it dies."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from apps.core.clamd import clamd_command, clamd_socket
from apps.demo.seed import PLATFORM_STAFF, demo_people
from apps.demo.supervisor import Child, Service, Supervisor


class Command(BaseCommand):
    help = "Migrate, load the catalogue and demo data, then serve Attest with its workers until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-seed", action="store_true", help="skip loading the catalogue and demo data")

    def handle(self, *args, port: int, no_seed: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            self._prepare_data()
        connections.close_all()  # the supervisor holds no connection: PostgreSQL can always stop
        supervisor = Supervisor(children=self._children(port), services=self._services(), say=self._say)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            supervisor.stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        supervisor.start()
        try:
            self._announce(port)
            supervisor.run()
        finally:
            self.stdout.write("Stopping Attest…")
            supervisor.stop()
            self._stop_embedded()

    def _children(self, port: int) -> list[Child]:
        from config.embedded import DATA_DIR

        python = sys.executable
        pids = DATA_DIR / "stack"
        scanner = []
        # Debian's clamav-daemon, where it is installed with signatures: every upload is scanned.
        command = clamd_command(DATA_DIR / "clamav")
        if command is not None:
            os.environ["ATTEST_CLAMD_SOCKET"] = str(clamd_socket(DATA_DIR / "clamav"))  # for every child
            scanner = [Child("virus scanner", command, pid_file=pids / "clamd.pid")]
        else:
            self._say("ClamAV is not installed (or has no signatures): uploads are not scanned for viruses.")
        return scanner + [
            Child("web server", [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                  pid_file=pids / "web.pid"),
            Child("worker", [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                             "--concurrency", "2", "--hostname", f"attest-local-{port}@%h"], pid_file=pids / "worker.pid"),
            Child("beat", [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                           "--schedule", str(DATA_DIR / "celerybeat-schedule")], pid_file=pids / "beat.pid"),
            Child("outbox relay", [python, "manage.py", "outbox_relay"], pid_file=pids / "relay.pid"),
        ]

    def _services(self) -> list[Service]:
        """The embedded servers: brought back if they die (an external one is its operator's)."""
        from config import embedded

        held = embedded.DATA_DIR / "stack"
        services = []
        if not os.environ.get("DATABASE_URL"):
            services.append(Service("PostgreSQL", embedded.postgres_running, embedded.postgres_urls,
                                    hold_file=held / "hold-postgres"))
        if not os.environ.get("REDIS_URL"):
            services.append(Service("Redis", embedded.redis_running, embedded.redis_url, hold_file=held / "hold-redis"))
        return services

    def _say(self, text: str) -> None:
        self.stdout.write(f"[stack] {text}")

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
