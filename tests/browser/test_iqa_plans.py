"""In Chromium: an IQA with no plan generates one, sees why each sample was chosen and the ready
ones first, adds a sample by hand and drops one (each with a reason), downloads the plan as CSV,
and finds the ready samples on their home. axe-core checks every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.iqa.models import PlanItem
from tests.browser.helpers import sign_in
from tests.iqa.support_plans import caseload, plan_world

pytestmark = pytest.mark.browser


def test_an_iqa_generates_a_plan_adds_and_drops_samples_and_downloads_it(page, assert_accessible, transactional_db,
                                                                          tmp_path):
    w = plan_world()
    learners = caseload(w, 2)
    sign_in(page, w.iqa.email)

    page.goto("/iqa/plans/")
    expect(page.get_by_text("No plan yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Generate the plan").click()
    page.get_by_text("Plan generated:").wait_for()
    assert_accessible(page)
    # Grouped by assessor with their band; the reasons in words; the ready samples first.
    expect(page.get_by_role("heading", name="Asha Assessor")).to_be_visible()
    expect(page.get_by_role("heading", name="Tom Trainee")).to_be_visible()
    expect(page.get_by_text("Trainee's first decision in the unit").first).to_be_visible()
    first_row = page.get_by_role("region", name="Samples of Asha Assessor's decisions").locator("tbody tr").first
    expect(first_row.get_by_text("Ready")).to_be_visible()

    # Add a sample by hand: the reason is required.
    page.get_by_role("link", name="Add a sample by hand").click()
    assert_accessible(page)
    page.get_by_label("Learner").select_option(str(learners[0].pk))
    page.get_by_label("Unit number").fill("4")
    page.get_by_label("Interim").check()
    page.get_by_label("A concern raised").check()
    page.get_by_role("button", name="Add the sample").click()
    expect(page.locator("#id_reason_error")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_reason").fill("The learner's employer raised a concern about unit 4.")
    page.get_by_role("button", name="Add the sample").click()
    page.get_by_text("added to the plan").wait_for()
    assert PlanItem.objects.filter(manual=True, reason=PlanItem.Reason.CONCERN).count() == 1

    # Drop one: again with a reason.
    page.get_by_role("link", name="Drop").first.click()
    assert_accessible(page)
    page.get_by_label("Reason for dropping it").fill("The learner is on leave this term.")
    page.get_by_role("button", name="Drop the sample").click()
    page.get_by_text("dropped from the plan").wait_for()
    page.get_by_text("1 dropped sample").click()
    expect(page.get_by_text("The learner is on leave this term.")).to_be_visible()
    assert_accessible(page)

    # The plan as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the plan (CSV)").click()
    saved = tmp_path / "plan.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "Asha Assessor" in text and "The learner's employer raised a concern" in text

    # The home page lists ready samples, the longest waiting first, with a link to the plans.
    page.goto("/")
    expect(page.get_by_text("ready to take")).to_be_visible()
    expect(page.get_by_role("link", name="Your sampling plans", exact=False)).to_be_visible()
    assert_accessible(page)
