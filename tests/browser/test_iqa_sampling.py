"""Issue 12's journey in a browser: the IQA opens the coverage page, generates the plan and
samples a ready, signed-off unit from it, and disagrees, with an action; the assessor sees it on
their home, corrects the decision, signs the unit off again and answers the action pointing at
the new decision; the IQA re-samples exactly that and closes the action, and the coverage page
shows the learner's unit cleared for claim. axe-core checks every page.

`iqa_world` (a learner with unit 1 signed off by their assessor, an IQA allocated to that
assessor, a lead IQA) and the helpers are for the journeys that extend this one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.assessment.status import SUSPENSION_REASON
from apps.iqa.clearance import unit_clearance
from apps.iqa.models import Action, PlanItem, Sample
from apps.iqa.strategies import strategy_approve, strategy_draft
from tests.factories import PASSWORD
from tests.iqa.support_samples import in_a_week, signed_off_unit

pytestmark = pytest.mark.browser


@pytest.fixture
def iqa_world(transactional_db):
    world = signed_off_unit()
    strategy_approve(actor=world.lead, strategy=strategy_draft(actor=world.lead, centre_id=world.centre.pk),
                     signed_name=world.lead.full_name)
    return world


def sign_in(browser, live_server, user) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()
    return page


def answer_every_check(page: Page, *, no: dict[str, str] | None = None) -> None:
    """Yes to each check (not applicable where it applies to trainees only), or no with a comment."""
    no = no or {}
    checks = page.locator("fieldset.sample-check")
    for i in range(checks.count()):
        check = checks.nth(i)
        legend = check.locator("legend").inner_text()
        name = legend.split(":")[0]
        if name in no:
            check.get_by_label("No", exact=True).check()
            check.get_by_role("textbox").fill(no[name])
        elif "not applicable here" in legend:
            check.get_by_label("Not applicable").check()
        else:
            check.get_by_label("Yes").check()


def fits_a_phone(page: Page) -> None:
    """The page at 360 CSS pixels: nothing reaches past the right edge (tables scroll in their wrapper)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), page.url
    page.set_viewport_size(size)


