"""Issue 11, "Words": the specifications' jargon explained where it appears, with a glossary
page behind it; the audit trail in sentences, its table passing axe on a phone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from apps.audit.models import AuditEvent
from apps.demo.seed import seed_demo, seed_everything
from apps.qualifications.glossary import term
from tests.browser.test_portfolio_journey import sign_in

pytestmark = pytest.mark.browser


def defined(page, key: str, label: str | None = None) -> None:
    """The word is shown as a definition, linked to the glossary, with its short hint beside it."""
    entry = term(key)
    expect(page.locator("dfn").get_by_role("link", name=label or entry.name, exact=True).first).to_be_visible()
    expect(page.get_by_text(entry.short, exact=False).first).to_be_visible()


def fresh_page(browser, live_server, email: str | None = None, **options):
    """A new browser context (its own cookies) and its page, signed in as `email` if given."""
    context = browser.new_context(base_url=live_server.url, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if email:
        sign_in(page, email)
    return context, page


def test_jargon_is_explained_where_it_appears_and_in_the_glossary(browser, live_server, assert_accessible):
    call_command("load_catalogue", verbosity=0)
    seed_demo(password=settings.DEMO_PASSWORD)

    # The learner's unit plan: level, credits, the rules, mandatory and optional units.
    context, page = fresh_page(browser, live_server, "learner@demo.test")
    page.get_by_role("link", name=re.compile("unit plan", re.I)).first.click()
    page.get_by_role("heading", name="Your unit plan").wait_for()
    for key in ("level", "credits", "unit-plan", "rules-of-combination", "mandatory", "optional", "barred",
                "achieved-elsewhere"):
        defined(page, key)
    assert_accessible(page)
    page.locator("dfn").get_by_role("link", name="Credits", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/catalogue/glossary/#credits$"))
    expect(page.get_by_role("heading", name="Words used in qualifications")).to_be_visible()
    entry = page.locator("#credits")
    expect(entry.locator("dfn")).to_have_text("Credits")
    expect(entry).to_contain_text(term("credits").short)
    assert_accessible(page)
    context.close()

    # The glossary is in every page's footer, signed in or not.
    context, page = fresh_page(browser, live_server)
    page.goto("/accounts/login/")
    page.get_by_role("contentinfo").get_by_role("link", name="Words used in qualifications").click()
    expect(page.locator("#glh")).to_contain_text(term("glh").short)
    context.close()

    # The catalogue, for an assessor: a qualification's hours and rules, a unit's reference and criteria.
    context, page = fresh_page(browser, live_server, "assessor@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    defined(page, "level")
    defined(page, "credits")
    assert_accessible(page)
    page.get_by_role("link", name="600/1137/3").click()  # it prints its total qualification time and barred units
    for key, label in (("level", None), ("credits", "Minimum credits"), ("glh", None), ("tqt", None),
                       ("rules-of-combination", None), ("barred", None), ("mandatory", None), ("optional", None)):
        defined(page, key, label)
    expect(page.get_by_role("columnheader", name="GLH").first.locator("abbr")).to_have_attribute(
        "title", "Guided learning hours")
    assert_accessible(page)
    page.get_by_role("table").first.get_by_role("cell").get_by_role("link").first.click()
    for key in ("urn", "level", "credits", "glh", "learning-outcome", "assessment-criterion"):
        defined(page, key)
    assert_accessible(page)
    context.close()

    # The enrolment form, for a centre admin: what happens to mandatory and optional units.
    context, page = fresh_page(browser, live_server, "admin@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learners").click()
    page.get_by_role("link", name="Lena Learner").click()
    page.get_by_role("link", name=re.compile("^Enrol")).first.click()
    for key in ("mandatory", "unit-plan", "optional"):
        defined(page, key)
    assert_accessible(page)
    context.close()


def test_the_audit_trail_reads_as_sentences_and_its_table_passes_axe_on_a_phone(browser, live_server,
                                                                                  assert_accessible):
    call_command("load_catalogue", verbosity=0)  # the demo's assessment history is on the NCFE certificate's units
    seed_everything(password=settings.DEMO_PASSWORD)
    assert AuditEvent.objects.filter(action="assessment.decision_recorded").exists()
    context, page = fresh_page(browser, live_server, "admin@demo.test", viewport={"width": 360, "height": 800})
    page.goto("/audit/")
    assert_accessible(page)  # the table scrolls inside a region that a keyboard can reach
    trail = page.get_by_role("region", name=re.compile("Events"))
    expect(trail).to_be_visible()

    page.get_by_label("Action").select_option(label="Criterion judged")
    page.get_by_role("button", name="Filter").click()
    expect(trail.get_by_role("cell", name=re.compile(r"^Asha Assessor judged criterion \S+ of unit \S+ met$")).first
           ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Action").select_option(label="Evidence mapped to criteria")
    page.get_by_role("button", name="Filter").click()
    expect(trail.get_by_role("cell", name=re.compile(r"^Asha Assessor mapped evidence “.+” \(version \d+\) to criteria$")).first
           ).to_be_visible()
    # Criteria are named as people say them, unit by unit, never as a list of codes or a dict.
    expect(trail.get_by_text(re.compile(r"Mapped to: unit \S+: \d"))).not_to_have_count(0)
    text = trail.inner_text()
    assert "assessment." not in text and "{" not in text and "['" not in text
    context.close()
