"""An IQA asks for a sample record PDF, watches it being made by the worker and downloads it;
axe checks every page, on a desktop and a 360 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.iqa.models import Report
from tests.factories import CentreFactory
from tests.iqa.support_reports import report_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


def test_an_iqa_asks_for_a_sample_record_waits_and_downloads_it(browser, live_server, celery_worker, assert_accessible):
    world = report_world(CentreFactory(name="Riverside Training"))
    iqa = world["iqa"].user
    iqa.set_password(PASSWORD)
    iqa.save()
    for viewport in ({"width": 1280, "height": 900}, {"width": 360, "height": 740}):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(iqa.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.get_by_role("heading", name="Welcome", exact=False).wait_for()

        page.goto("/iqa/reports/")
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.get_by_label("Sample number").fill(f"S-{world['sample'].pk}")
        page.get_by_role("button", name="Make the sample record (PDF)").click()
        expect(page.get_by_role("heading", name=f"Sample record S-{world['sample'].pk}")).to_be_visible()
        assert_accessible(page)
        download_link = page.get_by_role("link", name="Download the PDF")
        expect(download_link).to_be_visible()  # the page refreshed itself until the worker finished
        assert_accessible(page)
        with page.expect_download() as caught:
            download_link.click()
        with open(caught.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

        page.goto("/iqa/reports/")
        expect(page.get_by_role("link", name=f"Sample record S-{world['sample'].pk}").first).to_be_visible()
        assert_accessible(page)
        context.close()
    assert Report.objects.filter(status=Report.Status.DONE).count() == 2
