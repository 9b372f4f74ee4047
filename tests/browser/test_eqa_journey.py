"""Issue 14's acceptance journey, on the demo data, in Chromium with axe on every page.

The demo admin grants a new NCFE external quality assurer (EQA) access to one qualification,
600/1257/2, for 30 days; the EQA accepts the emailed invitation and sees exactly that scope (a
learner on it opens; a learner on 600/1137/3 and a draft of an in-scope learner are 404s). The
EQA asks for the sample Attest proposes by NCFE's rule, with the reasons shown, and the admin
is told, with the due date. The EQA builds the pack (a real Celery worker), downloads the ZIP:
an index PDF and the assessment plan listing the in-scope learners and nobody else. The EQA
records the outcome with one action; the centre answers it and the EQA closes it. The admin
reads who looked at what, when, the pack's download among it. After the end date the EQA's
access is gone: the learner is a 404 and their home says the access ended."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from django.core import mail
from django.utils import timezone
from django.utils.text import capfirst
from playwright.sync_api import expect

from apps.centres.models import Membership
from apps.certification.models import QualificationApproval
from apps.demo.seed import seed_everything
from apps.eqa.models import CentreAction, SampleRequest, VisitOutcome
from apps.eqa.visits import proposals
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment, ExternalAccess
from apps.qualifications.models import Qualification
from apps.qualifications.services import catalogue_load
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
CATALOGUE = ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml", "601-5051-8.yaml")
EQA_EMAIL, EQA_NAME = "nadia.eqa@ncfe.example.test", "Nadia Norris"
IN_SCOPE, OUTSIDE = "600/1257/2", "600/1137/3"
LINK = re.compile(r"https?://\S+/invitations/\S+/")
NOT_FOUND = "Page not found"
ACTION = "Put the IQA's feedback for unit 33 in writing to each assessor."


def test_the_admin_grants_an_eqa_one_qualification_and_the_visit_runs_to_the_end_of_the_access(
    browser, live_server, celery_worker, assert_accessible
):
    for name in CATALOGUE:
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password=PASSWORD)
    today = timezone.localdate()
    qualification = Qualification.objects.get(number=IN_SCOPE, is_current=True)
    in_scope = list(Enrolment.objects.filter(centre__slug="demo", qualification=qualification)
                    .select_related("learner").order_by("learner__full_name"))
    lena = next(e for e in in_scope if e.learner.full_name == "Lena Learner")
    cara = Enrolment.objects.get(learner__full_name="Cara Complete", qualification__number=OUTSIDE)
    draft = Evidence.objects.filter(enrolment=lena, status=Evidence.Status.DRAFT).first()
    assert draft is not None, "The demo gives Lena a draft on 600/1257/2."
    outside_names = set(Enrolment.objects.filter(centre__slug="demo").exclude(qualification=qualification)
                        .values_list("learner__full_name", flat=True)) - {e.learner.full_name for e in in_scope}
    assert "Cara Complete" in outside_names

    held = QualificationApproval.objects.filter(centre__slug="demo", qualification_number=IN_SCOPE, has_dcs=True)
    held_since = held.values_list("dcs_since", flat=True).first()

    admin, eqa = (_context(browser, live_server) for _ in range(2))

    # 1. The admin grants the new EQA one qualification for 30 days: it is Open.
    sign_in(admin, "admin@demo.test")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="EQA access").click()
    admin.get_by_role("heading", name="EQA access", level=1).wait_for()
    assert_accessible(admin)
    admin.get_by_role("link", name="Grant EQA access").click()
    assert_accessible(admin)
    admin.get_by_label("EQA's email address").fill(EQA_EMAIL)
    admin.get_by_label("EQA's full name").fill(EQA_NAME)
    admin.get_by_label("Awarding organisation they act for").select_option("NCFE")
    admin.get_by_label(f"{IN_SCOPE} ").check()  # "600/1257/2 NCFE Level 2 … · NCFE"
    expect(admin.get_by_label("Access starts on")).to_have_value(today.isoformat())
    admin.get_by_label("Access ends on").fill((today + timedelta(days=30)).isoformat())
    admin.get_by_role("button", name="Grant access").click()
    expect(admin.get_by_text(f"EQA access granted to {EQA_EMAIL}. An invitation has been emailed to them.")).to_be_visible()
    expect(admin.get_by_role("heading", name="EQA access: NCFE", level=1)).to_be_visible()
    expect(admin.locator(".page-head .badge")).to_have_text("Open")
    facts = admin.locator("dl.facts")
    expect(facts.get_by_role("definition").nth(2)).to_have_text(_day(today))  # From
    expect(facts.get_by_role("definition").nth(3)).to_have_text(_day(today + timedelta(days=30)))  # To
    assert_accessible(admin)
    grant = ExternalAccess.objects.get(email=EQA_EMAIL)
    assert list(grant.qualifications.values_list("number", flat=True)) == [IN_SCOPE]

    # The invitation's link, followed in the browser: the EQA sets a password and is signed in.
    invitation = _mail_to(EQA_EMAIL)
    eqa.goto(LINK.search(invitation.body).group(0))
    assert_accessible(eqa)
    eqa.get_by_label("Choose a password").fill(PASSWORD)
    eqa.get_by_label("Type the password again").fill(PASSWORD)
    eqa.get_by_role("button", name="Create my account").click()
    eqa.get_by_role("heading", name="Welcome", exact=False).wait_for()
    expect(eqa.get_by_role("link", name=f"NCFE: {IN_SCOPE} ")).to_be_visible()
    assert_accessible(eqa)

    # 2. Exactly that scope: the hub lists the grant, Lena opens; Cara and Lena's draft are 404s.
    eqa.get_by_role("navigation", name="Main").get_by_role("link", name="External quality assurance").click()
    eqa.get_by_role("heading", name="External quality assurance", level=1).wait_for()
    hub = eqa.get_by_role("region", name=f"NCFE: {IN_SCOPE} ")
    expect(hub.get_by_text(f"Open until {_day(grant.ends_on)}", exact=False)).to_be_visible()
    assert eqa.get_by_role("region", name=OUTSIDE).count() == 0
    assert_accessible(eqa)
    hub.get_by_role("link", name=f"NCFE: {IN_SCOPE} ").click()
    learners = eqa.get_by_role("table", name=re.compile("^Learners the EQA may see"))
    expect(learners.get_by_role("row")).to_have_count(len(in_scope) + 1)  # and the header
    assert learners.get_by_role("link", name="Cara Complete").count() == 0
    assert_accessible(eqa)
    grant_url = eqa.url
    learners.get_by_role("link", name="Lena Learner").click()
    eqa.wait_for_url(f"**/learners/enrolments/{lena.pk}/plan/")
    expect(eqa.get_by_role("heading", name="Unit plan of Lena Learner", level=1)).to_be_visible()
    assert_accessible(eqa)
    for url in (f"/learners/enrolments/{cara.pk}/plan/", f"/portfolio/enrolments/{cara.pk}/",
                f"/assessment/evidence/{draft.pk}/", f"/portfolio/evidence/{draft.pk}/"):
        answer = eqa.goto(url)
        assert answer.status == 404, url
        expect(eqa.get_by_role("heading", name=NOT_FOUND, level=1)).to_be_visible()
    assert_accessible(eqa)

    # 3. The sample Attest proposes by NCFE's rule, each learner with its reason; due in 10 days.
    eqa.goto(grant_url)
    eqa.get_by_role("link", name="Ask for a sample").click()
    eqa.get_by_role("button", name="Propose a sample by NCFE's rule").click()
    proposed = eqa.get_by_role("region", name=f"Proposed for {IN_SCOPE} {qualification.title.strip()}")
    expect(proposed.get_by_text("NCFE's rule for Direct Claims Status: at least three learners sampled, at least two "
                                "of them complete", exact=False)).to_be_visible()
    # The page shows Attest's proposal (apps/eqa/rules.py, tested there) learner by learner, each
    # with its reason, and whether the scope lets it meet the rule.
    proposal = proposals(grant)[0].proposal
    assert len(proposal.picks) >= min(3, len(in_scope))
    picks = proposed.get_by_role("table").get_by_role("row")
    expect(picks).to_have_count(len(proposal.picks) + 1)
    for pick in proposal.picks:
        row = picks.filter(has=eqa.get_by_role("rowheader", name=pick.name, exact=True))
        expect(row.get_by_role("cell").last).to_have_text(capfirst(pick.reason))
        expect(row.get_by_role("checkbox")).to_be_checked()
    verdict = "The proposal meets the rule." if proposal.met else f"The rule cannot be met: {proposal.shortfall}."
    expect(proposed.get_by_text(verdict, exact=True)).to_be_visible()
    assert_accessible(eqa)
    due = today + timedelta(days=10)
    eqa.get_by_label("The centre should have the sample ready by").fill(due.isoformat())
    eqa.get_by_label("Note to the centre (optional)").fill("Each learner's portfolio and the IQA's sample records.")
    eqa.get_by_role("button", name="Send the request to the centre").click()
    expect(eqa.get_by_text(f"Sample requested: the centre has been told it is due {_day(due)}.")).to_be_visible()
    assert_accessible(eqa)
    sample = SampleRequest.objects.get(grant=grant)
    asked = set(sample.learners.values_list("enrolment__learner__full_name", flat=True))
    assert sample.proposed and asked == {p.name for p in proposal.picks} and sample.due_on == due
    assert asked <= {e.learner.full_name for e in in_scope}

    # The centre is told, and sees the request with its due date.
    admin.goto("/notifications/")
    learners_asked = f"{len(asked)} learner{'' if len(asked) == 1 else 's'}"
    told = admin.get_by_role("button", name=f"New The EQA asks to see {learners_asked} by {_day(due)}")
    expect(told).to_be_visible()
    assert_accessible(admin)
    told.click()
    asked_on = timezone.localtime(sample.requested_at).date()
    admin.get_by_role("heading", name=f"Sample request of {_day(asked_on)}", level=1).wait_for()
    expect(admin.locator("dl.facts").get_by_text(_day(due), exact=True)).to_be_visible()
    expect(admin.get_by_text("due in 10 days", exact=False)).to_be_visible()
    for name in asked:
        expect(admin.get_by_role("row", name=re.compile(f"^{name} "))).to_be_visible()
    assert_accessible(admin)

    # 4. The pack, built by the worker with progress, downloaded: the index and the plan of the
    # learners in scope, and of nobody else.
    eqa.goto(grant_url)
    eqa.get_by_role("button", name="Build the EQA pack").click()
    eqa.get_by_role("heading", name=re.compile("^EQA pack, asked for "), level=1).wait_for()
    download = eqa.get_by_role("link", name="Download the EQA pack (ZIP)")
    expect(download).to_be_visible(timeout=120_000)
    assert_accessible(eqa)
    with eqa.expect_download() as caught:
        download.click()
    with zipfile.ZipFile(io.BytesIO(Path(caught.value.path()).read_bytes())) as archive:
        names = archive.namelist()
        assert "index.pdf" in names and archive.read("index.pdf").startswith(b"%PDF")
        plan = list(csv.DictReader(io.StringIO(archive.read("01-assessment-plan.csv").decode("utf-8-sig"))))
    assert {row["Learner"] for row in plan} == {e.learner.full_name for e in in_scope}
    assert {row["Qualification"].split()[0] for row in plan} == {IN_SCOPE}
    assert not {row["Learner"] for row in plan} & outside_names

    # 5. The outcome for 600/1257/2: satisfactory with one action due in 14 days, DCS kept.
    eqa.goto(grant_url)
    eqa.get_by_role("link", name="Record the visit outcome").click()
    eqa.get_by_label("Date of the visit or review").fill(today.isoformat())
    eqa.get_by_label("Satisfactory with actions").check()
    eqa.get_by_label("Direct Claims Status kept").check()
    eqa.get_by_label("Report to the centre").fill("Assessment decisions are sound and well recorded; IQA feedback "
                                                  "to assessors is given orally only.")
    action_due = today + timedelta(days=14)
    eqa.get_by_label("Action 1: what the centre must do").fill(ACTION)
    eqa.get_by_label("Action 1: due on").fill(action_due.isoformat())
    eqa.get_by_label("Your full name, to sign").fill(EQA_NAME)
    assert_accessible(eqa)
    eqa.get_by_role("button", name="Sign and record the outcome").click()
    expect(eqa.get_by_text("Outcome recorded. The centre has been told and its claim settings follow",
                           exact=False)).to_be_visible()
    expect(eqa.locator("dl.facts").get_by_text("Direct Claims Status kept")).to_be_visible()
    expect(eqa.get_by_role("row", name=re.compile(f"^{re.escape(ACTION)} {_day(action_due)}"))).to_be_visible()
    assert_accessible(eqa)
    outcome = VisitOutcome.objects.get(grant=grant)
    assert (outcome.qualification_id, outcome.result, outcome.dcs, outcome.signed_name) == (
        qualification.pk, VisitOutcome.Result.ACTIONS, VisitOutcome.DCS.KEPT, EQA_NAME)
    action = CentreAction.objects.get(outcome=outcome)
    assert action.due_on == action_due
    # The claim pages follow the decision: DCS held, since the visit unless the centre held it already.
    approval = QualificationApproval.objects.get(centre=grant.centre, qualification_number=IN_SCOPE)
    assert (approval.has_dcs, approval.dcs_since) == (True, held_since or today)

    # 6. The centre answers the action; the EQA closes it.
    admin.goto("/eqa/actions/")
    admin.get_by_role("link", name=ACTION).click()
    admin.get_by_label("What the centre did").fill("Written feedback sent to both assessors; copies on file.")
    assert_accessible(admin)
    admin.get_by_role("button", name="Send the answer to the EQA").click()
    expect(admin.get_by_text("Answer sent. The EQA has been told.")).to_be_visible()
    assert_accessible(admin)
    eqa.goto(f"/eqa/actions/{action.pk}/")
    expect(eqa.get_by_role("region", name="The centre's answer")).to_contain_text("Written feedback sent")
    eqa.get_by_label("Note to the centre (optional)").fill("Seen: thank you.")
    eqa.get_by_role("button", name="Close the action").click()
    expect(eqa.get_by_text("Action closed. The centre has been told.")).to_be_visible()
    expect(eqa.locator(".page-head .badge")).to_have_text("Closed by the EQA")
    assert_accessible(eqa)
    action.refresh_from_db()
    assert action.status == CentreAction.Status.CLOSED

    # 7. Who looked at what, when: the EQA's pages, the 404s and the pack's download.
    admin.goto("/eqa/")
    admin.get_by_role("link", name="Who looked at what, when").click()
    admin.locator("form.filters").get_by_label("EQA").select_option(label=f"{EQA_NAME} ({EQA_EMAIL})")
    admin.get_by_role("button", name="Filter").click()
    log = admin.get_by_role("table", name=re.compile("^Pages and files that match these filters"))
    expect(log.get_by_role("row", name=re.compile(f"{EQA_NAME} EQA pack download: P-\\d+ .* Shown$"))).to_have_count(1)
    rows = log.get_by_role("row")
    expect(rows.filter(has_text=f"Assessment plan: Lena Learner, {IN_SCOPE}").filter(has_text="Shown")).not_to_have_count(0)
    expect(rows.filter(has_text=f"Assessment plan: Cara Complete, {OUTSIDE}").filter(has_text="Not found")
           ).to_have_count(1)
    expect(log.get_by_role("row", name=re.compile(f"{EQA_NAME} Sent: Close EQA action {action.pk} "))).to_have_count(1)
    assert "Evan External" not in log.inner_text()
    assert_accessible(admin)

    # 8. After the end date the access is gone. No clock moves in this test, so the calendar
    # does: the grant (and the EQA role that follows it) ran the 30 days up to yesterday.
    ended_on = today - timedelta(days=1)
    ExternalAccess.objects.filter(pk=grant.pk).update(starts_on=ended_on - timedelta(days=30), ends_on=ended_on)
    assert Membership.objects.filter(user__email=EQA_EMAIL, centre=grant.centre).update(eqa_expires_on=ended_on) == 1
    assert eqa.goto(f"/learners/enrolments/{lena.pk}/plan/").status == 404
    expect(eqa.get_by_role("heading", name=NOT_FOUND, level=1)).to_be_visible()
    eqa.goto("/")
    card = eqa.get_by_role("region", name="External quality assurer")
    expect(card).to_contain_text(f"Your access to NCFE: {IN_SCOPE} {qualification.title} ended on {_day(ended_on)}.")
    assert eqa.get_by_role("navigation", name="Main").get_by_role("link", name="External quality assurance").count() == 0
    assert_accessible(eqa)
    assert eqa.goto(grant_url).status == 404
    for page in (admin, eqa):
        page.context.close()


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _day(value: date) -> str:
    """'2 Dec 2026', as the pages write dates."""
    return f"{value.day} {value:%b %Y}"


def _mail_to(email: str, timeout: float = 30):
    """The invitation to `email`, once the worker has sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mail.outbox if m.to == [email] and "/invitations/" in m.body]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"No invitation was emailed to {email}.")
