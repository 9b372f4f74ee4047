"""The learner's journey (issue 4): three files by drag and drop, criteria in two units, signed
and submitted; the assigned assessor finds it waiting. axe-core checks each page."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.demo.seed import seed_demo
from apps.evidence.models import Evidence
from tests.browser.test_uploader import drop
from tests.evidence import samples
from tests.factories import make_qualification

pytestmark = pytest.mark.browser


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def test_a_learner_uploads_suggests_signs_and_submits_and_the_assessor_sees_it(browser, live_server, assert_accessible):
    make_qualification(number="600/1257/2")  # stands in for the NCFE certificate the demo enrols on
    seed_demo(password=settings.DEMO_PASSWORD)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)

    sign_in(page, "learner@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    page.get_by_role("link", name="Add evidence").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Handling a billing complaint")
    page.get_by_label("Assessment method").select_option(label="Work product")
    page.get_by_label("Context").select_option(label="Real work")
    page.get_by_label("Description").fill("A call I took on Tuesday, with my notes and the follow-up letter.")
    drop(page, [("call-notes.pdf", "application/pdf", samples.pdf()),
                ("screen.png", "image/png", samples.png()),
                ("voice-memo.mp3", "audio/mpeg", samples.mp3())])
    expect(page.locator(".uploader-item[data-state=done]")).to_have_count(3)

    page.get_by_text("Unit 1: Unit 1 title").click()
    page.get_by_label("1.1 Do the first thing of 1").check()
    page.get_by_text("Unit 2: Unit 2 title").click()
    page.get_by_label("1.2 Do the second thing of 2").check()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Evidence saved as a draft").wait_for()
    assert_accessible(page)
    for name in ("call-notes.pdf", "screen.png", "voice-memo.mp3"):
        assert page.locator(".file-name", has_text=name).is_visible()

    page.get_by_role("link", name="Sign and submit").click()
    page.get_by_label("I declare that this evidence is my own work").check()
    page.get_by_label("Type your full name to sign").fill("Lena Learner")
    page.get_by_role("button", name="Sign and submit").click()
    page.get_by_text("Submitted. Your assessor has been told it is waiting.").wait_for()
    evidence = Evidence.objects.get(current__title="Handling a billing complaint")
    assert evidence.status == "submitted" and evidence.current.files.count() == 3
    assert sorted(c.number for c in evidence.current.suggested_criteria.all()) == ["1.1", "1.2"]
    context.close()

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "assessor@demo.test")
    waiting = page.get_by_role("link", name="Handling a billing complaint")
    expect(waiting).to_be_visible()
    assert page.get_by_text("from Lena Learner").is_visible()
    assert_accessible(page)
    waiting.click()
    expect(page.locator("audio")).to_have_count(1)
    assert_accessible(page)
    context.close()
