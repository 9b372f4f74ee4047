"""IQA reports: what each PDF says, the CSVs, asking for a report (and being refused), the worker
that makes it, the download only the requester gets, and query counts that do not grow."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.centres.access import membership_for
from apps.core.pdf import document_text, render_document
from apps.iqa import reports
from apps.iqa.models import Report
from apps.notifications.models import Notification
from tests.factories import CentreFactory, MembershipFactory
from tests.iqa.support_reports import grow, report_world


@pytest.fixture
def world(db):
    return report_world(CentreFactory(name="Riverside Training"))


def pdf_text(world, kind, params, user=None) -> str:
    membership = membership_for(user or world["iqa"].user, world["centre"].pk)
    context = reports.report_context(membership, kind, params)
    return "\n".join(document_text(render_document(render_to_string(reports.TEMPLATES[kind], context))))


def flat(text: str) -> str:
    # A table cell wraps a long name after its hyphen ("Walton-" / "Davidson"): join it again.
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def test_the_sample_record_says_everything_the_domain_note_asks(world):
    sample = world["sample"]
    text = flat(pdf_text(world, Report.Kind.SAMPLE, {"sample": sample.pk}))
    e = world["enrolment"]
    for expected in [
        f"IQA sample record S-{sample.pk}", "Riverside Training", e.learner.full_name, "9876543210",
        e.qualification.number, sample.unit.title, world["assessor"].user.full_name, world["countersigner"].user.full_name,
        "Summative", "Disagree: decision unsafe", "Ask for a second call log before accepting 1.2.",
        world["decisions"][0].criterion.number, "Met", "Reliable", "Another assessor would not accept 1.2 from this.",
        "Sufficient", "Feedback constructive", "Feedback does not say what was missing.",
        "Tone of voice",  # a key checks.py has no label for: its name made readable
        "Not applicable", "Re-assess 1.2 with a second call log.", "Learner added a second log; decision corrected.",
        "4 days overdue", "Seen and agreed.", "Wrong criterion named in the feedback", "The feedback means 1.2, not 1.3.",
        sample.snapshot_sha256, f"Sampling plan P-{world['plan'].pk}", "Page 1 of",
    ]:
        assert flat(expected) in text, expected
    assert "Not signed yet" not in text


def test_the_sampling_plan_has_the_columns_of_the_paper_form(world):
    text = flat(pdf_text(world, Report.Kind.PLAN, {"plan": world["plan"].pk}))
    for expected in ["Assessor (risk)", "Learner (ULN)", "Reason selected", "IQA signature", "seed 42",
                     world["assessor"].user.full_name, "No profile", "9876543210", "Trainee's first decision in the unit",
                     f"S-{world['sample'].pk}", "Disagree: decision unsafe", world["iqa"].user.full_name]:
        assert flat(expected) in text, expected


def test_the_plan_csv_is_safe_to_open_in_a_spreadsheet(world):
    world["enrolment"].learner.full_name = "=HYPERLINK(\"http://evil.test\")"
    world["enrolment"].learner.save(update_fields=["full_name"])
    rows = list(csv.reader(io.StringIO(reports.plan_csv(world["plan"]).decode("utf-8-sig"))))
    assert rows[0] == reports.PLAN_CSV_HEADER and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Learner"].startswith("'=HYPERLINK") and row["Sample ref"] == f"S-{world['sample'].pk}"
    assert row["Outcome"] == "Disagree: decision unsafe" and row["ULN"] == "9876543210"


def test_the_action_log_counts_days_overdue(world):
    text = flat(pdf_text(world, Report.Kind.ACTIONS, {"state": "all"}))
    assert f"A-{world['action'].pk}" in text and "Answered, waiting for the IQA (overdue)" in text
    assert "2 actions, 1 overdue" in text
    membership = membership_for(world["iqa"].user, world["centre"].pk)
    rows = list(csv.DictReader(io.StringIO(reports.actions_csv(membership, {"state": "all"}).decode("utf-8-sig"))))
    by_id = {row["Action"]: row for row in rows}
    assert by_id[f"A-{world['action'].pk}"]["Days overdue"] == "4"
    assert by_id[f"A-{world['closed_action'].pk}"]["Days overdue"] == "3"  # closed three days late
    assert by_id[f"A-{world['closed_action'].pk}"]["What to do"].startswith("'=HYPERLINK")
    only_open = list(csv.DictReader(io.StringIO(reports.actions_csv(membership, {"state": "open"}).decode("utf-8-sig"))))
    assert [row["Action"] for row in only_open] == [f"A-{world['action'].pk}"]


def test_the_summary_counts_what_was_done_in_the_period(world):
    today = timezone.localdate()
    params = {"qualification": world["enrolment"].qualification_id, "from": (today - timedelta(days=30)).isoformat(),
              "to": today.isoformat()}
    text = flat(pdf_text(world, Report.Kind.SUMMARY, params))
    for expected in ["Learners active 1", "Decisions made 2", "Samples signed: summative 1", "Samples signed: interim 0",
                     "Learners sampled 1 of 1 (100 %)", "Units sampled (of units with decisions in the period) 1 of 1",
                     "Agreement rate 0 %", "Referrals (disagreed) 1", "Actions not closed 1", "Actions overdue 1",
                     "Last standardisation meeting None recorded", world["assessor"].user.full_name]:
        assert expected in text, expected
    earlier = {**params, "from": "2020-01-01", "to": "2020-03-31"}
    assert "Decisions made 0" in flat(pdf_text(world, Report.Kind.SUMMARY, earlier))


@pytest.mark.parametrize(("kind", "params", "message"), [
    ("", {}, "Choose a kind of report"),
    ("bogus", {}, "Choose a kind of report"),
    ("sample", {}, "Say which sample."),
    ("sample", {"sample": "x"}, "must be a number"),
    ("plan", {"plan": "-3"}, "There is no such sampling plan"),
    ("actions", {"state": "maybe"}, "Choose all actions"),
    ("summary", {"qualification": "1", "from": "2026-13-01", "to": "2026-01-01"}, "not a date"),
    ("summary", {"qualification": "1", "from": "2026-02-01", "to": "2026-01-01"}, "ends before it starts"),
    ("summary", {"qualification": "1", "from": "1850-01-01", "to": "2026-01-01"}, "before 1900"),
    ("summary", {"qualification": "999999", "from": "2026-01-01", "to": "2026-02-01"}, "no such qualification"),
])
def test_bad_requests_get_a_clear_message_and_change_nothing(world, kind, params, message):
    with pytest.raises(ValidationError) as refused:
        reports.report_request(actor=world["iqa"].user, centre=world["centre"], kind=kind, params=params)
    assert message in " ".join(refused.value.messages)
    assert not Report.objects.exists() and not AuditEvent.objects.filter(action="iqa.report_requested").exists()


def test_a_report_covers_only_what_the_member_may_read(world):
    other_iqa = MembershipFactory(centre=world["centre"], is_iqa=True)
    for kind, params in [("sample", {"sample": world["sample"].pk}), ("plan", {"plan": world["plan"].pk})]:
        with pytest.raises(PermissionDenied):
            reports.report_request(actor=other_iqa.user, centre=world["centre"], kind=kind, params=params)
    with pytest.raises(PermissionDenied):  # an assessor reads their samples on the page, not as reports
        reports.report_request(actor=world["assessor"].user, centre=world["centre"], kind="actions", params={})
    outsider = MembershipFactory(centre=CentreFactory(), is_iqa=True, is_admin=True)
    with pytest.raises(PermissionDenied):
        reports.report_request(actor=outsider.user, centre=outsider.centre, kind="sample",
                               params={"sample": world["sample"].pk})
    assert not Report.objects.exists()
    # Another IQA's action log holds only the actions they may see: none of these.
    assert reports.action_log(other_iqa, {"state": "all"})["rows"] == []


def test_asking_records_the_request_and_makes_the_report(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(actor=world["iqa"].user, centre=world["centre"], kind="sample",
                                        params={"sample": str(world["sample"].pk)})
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    event = AuditEvent.objects.get(action="iqa.report_requested")
    assert event.payload["params"] == {"sample": world["sample"].pk}
    with default_storage.open(report.key, "rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == report.sha256
    assert report.filename == f"sample-record-s-{world['sample'].pk}-{report.created_at:%Y-%m-%d}.pdf"
    assert Notification.objects.filter(recipient=world["iqa"].user, subject__startswith="Your report is ready").count() == 1
    # Delivered twice, made once.
    assert reports.report_build(report_id=report.pk) == Report.Status.DONE
    assert Notification.objects.filter(recipient=world["iqa"].user).count() == 1


def test_a_requester_who_lost_the_right_gets_a_failed_report_not_a_file(world):
    report = Report.objects.create(centre=world["centre"], kind="sample", params={"sample": world["sample"].pk},
                                   requested_by=MembershipFactory(centre=world["centre"], is_iqa=True).user)
    assert reports.report_build(report_id=report.pk) == Report.Status.FAILED
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and not report.key and "no such sample" in report.error


def test_a_report_whose_worker_died_is_made_again_or_failed(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    lapsed = Report.objects.create(centre=world["centre"], kind="actions", params={"state": "all"},
                                   requested_by=world["iqa"].user, status=Report.Status.RUNNING,
                                   claimed_until=now - timedelta(seconds=1))
    hopeless = Report.objects.create(centre=world["centre"], kind="actions", params={"state": "all"},
                                     requested_by=world["iqa"].user, status=Report.Status.RUNNING,
                                     claimed_until=now - timedelta(seconds=1), created_at=now - timedelta(hours=2))
    live = Report.objects.create(centre=world["centre"], kind="actions", params={"state": "all"},
                                 requested_by=world["iqa"].user, status=Report.Status.RUNNING,
                                 claimed_until=now + timedelta(minutes=4))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reports.reports_recover()
    assert outcome == {"failed": 1, "resumed": 1}
    for report in (lapsed, hopeless, live):
        report.refresh_from_db()
    assert lapsed.status == Report.Status.DONE and hopeless.status == Report.Status.FAILED
    assert "several times" in hopeless.error and live.status == Report.Status.RUNNING


@pytest.mark.parametrize("kind", ["sample", "plan", "actions", "summary"])
def test_reading_a_report_takes_the_same_queries_whatever_its_size(world, kind):
    today = timezone.localdate()
    params = {
        "sample": {"sample": world["sample"].pk}, "plan": {"plan": world["plan"].pk}, "actions": {"state": "all"},
        "summary": {"qualification": world["enrolment"].qualification_id, "from": (today - timedelta(days=30)).isoformat(),
                    "to": today.isoformat()},
    }[kind]
    def count() -> int:
        membership = membership_for(world["iqa"].user, world["centre"].pk)
        with CaptureQueriesContext(connection) as queries:
            context = reports.report_context(membership, kind, params)
            render_to_string(reports.TEMPLATES[kind], context)
        return len(queries)

    grow(world, 1)
    small = count()
    grow(world, 4)
    assert count() == small


# --- the pages --------------------------------------------------------------------------------


def wait_for(report: Report, timeout: float = 60) -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            return report
        time.sleep(0.2)
    raise AssertionError(f"report still {report.status}")


def test_an_iqa_asks_waits_and_downloads_through_the_worker(celery_worker, client):
    world = report_world(CentreFactory(name="Riverside Training"))
    client.force_login(world["iqa"].user)
    response = client.post("/iqa/reports/request/", {"kind": "sample", "sample": world["sample"].pk, "next": "/iqa/reports/"})
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == f"/iqa/reports/{report.pk}/"
    report = wait_for(report)
    assert report.status == Report.Status.DONE, report.error
    page = client.get(f"/iqa/reports/{report.pk}/").content.decode()
    assert "Download the PDF" in page and report.sha256 in page
    download = client.get(f"/iqa/reports/{report.pk}/download/")
    data = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf" and hashlib.sha256(data).hexdigest() == report.sha256
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="iqa.report_downloaded", object_id=str(report.pk)).count() == 1
    # Only the requester: the centre's admin, who reads all of the centre's quality assurance, still gets a 404.
    admin = MembershipFactory(centre=world["centre"], is_admin=True)
    client.force_login(admin.user)
    assert client.get(f"/iqa/reports/{report.pk}/download/").status_code == 404


def test_the_request_form_returns_to_the_page_with_the_message(client, world):
    client.force_login(world["iqa"].user)
    response = client.post("/iqa/reports/request/", {"kind": "summary", "qualification": "", "from": "x", "to": "",
                                                     "next": "/iqa/reports/"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/iqa/reports/" and "Say which qualification." in page
    assert not Report.objects.exists()
    # An address elsewhere is never followed.
    response = client.post("/iqa/reports/request/", {"kind": "", "next": "https://evil.test/"})
    assert response.url == "/iqa/reports/"


def test_the_report_buttons_show_for_those_who_may_ask(client, world, rf):
    from django.template import Context, Template

    template = Template('{% include "iqa/includes/report_buttons.html" with kind="plan" ref=plan.pk %}')
    request = rf.get("/iqa/plans/")
    request.membership = membership_for(world["iqa"].user, world["centre"].pk)
    html = template.render(Context({"request": request, "plan": world["plan"]}))
    assert f'name="plan" value="{world["plan"].pk}"' in html and "Sampling plan as CSV" in html
    request.membership = membership_for(world["assessor"].user, world["centre"].pk)
    assert "<form" not in template.render(Context({"request": request, "plan": world["plan"]}))


def test_csv_downloads_are_audited_and_scoped(client, world):
    client.force_login(world["iqa"].user)
    response = client.get(f"/iqa/reports/plans/{world['plan'].pk}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert client.get("/iqa/reports/actions.csv?state=open").status_code == 200
    assert AuditEvent.objects.filter(action="iqa.report_downloaded").count() == 2
    response = client.get("/iqa/reports/actions.csv?state=nonsense", follow=True)
    assert "Choose all actions" in response.content.decode()
    client.force_login(world["assessor"].user)
    assert client.get(f"/iqa/reports/plans/{world['plan'].pk}.csv").status_code == 404
    assert client.get("/iqa/reports/actions.csv").status_code == 403
