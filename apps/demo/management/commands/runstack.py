"""Run the whole of Attest for development: database, Redis, web server, Celery worker and beat,
and the outbox relay, each brought back if it dies."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

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
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
        parser.add_argument("--no-seed", action="store_true", help="skip loading the catalogue and demo data")

    def handle(self, *args, port: int, no_seed: bool, **options):
        url = f"http://127.0.0.1:{port}/"
        # Emailed links point where this serves: every child reads PORT (config/settings/base.py),
        # and this process seeds the demo with the same address. A configured ATTEST_BASE_URL wins.
        os.environ["PORT"] = str(port)
        if not os.environ.get("ATTEST_BASE_URL"):
            settings.ATTEST_BASE_URL = url.rstrip("/")
        self._say_services()  # started (or found running) as the settings loaded
        self._say("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            self._prepare_data()
        connections.close_all()  # the supervisor holds no connection: PostgreSQL can always stop
        self._say(f"Starting the web server on {url}, the Celery worker and beat, and the outbox relay…")
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
            if wait_until_healthy(url, supervisor=supervisor, say=self._say):
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
        self.stdout.flush()  # in order with the children's output, even into a file

    def _say_services(self) -> None:
        from config import embedded

        if os.environ.get("DATABASE_URL"):
            self._say("PostgreSQL: using DATABASE_URL.")
        else:
            self._say(f"PostgreSQL: running (embedded, data in {embedded.DATA_DIR / 'postgres'}).")
        if os.environ.get("REDIS_URL"):
            self._say("Redis: using REDIS_URL.")
        else:
            self._say(f"Redis: running (embedded, data in {embedded.DATA_DIR / 'redis'}).")

    def _prepare_data(self) -> None:
        from django.core.management import get_commands

        if "load_catalogue" in get_commands():
            self._say("Loading the qualification catalogue…")
            call_command("load_catalogue", verbosity=0)
        self._say("Seeding the demo centres, people and portfolios…")
        call_command("seed_demo", verbosity=0)

    def _announce(self, port: int) -> None:
        url = f"http://127.0.0.1:{port}/"
        password = getattr(settings, "DEMO_PASSWORD", "attest-demo")
        lines = ["", f"Attest is ready at {url}", f"Health: {url}healthz", "", "Demo logins (password: " + password + "):"]
        for (centre, _slug), people in demo_people().items():
            for person in people:
                lines.append(f"  {person.email:<22} {', '.join(person.roles.labels()):<45} {centre}")
        lines.append(f"  {PLATFORM_STAFF[0]:<22} {'Platform staff (catalogue imports, platform trail)':<45} no centre")
        lines += ["", "Press Ctrl-C to stop everything.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _stop_embedded(self) -> None:
        from config import embedded

        if not os.environ.get("DATABASE_URL"):
            embedded.postgres_stop()
        if not os.environ.get("REDIS_URL"):
            embedded.redis_stop()


# --- readiness: "ready" only once /healthz says every check is ok -------------------------------

NOT_READY_WARNING_AFTER = 180.0  # seconds: then say plainly that something is wrong


def health_report(url: str) -> tuple[bool, str]:
    """Ask `url`healthz once. (True, "database ok, redis ok, …") when it answers 200, every
    check ok (or "off": no virus scanner configured, apps/core/health.py); else (False, what is
    not ready yet, in words)."""
    from apps.core.health import HEALTHY

    try:
        with urllib.request.urlopen(url + "healthz", timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 503: the server answers, a dependency is not ready
        status, body = exc.code, exc.read()
    except OSError:
        return False, "the web server to answer"
    try:
        checks = json.loads(body)
    except ValueError:
        checks = None
    if not isinstance(checks, dict) or not checks:
        return False, f"the web server to answer /healthz (it answered {status})"
    waiting = [f"{name} ({value})" for name, value in checks.items() if value not in HEALTHY]
    if waiting or status != 200:
        return False, ", ".join(waiting) or f"/healthz to answer 200 (it answered {status})"
    return True, ", ".join(f"{name} {value}" for name, value in checks.items())


def wait_until_healthy(
    url: str,
    *,
    supervisor: Supervisor,
    say: Callable[[str], None],
    probe: Callable[[str], tuple[bool, str]] = health_report,
    interval: float = 0.5,
) -> bool:
    """Ask /healthz until every check is ok, saying what is still starting each time that
    changes, and keeping the stack supervised meanwhile (a child that dies is restarted).
    True once healthy; False if the stack is stopped first (Ctrl-C)."""
    started = time.monotonic()
    last, warned = None, False
    say(f"Checking {url}healthz until every service is ok…")
    while not supervisor.stopping:
        healthy, detail = probe(url)
        if healthy:
            say(f"Health check passed: {detail}.")
            return True
        if detail != last:
            say(f"Waiting for {detail}…")
            last = detail
        if not warned and time.monotonic() - started > NOT_READY_WARNING_AFTER:
            say(
                f"Not ready after {NOT_READY_WARNING_AFTER / 60:.0f} minutes: still waiting for {detail}. "
                "The messages above say what failed; Attest is not ready until every check is ok."
            )
            warned = True
        supervisor.watch_once()
        time.sleep(interval)
    return False
