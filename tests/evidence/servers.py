"""Attest served by real gunicorn processes of a test's own, for what the test client cannot show:
several web nodes with disks of their own, or a real server's memory while it takes a large file.

Each server reads a settings module written for it into its own folder: the test database the
test prepared (so the test must use `django_db(transaction=True)`: the servers see only what is
committed), plus whatever lines the test adds. Servers listen on 127.0.0.1 only and are stopped,
with their workers, when the block ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen


@contextmanager
def gunicorn(folder: Path, *, settings: str = "", env: dict[str, str] | None = None,
             workers: int = 1, threads: int = 1, keep_alive: int | None = None) -> Iterator[Server]:
    """gunicorn serving Attest with the test's database and `settings` added: `workers`
    processes (with `threads`, threaded workers, as docker-compose.yml runs them), keeping idle
    connections `keep_alive` seconds (gunicorn's default where None)."""
    folder.mkdir(parents=True, exist_ok=True)
    module = f"node_settings_{os.getpid()}_{abs(hash(folder)) % 10**8}"
    (folder / f"{module}.py").write_text(
        "from config.settings.test import *  # noqa\n"
        f"DATABASES['default']['NAME'] = {connection.settings_dict['NAME']!r}\n" + settings
    )
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment |= {"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": f"{folder}:{ROOT}"} | (env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--timeout", "300", "--log-level", "warning",
         *(["--keep-alive", str(keep_alive)] if keep_alive is not None else [])],
        cwd=ROOT, env=environment, start_new_session=True,
    )
    server = Server(url=f"http://127.0.0.1:{port}", process=process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{server.url}/accounts/login/", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the server did not start within a minute"
                assert process.poll() is None, "the server stopped"
                time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # gunicorn and its worker: the session this test started
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def signed_in(user, server: Server) -> requests.Session:
    """A requests session signed in as `user` (its session is in the shared database), speaking tus,
    with the CSRF cookie the server set and its token in the header."""
    browser = Client()
    browser.force_login(user)
    session = requests.Session()
    session.get(f"{server.url}/accounts/login/", timeout=10).raise_for_status()  # sets the CSRF cookie
    session.cookies.set("sessionid", browser.cookies["sessionid"].value)
    session.headers.update({"Tus-Resumable": "1.0.0", "X-CSRFToken": session.cookies["csrftoken"]})
    return session
