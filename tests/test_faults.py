"""Nothing lost when a part fails: the real stack (`manage.py runstack`, as `make run` starts it)
with its own PostgreSQL, Redis, worker, beat and outbox relay in a folder of its own, while
the demo learner and assessor work through the pages; the worker is killed, Redis stopped and
hung, PostgreSQL restarted. `bench/faults.py` runs the same drills against `make run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from faults import Drills, Stack  # noqa: E402

from tests.evidence.servers import free_port  # noqa: E402


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("stack")
    port = free_port()
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
    """Between requests and tasks nothing keeps a connection open. A periodic task may be between
    two statements at the moment we look (the worker runs them every minute), so the count must
    come down to nothing within a few seconds, not be nothing at one instant."""

    def idle() -> int:
        return stack.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'attest' AND state = 'idle' "
                         "AND pid <> pg_backend_pid()")[0][0]

    time.sleep(2)  # between requests
    stack.wait(lambda: idle() == 0, 15, "no idle connection to the database")


# --- what `make run` says, and where its emails point (issue 11) -------------------------------------


def _log(stack, until: str, timeout: float = 60) -> str:
    """The stack's output so far, once it holds `until`."""
    log = stack.data_dir / "stack.log"
    stack.wait(lambda: until in log.read_text(), timeout, f"“{until}” in the output of make run")
    return log.read_text()


def test_make_run_says_what_it_is_doing_and_ready_only_after_a_health_check_that_passed(stack):
    log = _log(stack, "Attest is ready at")
    steps = [
        "Starting the embedded PostgreSQL", "Starting the embedded Redis", "[stack] Migrating the database",
        "[stack] Loading the qualification catalogue", "[stack] Seeding the demo",
        f"[stack] Starting the web server on {stack.url}", "[stack] Checking ",
        "[stack] Health check passed: database ok, redis ok, celery ok, storage ok",
        f"Attest is ready at {stack.url}",
    ]
    positions = [log.find(step) for step in steps]
    assert -1 not in positions, [step for step, at in zip(steps, positions, strict=True) if at == -1]
    assert positions == sorted(positions), log
    passed = next(line for line in log.splitlines() if "Health check passed" in line)
    assert "(" not in passed  # every check ok, none still waiting
    assert log.count("is ready at") == 1


def test_emailed_links_point_at_the_port_the_stack_serves_on_and_open_there(drills, browser, assert_accessible):
    import email as email_parser
    import re

    from faults import ASSESSOR

    drills.learner.sign_in()
    evidence, _ = drills.learner.add_and_submit(drills.enrolment, "Where the email leads", drills.learner_name)
    wanted = f"/assessment/evidence/{evidence}/"

    def emailed_links() -> list[str]:
        links = []
        for path in stack_emails(drills.stack):
            for part in re.split(rb"\n-{79}\n", path.read_bytes()):
                message = email_parser.message_from_bytes(part.strip())
                for piece in message.walk():
                    body = piece.get_payload(decode=True) or b""
                    if wanted.encode() in body:
                        links += re.findall(r"https?://[^\s\"<>]+", body.decode(errors="replace"))
        return links

    drills.stack.wait(lambda: bool(emailed_links()), 120, "the assessor's email about the new evidence")
    links = emailed_links()
    assert links and all(link.startswith(drills.stack.url) for link in links), (drills.stack.url, links)
    assert drills.stack.url != "http://127.0.0.1:8000/"

    # The assessor follows it in a browser: it opens the evidence to assess.
    context = browser.new_context(base_url=drills.stack.url.rstrip("/"))
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(ASSESSOR)
        page.get_by_label("Password").fill("attest-demo")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Welcome", exact=False).wait_for()
        link = next(link for link in links if wanted in link)
        response = page.goto(link)
        assert response.status == 200
        page.get_by_text("Where the email leads").first.wait_for()
        assert_accessible(page)
    finally:
        context.close()


def stack_emails(stack) -> list[Path]:
    return sorted(stack.email_dir.iterdir()) if stack.email_dir.exists() else []
