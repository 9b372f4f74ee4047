"""Issue 11's first impressions, below the browser: where emailed links point (PORT in
development, the public address in production), `make run`'s readiness (it says "ready" only
after a health check that passed), and the rule that a qualification with no units takes no
enrolments. The browser journeys: tests/browser/test_first_impressions.py; the real stack:
tests/test_faults.py."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.demo.management.commands.runstack import health_report, wait_until_healthy
from apps.learners import csv_import, services
from apps.learners.models import Enrolment, Learner
from apps.learners.rules import qualification_closed_reason
from apps.qualifications.models import Qualification
from tests.test_deployment import PRODUCTION_ENV, manage

NO_UNITS = Path(__file__).resolve().parent.parent / "fixtures" / "qualifications" / "600-1288-2.yaml"
TODAY = date(2025, 9, 1)


# --- where emailed links point ------------------------------------------------------------------


def _base_url(env: dict[str, str]) -> str:
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.ATTEST_BASE_URL)", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_in_development_emailed_links_follow_the_port_make_run_serves_on():
    development = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "ATTEST_BASE_URL": ""}
    assert _base_url(development | {"PORT": "8123"}) == "http://127.0.0.1:8123"
    assert _base_url(development | {"PORT": "8123", "ATTEST_BASE_URL": "https://attest.test/"}) == "https://attest.test"


def test_in_production_emailed_links_point_at_the_public_address():
    assert _base_url(PRODUCTION_ENV | {"ATTEST_BASE_URL": "https://portfolio.college.example/"}) == (
        "https://portfolio.college.example"
    )
    # Unset: the site's own host name, over HTTPS, never the development address.
    assert _base_url(PRODUCTION_ENV | {"ATTEST_BASE_URL": "", "PORT": "9000"}) == "https://attest.example"
    for patterns in ("*", ".college.example"):  # no one host named: refused, not guessed
        refused = manage("check", env=PRODUCTION_ENV | {"ATTEST_BASE_URL": "", "ALLOWED_HOSTS": patterns})
        assert refused.returncode != 0 and "ATTEST_BASE_URL must be set in production" in refused.stderr


# --- make run: "ready" only after a health check that passed -----------------------------------


class FakeSupervisor:
    def __init__(self, stop_after: int | None = None):
        self.stopping = False
        self.watched = 0
        self.stop_after = stop_after

    def watch_once(self) -> None:
        self.watched += 1
        if self.stop_after is not None and self.watched >= self.stop_after:
            self.stopping = True


def test_the_stack_waits_for_every_check_and_says_what_it_is_waiting_for():
    answers = iter([
        (False, "the web server to answer"),
        (False, "the web server to answer"),
        (False, "celery (no worker answered)"),
        (True, "database ok, redis ok, celery ok, storage ok, outbox ok"),
    ])
    said: list[str] = []
    supervisor = FakeSupervisor()
    healthy = wait_until_healthy(
        "http://127.0.0.1:9/", supervisor=supervisor, say=said.append, probe=lambda url: next(answers), interval=0
    )
    assert healthy
    assert said == [
        "Checking http://127.0.0.1:9/healthz until every service is ok…",
        "Waiting for the web server to answer…",
        "Waiting for celery (no worker answered)…",
        "Health check passed: database ok, redis ok, celery ok, storage ok, outbox ok.",
    ]
    assert supervisor.watched == 3  # children that die meanwhile are restarted


def test_stopped_before_it_is_healthy_the_stack_never_says_it_passed():
    said: list[str] = []
    healthy = wait_until_healthy(
        "http://127.0.0.1:9/", supervisor=FakeSupervisor(stop_after=3), say=said.append,
        probe=lambda url: (False, "storage (disk full)"), interval=0,
    )
    assert not healthy
    assert not any("passed" in line for line in said)


@pytest.fixture
def healthz():
    """A /healthz that answers what the test sets (503 until every check is ok)."""
    state: dict = {"checks": {}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            checks = state["checks"]
            self.send_response(200 if checks and all(v in ("ok", "off") for v in checks.values()) else 503)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(checks).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/"
    yield state
    server.shutdown()
    server.server_close()


def test_the_health_report_names_what_is_not_ok(healthz):
    healthz["checks"] = {"database": "ok", "redis": "ok", "celery": "no worker answered", "storage": "ok"}
    assert health_report(healthz["url"]) == (False, "celery (no worker answered)")
    healthz["checks"] = {"database": "ok", "redis": "ok", "celery": "ok", "storage": "ok", "scanner": "off"}
    assert health_report(healthz["url"]) == (True, "database ok, redis ok, celery ok, storage ok, scanner off")
    assert health_report("http://127.0.0.1:9/") == (False, "the web server to answer")


# --- a qualification with no units takes no enrolments -------------------------------------------


@pytest.fixture
def no_units(db) -> Qualification:
    call_command("load_catalogue", str(NO_UNITS), verbosity=0)
    return Qualification.objects.get(number="600/1288/2")


def test_the_rule_refuses_a_qualification_with_no_units(no_units):
    reason = qualification_closed_reason(no_units, TODAY, unit_count=0)
    assert reason.startswith("600/1288/2 Level 4 Diploma in Contact Centre Operations cannot be chosen for enrolment")
    assert "lists no units" in reason


def test_enrolling_on_a_qualification_with_no_units_is_refused_and_changes_nothing(no_units, admin_membership):
    learner = Learner.objects.create(centre=admin_membership.centre, full_name="Nia Newcomer", email="nia@example.test")
    with pytest.raises(ValidationError) as refused:
        services.enrolment_create(
            learner=learner, actor=admin_membership.user, qualification=no_units,
            start_date=TODAY, planned_end_date=date(2026, 7, 31), today=TODAY,
        )
    assert "lists no units" in refused.value.message_dict["qualification"][0]
    assert not Enrolment.objects.exists()


def test_the_csv_import_names_the_row_with_a_qualification_with_no_units(no_units, admin_membership):
    row = {"full_name": "Cal Centre", "email": "cal@example.test", "qualification_number": "600/1288/2",
           "start_date": "01/09/2025", "planned_end_date": "31/07/2026"}
    [check] = csv_import.analyse(centre=admin_membership.centre, rows=[{"line": 2, "values": row}], today=TODAY)
    assert not check.ok
    assert any("lists no units" in problem for problem in check.problems)


def test_the_enrolment_form_sent_with_it_anyway_says_why_and_enrols_nobody(client, no_units, admin_membership):
    learner = Learner.objects.create(centre=admin_membership.centre, full_name="Nia Newcomer", email="nia@example.test")
    client.force_login(admin_membership.user)
    page = client.get(f"/learners/{learner.pk}/enrol/").content.decode()
    assert f'value="{no_units.pk}" disabled' in page  # listed, but not to be chosen
    answer = client.post(f"/learners/{learner.pk}/enrol/", {
        "qualification": no_units.pk, "start_date": "2025-09-01", "planned_end_date": "2026-07-31"})
    assert answer.status_code == 200 and "lists no units" in answer.content.decode()
    assert not Enrolment.objects.exists()