def test_the_iqa_disagrees_the_assessor_corrects_and_answers_the_iqa_resamples_and_closes(
    browser, live_server, assert_accessible, iqa_world
):
    w = iqa_world
    # --- the IQA opens coverage, generates the plan, samples the ready unit and disagrees
    iqa = sign_in(browser, live_server, w.iqa)
    iqa.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click()
    iqa.get_by_role("heading", name="Are we covered?").wait_for()
    expect(iqa.get_by_text("Asha Assessor has had no sample this period", exact=False)).to_be_visible()
    assert_accessible(iqa)
    iqa.goto("/iqa/plans/")
    iqa.get_by_role("button", name="Generate the plan").click()
    iqa.get_by_text("Plan generated:").wait_for()
    assert_accessible(iqa)
    item = PlanItem.objects.get(enrolment=w.enrolment, unit=w.unit, stage="summative")
    row = iqa.locator("tbody tr", has_text=f"{w.unit.number}").filter(has_text="Summative").filter(has_text="Ready")
    row.get_by_role("button", name="Sample").click()
    iqa.get_by_role("heading", name="Sample S-", exact=False).wait_for()
    assert_accessible(iqa)
    iqa.get_by_label("Sampled: 1.1").check()
    iqa.get_by_label("Sampled: 1.2").check()
    answer_every_check(iqa, no={"Sufficient": "One call does not show 1.2."})
    iqa.get_by_label("Disagree: decision unsafe").check()
    iqa.get_by_label("Feedback to the assessor").fill("1.2 is not shown by the call log alone.")
    iqa.get_by_label("Action 1: what the assessor must do").fill("Re-judge 1.2 and say what shows it.")
    iqa.get_by_label("Action 1: due on").fill(in_a_week().isoformat())
    iqa.get_by_role("button", name="Save and carry on later").click()
    iqa.get_by_text("Sample saved.").wait_for()
    iqa.get_by_label("Your full name, to sign").fill("Ira Quality")
    iqa.get_by_role("button", name="Sign the sample").click()
    iqa.get_by_text("Sample signed. The assessor has been told.").wait_for()
    assert_accessible(iqa)
    fits_a_phone(iqa)
    sample = Sample.objects.get(follow_up_of__isnull=True)
    assert sample.outcome == Sample.Outcome.DISAGREE and sample.plan_item == item
    action = Action.objects.get(sample=sample)

    # --- the assessor sees it on their home, corrects the decision, signs off again, answers
    assessor = sign_in(browser, live_server, w.assessor)
    expect(assessor.get_by_text("Actions from your internal quality assurer")).to_be_visible()
    assert_accessible(assessor)
    assessor.get_by_role("link", name="Re-judge 1.2", exact=False).click()
    assert_accessible(assessor)
    assessor.get_by_role("link", name="unit 1", exact=False).click()
    expect(assessor.get_by_text(SUSPENSION_REASON, exact=False).first).to_be_visible()
    assert_accessible(assessor)
    unit_url = assessor.url
    assessor.goto(f"/assessment/evidence/{w.evidence.pk}/")
    correct = assessor.locator("details.correct", has_text="unit 1, 1.2")
    correct.locator("summary").click()
    correct.get_by_label("Corrected judgement").select_option("met")
    correct.get_by_label("Feedback on this criterion").fill("The rota and the call log together show 1.2.")
    correct.get_by_label("Reason for the correction").fill(f"Internal quality sample S-{sample.pk}")
    correct.get_by_label("Your full name, to sign").fill(w.assessor.full_name)
    correct.get_by_role("button", name="Sign the correction").click()
    assessor.wait_for_load_state()
    assessor.goto(unit_url)
    assessor.get_by_label("Your full name, to sign").fill(w.assessor.full_name)
    assessor.get_by_role("button", name="Sign the unit off").click()
    assessor.get_by_text("signed off", exact=False).first.wait_for()
    assessor.goto(f"/iqa/actions/{action.pk}/")
    assessor.get_by_label("What you did").fill("Re-judged 1.2 with the rota and rewrote the feedback.")
    assessor.get_by_label("1.2 met", exact=False).check()
    assert_accessible(assessor)
    fits_a_phone(assessor)
    assessor.get_by_role("button", name="Send your answer").click()
    assessor.get_by_text("Answer sent. The IQA has been told.").wait_for()
    action.refresh_from_db()
    assert action.status == Action.Status.RESPONDED and action.response_decision is not None

    # --- the IQA re-samples exactly that and closes the action
    iqa.goto(f"/iqa/actions/{action.pk}/")
    expect(iqa.get_by_text("Re-sample the corrected work first", exact=False)).to_be_visible()
    assert_accessible(iqa)
    iqa.get_by_role("button", name="Re-sample the answer").click()
    iqa.get_by_text("The assessor's answer").first.wait_for()
    expect(iqa.get_by_label("Sampled: 1.2").last).to_be_checked()
    answer_every_check(iqa)
    iqa.get_by_label("Agree", exact=True).check()
    iqa.get_by_label("Your full name, to sign").fill("Ira Quality")
    iqa.get_by_role("button", name="Sign the sample").click()
    iqa.get_by_text("Sample signed. The assessor has been told.").wait_for()
    assert_accessible(iqa)
    iqa.goto(f"/iqa/actions/{action.pk}/")
    iqa.get_by_role("button", name="Close the action").click()
    iqa.get_by_text("Action closed. The assessor has been told.").wait_for()
    assert_accessible(iqa)
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED

    # --- the learner's unit is cleared for claim, and the coverage page says so
    assert unit_clearance(enrolment_ids=[w.enrolment.pk])[(w.enrolment.pk, w.unit.pk)].cleared
    iqa.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click()
    expect(iqa.get_by_text("Cleared: sampled", exact=False).first).to_be_visible()
    assert_accessible(iqa)
    iqa.context.close()
    assessor.context.close()
