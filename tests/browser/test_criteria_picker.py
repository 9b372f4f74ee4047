"""The criteria picker for a learner on NCFE 600/1257/2 (issue 11): 39 units, 713 criteria,
titles that repeat. The plan's units come first, the others wait behind "Other units"; a
search finds a unit by number or words; each unit says its level and credits; a long criterion
wraps beside its box, and box and words are one target of at least 24×24 px. A criterion ticked
in an unplanned unit stays ticked and in sight when the form comes back and when it is changed.
Without JavaScript the other units are a link away. axe-core checks each page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models.functions import Length
from playwright.sync_api import expect

from apps.demo.seed import seed_demo
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion, Qualification
from tests.browser.test_portfolio_journey import sign_in
from tests.learners.conftest import load_fixture

pytestmark = pytest.mark.browser

NCFE = "600/1257/2"


def ncfe_demo_learner():
    """The demo centre, its learner enrolled on the real NCFE certificate with the demo's plan."""
    if not Qualification.objects.filter(number=NCFE, is_current=True).exists():
        load_fixture("600-1257-2.yaml")
    seed_demo(password=settings.DEMO_PASSWORD)
    enrolment = Enrolment.objects.get(learner__email="learner@demo.test", qualification__number=NCFE)
    planned = set(enrolment.planned_units.values_list("unit__number", flat=True))
    assert planned and "39" not in planned and "16" not in planned
    return enrolment, planned


def unit(page, number: str):
    return page.locator(f"details.picker-unit[data-unit='{number}']")


def criterion(number: str, which: int = 0) -> AssessmentCriterion:
    return AssessmentCriterion.objects.filter(unit__qualification__number=NCFE, unit__number=number).order_by(
        "outcome__position", "position")[which]


def box(page, c: AssessmentCriterion):
    return page.locator(f"#crit-{c.pk}")


