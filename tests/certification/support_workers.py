"""Real Celery workers in processes of their own, on the test's database, for the tests and the
bench that kill a worker or count what several make at once.

Each stack has its own Redis database as broker (the tests' shared one would let a short
visibility timeout hand other test runs' work out again) and an outbox relay, as `make run` and
docker-compose run one beside the workers: work the test's changes ask for is written to the
outbox and handed over by that relay, never by the test process itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER_DB = 12  # 0/1 are `make run`'s, 14/15 the tests'


@dataclass
class Stack:
    folder: Path
    module: str
    environment: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def _start(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def worker(self, name: str, *, concurrency: int = 1) -> subprocess.Popen:
        """A worker as docker-compose runs one (prefork), consuming the test's queue."""
        return self._start([sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
                            "--pool", "prefork", "--concurrency", str(concurrency), "--without-gossip",
                            "--without-mingle", "--without-heartbeat", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
                            "--hostname", f"{name}@%h"], name)

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 the worker and its pool children (its process group): nothing gets to clean up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("*.log")))


@contextmanager
def worker_stack(folder: Path, *, lease_seconds: int = 10, visibility_seconds: int = 5) -> Iterator[Stack]:
    """Settings for processes on the test's database, storage and signing keys, a broker of their
    own, and the outbox relay started; workers are started by the caller."""
    folder.mkdir(parents=True, exist_ok=True)
    broker = f"{settings.REDIS_URL.rstrip('/')}/{BROKER_DB}"
    module = f"worker_settings_{os.getpid()}_{abs(hash(folder)) % 10**8}"
    (folder / f"{module}.py").write_text(
        "from pathlib import PosixPath  # noqa\n"
        "from config.settings.test import *  # noqa\n"
        f"DATABASES['default']['NAME'] = {connection.settings_dict['NAME']!r}\n"
        f"CELERY_BROKER_URL = CELERY_RESULT_BACKEND = {broker!r}\n"
        f"CELERY_TASK_DEFAULT_QUEUE = {settings.CELERY_TASK_DEFAULT_QUEUE!r}\n"
        f"STORAGES = {settings.STORAGES!r}\n"
        f"ATTEST_SIGNING_DIR = {str(settings.ATTEST_SIGNING_DIR)!r}\n"
        f"ATTEST_UPLOAD_TEMP_DIR = {str(settings.ATTEST_UPLOAD_TEMP_DIR)!r}\n"
        f"ATTEST_TASK_LEASE_SECONDS = {lease_seconds}\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment |= {"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": f"{folder}:{ROOT}",
                    "CELERY_VISIBILITY_TIMEOUT": str(visibility_seconds)}
    client = redis.Redis.from_url(broker)
    client.flushdb()  # nothing left from an earlier run of this test
    stack = Stack(folder=folder, module=module, environment=environment)
    try:
        stack._start([sys.executable, "manage.py", "outbox_relay", "--interval", "0.2"], "relay")
        yield stack
    finally:
        stack.stop()
        client.flushdb()
        client.close()
