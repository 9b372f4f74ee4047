"""Nothing lost when a part fails: the real stack (`manage.py runstack`, as `make run` starts it)
with its own PostgreSQL, Redis, worker, beat and outbox relay in a folder of its own, while
the demo learner and assessor work through the pages; the worker is killed, Redis stopped and
hung, PostgreSQL restarted. `bench/faults.py` runs the same drills against `make run`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from faults import Drills, Stack  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("stack")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "ATTEST_DATA_DIR": str(data),
        "EMAIL_FILE_PATH": str(data / "emails"),
        "DEMO_PASSWORD": "attest-demo",
        # Short enough for a test to see a dead worker's task handed out again.
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "ATTEST_TASK_LEASE_SECONDS": "10",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(data / "stack.log", "w")
    process = subprocess.Popen([sys.executable, "manage.py", "runstack", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    running = Stack(url=f"http://127.0.0.1:{port}/", data_dir=data, email_dir=data / "emails")
    try:
        running.healthy(timeout=240)
        yield running
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the supervisor stops everything it started
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def drills(stack):
    return Drills(stack, "attest-demo")


def _survived(outcome) -> None:
    print(outcome.line())
    assert outcome.ok, outcome.line()


def test_a_killed_worker_is_restarted_and_the_work_queued_meanwhile_is_done_once(drills):
    _survived(drills.worker_killed())


def test_redis_stopped_comes_back_on_its_port_with_the_queued_work_and_nothing_is_lost(drills):
    _survived(drills.redis_stopped())


def test_with_redis_hung_people_still_save_their_work_and_the_emails_go_once_it_answers(drills):
    _survived(drills.redis_hung())


def test_postgresql_restarts_cleanly_and_people_see_a_short_unavailable_page_not_a_sign_in(drills):
    _survived(drills.postgres_restarted())


def test_the_stack_holds_no_idle_database_connection(stack):
    time.sleep(2)  # between requests
    idle = stack.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'attest' AND state = 'idle' AND pid <> pg_backend_pid()"
    )[0][0]
    assert idle == 0
