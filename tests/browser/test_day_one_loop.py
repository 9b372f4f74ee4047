"""Issue 11, the loop itself, in Chromium with axe on every page:

- referred work is changed and resubmitted from the learner's evidence page, with the
  assessor's feedback beside the form, and the history shows each round;
- the learner home's "feedback waiting to be read" opens exactly the evidence with unread
  feedback (the one piece, or the portfolio filtered to them);
- file types are named as people name them ("Word document", never the technical type);
- an assessor assesses in one click from the caseload, the portfolio, the evidence page, the
  tracking matrix and the unit page; the IQA is offered the record, not the assessment;
- the admin's learner page leads to the learner's portfolio, matrix, unit plan and export.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.evidence.filetypes import DOCX
from apps.evidence.models import Evidence
from apps.evidence.services import evidence_create, evidence_submit
from tests.assessment.helpers import accept, criterion
from tests.evidence.portfolio_helpers import content, enrolment_with_people, stored_file
from tests.factories import MembershipFactory
from tests.records.test_browser import person  # noqa: F401  (a fixture: a signed-in browser per person)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERRAL = "Add the follow-up letter you sent to the customer."
ACCEPTANCE = "Complete now: the letter shows the complaint was closed."


def submitted(enrolment, user, title: str, **extra) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=user, content=content(title=title, **extra))
    return evidence_submit(evidence=evidence, actor=user, declared_name=enrolment.learner.full_name, ip_address=None)


@pytest.fixture
def loop(centre):
    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    word = stored_file(centre, learner.user, content=b"PK\x03\x04 call notes", name="call-notes.docx",
                       content_type=DOCX)
    calls = submitted(enrolment, learner.user, "Complaint call notes", files=[word])
    till = submitted(enrolment, learner.user, "Cashing up the till")
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Notes for later"))  # a draft
    return enrolment, learner, assessor, iqa, calls, till


def test_the_learner_reads_the_feedback_waiting_and_changes_and_resubmits_referred_work(
    loop, person, assert_accessible  # noqa: F811
):
    enrolment, learner, assessor, _, calls, till = loop
    accept(calls, assessor.user, outcome="referred", feedback=REFERRAL)
    accept(till, assessor.user, outcome="referred", feedback="Say which float you counted.")
    page = person(learner.user)

    # Two pieces with feedback not read: the home's link lists exactly those two.
    page.goto("/")
    page.get_by_role("link", name=re.compile("Feedback from your assessor on 2 pieces")).click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Complaint call notes", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Cashing up the till", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Notes for later", exact=True)).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Cashing up the till", exact=True).click()  # read: one piece left

    # One piece left: the home's link opens it.
    page.goto("/")
    page.get_by_role("link", name=re.compile("Feedback from your assessor on 1 piece of evidence")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaint call notes")
    expect(page.get_by_text(REFERRAL)).to_be_visible()
    # Its Word file is named as people name it.
    files = page.locator("ul.files")
    expect(files).to_contain_text("Word document")
    expect(files).not_to_contain_text("application/")
    assert_accessible(page)

    # Change and resubmit, with the feedback beside the form.
    page.get_by_role("link", name="Change and resubmit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change and resubmit")
    expect(page.get_by_role("complementary", name="Your assessor's feedback")).to_contain_text(REFERRAL)
    assert_accessible(page)
    page.get_by_label("Description").fill("My notes of the call, and the follow-up letter I sent.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved as version 2")).to_be_visible()
    page.get_by_role("link", name="Sign and submit").click()
    page.get_by_label("I declare that this evidence is my own work").check()
    page.get_by_label("Type your full name to sign").fill(enrolment.learner.full_name)
    page.get_by_role("button", name="Sign and submit").click()
    expect(page.get_by_text("Submitted. Your assessor has been told it is waiting.")).to_be_visible()
    calls.refresh_from_db()
    assert calls.status == Evidence.Status.SUBMITTED and calls.shared_version.number == 2

    # The assessor accepts version 2: the history shows both rounds with outcome and feedback.
    accept(calls, assessor.user, met=[criterion(enrolment, "1", "1.1")], feedback=ACCEPTANCE)
    page.reload()
    rounds = page.locator("article.version-assessment")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(0)).to_contain_text("Version 2")
    expect(rounds.nth(0)).to_contain_text("Accepted")
    expect(rounds.nth(0)).to_contain_text(ACCEPTANCE)
    expect(rounds.nth(1)).to_contain_text("Version 1")
    expect(rounds.nth(1)).to_contain_text("Referred back")
    expect(rounds.nth(1)).to_contain_text(REFERRAL)
    assert_accessible(page)


def test_assessors_assess_from_wherever_evidence_is_and_admins_reach_a_learners_work(
    loop, person, assert_accessible, centre  # noqa: F811
):
    enrolment, learner, assessor, iqa, calls, till = loop
    met = criterion(enrolment, "1", "1.1")
    accept(till, assessor.user, met=[met])  # accepted: it meets 1.1 on the matrix and the unit page
    assess_button = "Sign and record the assessment"

    page = person(assessor.user)
    # Caseload: the waiting count opens the learner's waiting evidence, each one click from assessing.
    page.goto("/caseload/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"1 piece of evidence waiting from {enrolment.learner.full_name}")).click()
    expect(page.get_by_role("link", name="Complaint call notes", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Cashing up the till", exact=True)).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Assess “Complaint call notes”").click()
    expect(page.get_by_role("button", name=assess_button)).to_be_visible()
    # The portfolio's evidence page offers it too.
    page.get_by_role("link", name=f"Portfolio of {enrolment.learner.full_name}").click()
    page.get_by_role("link", name="Complaint call notes", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Assess this evidence").click()
    expect(page.get_by_role("button", name=assess_button)).to_be_visible()
    # Assessed evidence from the matrix's cell and from the unit page: the assessor's page, one click.
    page.goto(f"/assessment/enrolments/{enrolment.pk}/matrix/")
    page.locator("table.matrix").get_by_role("link", name="Cashing up the till", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cashing up the till")
    expect(page).to_have_url(re.compile(rf"/assessment/evidence/{till.pk}/$"))
    page.goto(f"/assessment/enrolments/{enrolment.pk}/units/1/")
    page.get_by_role("link", name="Cashing up the till", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/assessment/evidence/{till.pk}/$"))

    # The IQA reads the record; nothing offers them an assessment they may not make.
    page = person(iqa.user)
    page.goto(f"/portfolio/enrolments/{enrolment.pk}/")
    expect(page.get_by_role("link", name=re.compile(r"^Assess\b"))).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Assessment record of “Complaint call notes”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaint call notes")
    expect(page.get_by_role("button", name=assess_button)).to_have_count(0)

    # The learner's own portfolio has no assessment column.
    page = person(learner.user)
    page.goto(f"/portfolio/enrolments/{enrolment.pk}/")
    expect(page.get_by_role("columnheader", name="Assessment")).to_have_count(0)

    # The admin's learner page leads to the learner's work.
    admin = MembershipFactory(centre=centre, is_admin=True)
    page = person(admin.user)
    page.goto("/learners/")
    page.get_by_role("link", name=enrolment.learner.full_name).click()
    assert_accessible(page)
    number = enrolment.qualification.number
    page.get_by_role("link", name=f"Portfolio for {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Portfolio of {enrolment.learner.full_name}")
    page.go_back()
    page.get_by_role("link", name=f"Tracking matrix for {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tracking matrix of {enrolment.learner.full_name}")
    page.go_back()
    page.get_by_role("link", name=f"Unit plan for {number}").click()
    expect(page).to_have_url(re.compile(rf"/enrolments/{enrolment.pk}/plan/$"))
    page.go_back()
    page.get_by_role("button", name=f"Export the portfolio for {number} as ZIP").click()
    expect(page).to_have_url(re.compile(r"/portfolio/exports/\d+/$"))
    assert_accessible(page)