def test_planned_units_first_search_names_and_ticks_kept(browser, live_server, assert_accessible):
    enrolment, planned = ncfe_demo_learner()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "learner@demo.test")
    page.goto(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/")
    assert_accessible(page)

    # The plan's units first, the rest collapsed behind "Other units", with their criteria not yet in the page.
    expect(page.get_by_role("heading", name="Planned units")).to_be_visible()
    others = page.locator("details.picker-others")
    expect(others.locator("> summary")).to_have_text(f"Other units of the qualification ({39 - len(planned)})")
    assert others.evaluate("d => d.open") is False
    assert page.locator("details.picker-unit").count() == 39
    assert page.locator("input[name=criteria]").count() < 713 / 2
    first_planned = page.locator("details.picker-unit").first
    assert first_planned.get_attribute("data-unit") in planned

    # Equal titles told apart by number, level and credits.
    expect(unit(page, "13").locator("summary")).to_contain_text("Unit 13: Using email")
    expect(unit(page, "13").locator("summary")).to_contain_text("Level 1, 2 credits")
    expect(unit(page, "16").locator("summary")).to_contain_text("Unit 16: Using email")
    expect(unit(page, "16").locator("summary")).to_contain_text("Level 2, 3 credits")

    # Search by number: only unit 39 is left, open, its criteria fetched.
    search = page.get_by_label("Find a unit or criterion")
    search.fill("39")
    expect(unit(page, "39")).to_be_visible()
    expect(unit(page, "36")).to_be_hidden()
    expect(unit(page, "01")).to_be_hidden()
    wanted = criterion("39")
    expect(box(page, wanted)).to_be_visible()
    assert_accessible(page)
    box(page, wanted).check()

    # Search by words: the units whose title has them, and criteria elsewhere that do.
    search.fill("bespoke software")
    expect(unit(page, "10")).to_be_visible()
    expect(unit(page, "18")).to_be_visible()
    expect(unit(page, "02")).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="found")).to_be_visible()
    expect(box(page, wanted)).to_be_visible()  # a ticked criterion is never hidden
    search.press("Enter")  # finding is not saving
    expect(page.get_by_role("heading", name="Add evidence")).to_be_visible()
    search.fill("")
    expect(unit(page, "02")).to_be_visible()

    # A long criterion wraps beside its box; box and words are one target of at least 24×24 px.
    longest = (AssessmentCriterion.objects.filter(unit__qualification__number=NCFE)
               .annotate(n=Length("text")).order_by("-n").first())
    search.fill(longest.unit.number)
    label = page.locator(f"label.picker-crit:has(#crit-{longest.pk})")
    expect(label).to_be_visible()
    geometry = label.evaluate("""label => {
        const box = label.querySelector('input').getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(label);
        range.setStartAfter(label.querySelector('input'));
        const lines = Array.from(range.getClientRects()).filter(r => r.width > 0);
        const own = label.getBoundingClientRect();
        return {boxRight: box.right, textLeft: Math.min(...lines.map(r => r.left)),
                lines: new Set(lines.map(r => Math.round(r.top))).size, width: own.width, height: own.height};
    }""")
    assert geometry["lines"] > 1, geometry
    assert geometry["textLeft"] >= geometry["boxRight"], geometry
    assert geometry["width"] >= 24 and geometry["height"] >= 24, geometry
    was = box(page, longest).is_checked()
    label.click(position={"x": geometry["width"] - 30, "y": 8})  # on the words, far from the box
    assert box(page, longest).is_checked() is not was
    label.click(position={"x": geometry["width"] - 30, "y": 8})
    search.fill("")

    # Sent without a title: the page comes back with unit 39 ticked, among the first units, open.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".field.has-error p.error").first).to_be_visible()
    assert_accessible(page)
    expect(box(page, wanted)).to_be_checked()
    expect(box(page, wanted)).to_be_visible()
    expect(unit(page, "39").locator("summary")).to_contain_text("not planned, 1 ticked")
    assert others.locator("details.picker-unit[data-unit='39']").count() == 0

    page.get_by_label("Title").fill("Explaining our email rules")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Evidence saved as a draft").wait_for()
    evidence = Evidence.objects.get(current__title="Explaining our email rules")
    assert list(evidence.current.suggested_criteria.values_list("pk", flat=True)) == [wanted.pk]

    # Changed later: still ticked and in sight although its unit is not planned.
    page.goto(f"/portfolio/evidence/{evidence.pk}/edit/")
    assert_accessible(page)
    expect(box(page, wanted)).to_be_checked()
    expect(box(page, wanted)).to_be_visible()
    context.close()


def test_without_javascript_every_unit_is_a_link_away(browser, live_server, assert_accessible):
    enrolment, planned = ncfe_demo_learner()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "learner@demo.test")
    page.goto(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/")
    expect(page.get_by_label("Find a unit or criterion")).to_be_hidden()  # needs the script
    page.locator("details.picker-others > summary").click()
    unit(page, "16").locator("summary").click()
    unit(page, "16").get_by_role("link", name="Show the criteria of unit 16").click()
    wanted = criterion("16", 1)
    expect(box(page, wanted)).to_be_visible()  # the page again, unit 16 open
    opened_url = page.url
    page.get_by_label("Title").fill("Sorting my inbox")
    box(page, wanted).check()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Evidence saved as a draft").wait_for()
    evidence = Evidence.objects.get(current__title="Sorting my inbox")
    assert list(evidence.current.suggested_criteria.values_list("pk", flat=True)) == [wanted.pk]

    # Every unit at once.
    page.goto(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/")
    page.locator("details.picker-others > summary").click()
    page.get_by_role("link", name="show the criteria of every unit").click()
    expect(page.locator("input[name=criteria]")).to_have_count(713)
    every_url = page.url
    context.close()

    # axe-core needs the script: the same two pages, checked in a browser that runs it.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "learner@demo.test")
    for url in (opened_url, every_url):
        page.goto(url)
        assert_accessible(page)
    context.close()
