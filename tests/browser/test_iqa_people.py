"""In Chromium: the lead IQA approves a strategy drafted from the template and allocates an
assessor; the IQA records that a trainee qualified and sees the band history change. axe-core
checks every page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.centres.models import IQAAllocation, Membership
from apps.iqa.models import AssessorProfile, SamplingStrategy
from tests.browser.helpers import sign_in
from tests.iqa.support_people import people

pytestmark = pytest.mark.browser


def test_the_lead_approves_and_allocates_and_an_iqa_records_a_trainee_qualifying(page, assert_accessible,
                                                                                 transactional_db):
    p = people()

    # The lead IQA: a draft from the template, a rate changed, approved and signed.
    sign_in(page, p.lead.email)
    page.goto("/iqa/strategy/")
    assert_accessible(page)
    page.get_by_role("button", name="Draft a new version").click()
    expect(page.get_by_text("Centre convention, not an awarding-organisation rule").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Low risk: Learners sampled each period (%)").fill("60")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("A higher risk band must sample at least as many learners as a lower one.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Low risk: Learners sampled each period (%)").fill("10")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft version 1 saved.").wait_for()
    assert_accessible(page)
    page.get_by_label("Type your full name to approve and sign").fill("Lee Lead")
    page.get_by_role("button", name="Approve and sign").click()
    page.get_by_text("Version 1 approved: it is the strategy in force.").wait_for()
    assert_accessible(page)
    strategy = SamplingStrategy.objects.get(centre=p.centre)
    assert strategy.status == SamplingStrategy.Status.APPROVED and strategy.rules["bands"]["low"]["learner_share"] == 10

    # ...and allocates the trainee to the IQA.
    page.goto("/iqa/people/")
    assert_accessible(page)
    page.get_by_role("link", name="Who samples whom").click()
    assert_accessible(page)
    page.get_by_label("IQA for Tom Trainee").select_option(label="Ira Quality")
    page.get_by_role("button", name="Save allocations").click()
    page.get_by_text("Allocations saved: 1 changed.").wait_for()
    assert IQAAllocation.objects.get(assessor=p.trainee).iqa == p.iqa

    # The IQA sees only the trainee, and records that they qualified.
    sign_in(page, p.iqa.email)
    page.goto("/iqa/people/")
    register = page.get_by_role("region", name="Assessor register")
    expect(register.get_by_role("link", name="Tom Trainee")).to_be_visible()
    expect(register.get_by_role("link", name="Asha Assessor")).to_have_count(0)
    assert_accessible(page)
    register.get_by_role("link", name="Tom Trainee").click()
    history = page.get_by_role("region", name="Band history")
    expect(history.get_by_role("row")).to_have_count(2)  # the heading and the profile's start
    assert_accessible(page)
    page.get_by_label("Assessor qualification achieved").fill("Level 3 Certificate in Assessing Vocational Achievement")
    page.get_by_label("Date qualified").first.fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record that they qualified").click()
    page.get_by_text("Tom Trainee is recorded as qualified").wait_for()
    expect(history.get_by_role("row")).to_have_count(3)
    expect(history.get_by_text("High risk → Medium risk")).to_be_visible()
    expect(history.get_by_text("Qualified as an assessor on", exact=False)).to_be_visible()
    assert_accessible(page)
    profile = AssessorProfile.objects.get(centre=p.centre, assessor=p.trainee)
    assert profile.status == AssessorProfile.Status.NEWLY_QUALIFIED and profile.band == "medium"
    assert not Membership.objects.get(centre=p.centre, user=p.trainee).is_trainee_assessor


def test_the_people_and_strategy_pages_fit_a_360_pixel_phone(browser, live_server, assert_accessible,
                                                           transactional_db):
    from apps.iqa import profiles, strategies
    from tests.browser.test_phones import OFFENDERS, ONE_TARGET

    p = people()
    p.allocate(p.trainee, p.iqa)
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, p.lead.email)
    problems = []
    for url in ("/iqa/people/", "/iqa/people/allocations/", f"/iqa/people/{profile.pk}/", "/iqa/strategy/",
                f"/iqa/strategy/{draft.pk}/", f"/iqa/strategy/{draft.pk}/edit/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 361:
            problems.append(f"{url} is {width} px wide: " + ", ".join(page.evaluate(OFFENDERS)))
        problems += [f"{url}: {problem}" for problem in page.evaluate(ONE_TARGET)]
        assert_accessible(page)
    context.close()
    assert not problems, "\n".join(problems)
