"""The IQA's coverage journey (issue 12): open the coverage page, see a red assessor and a gap,
record an observation of practice with an action, then a standardisation meeting. axe-core
checks every page on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.iqa.models import Action, PracticeObservation, StandardisationMeeting
from tests.factories import PASSWORD
from tests.iqa.support_coverage import college, plan, sign_off, strategy

pytestmark = pytest.mark.browser


def test_an_iqa_reads_coverage_and_records_an_observation_and_a_meeting(page, assert_accessible):
    c = college(learners=2)
    strategy(c)
    plan(c)
    sign_off(c.learners[0], c.unit("1"), c.assessor)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(c.iqa.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click()
    page.get_by_role("heading", name="Are we covered?").wait_for()
    assert page.get_by_text("Red: behind").first.is_visible()
    assert page.get_by_text("Asha Assessor has had no sample this period (2 learners).").is_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Quality assurance").get_by_role("link", name="Observations").click()
    page.get_by_role("link", name="Record an observation").click()
    page.get_by_label("Assessor observed").select_option(label="Asha Assessor")
    page.get_by_label("What was observed").fill("A learner handling a complaint call")
    page.get_by_label("Assessment method").select_option(label="Observation")
    for check in ("Planning", "Conduct", "Feedback", "Recording", "Appeals information given"):
        page.get_by_role("group", name=check, exact=True).get_by_label("Yes").check()
    page.get_by_role("group", name="Questioning", exact=True).get_by_label("No", exact=True).check()
    page.get_by_label("Comment on questioning").fill("Two leading questions.")
    page.get_by_role("group", name="Outcome", exact=True).get_by_label("Satisfactory, with advice").check()
    page.get_by_label("Action 1: what must be done").fill("Plan open questions before the next observation.")
    page.get_by_label("Action 1: due by").fill((c.today + timedelta(days=14)).isoformat())
    assert_accessible(page)
    page.get_by_label("Type your full name to sign").fill(c.iqa.full_name)
    page.get_by_role("button", name="Sign and record").click()
    page.get_by_text("Observation of practice recorded and signed.").wait_for()
    assert page.get_by_text("Plan open questions before the next observation.").is_visible()
    assert_accessible(page)
    observation = PracticeObservation.objects.get()
    assert Action.objects.get().observation == observation

    page.get_by_role("navigation", name="Quality assurance").get_by_role("link", name="Standardisation").click()
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_label("Qualification:", exact=True).select_option(label="600/0000/1 Certificate in Testing")
    page.get_by_label("Exemplar used").fill("Unit 1 portfolio, names removed")
    page.get_by_label("Asha Assessor's judgement").select_option(label="Met")
    page.get_by_label("Tom Trainee's judgement").select_option(label="Not yet met")
    page.get_by_role("group", name="Judgement the meeting agreed").get_by_label("Met", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the meeting").click()
    page.get_by_text("Standardisation meeting recorded.").wait_for()
    assert page.get_by_text("50 % of attendees judged as the meeting agreed").is_visible()
    assert_accessible(page)
    assert StandardisationMeeting.objects.get().judgements.count() == 2
