"""Ready to claim (issue 13): the admin opens the page, sees a learner refused with the reasons in
words, records the learner's registration facts, and sees the learner become claimable; the
settings page takes the centre's number. axe-core checks every page; the page fits a phone."""

from __future__ import annotations

import pytest

from apps.certification.models import AOCentreNumber
from tests.browser.helpers import sign_in
from tests.certification.support_ready import claim_staff, ready_learner
from tests.iqa.support_samples import qualification

pytestmark = pytest.mark.browser

FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_an_admin_puts_right_a_refused_learner_and_sees_them_become_claimable(page, assert_accessible):
    staff = claim_staff()
    common = dict(qualification=qualification(), admin=staff.admin, assessor=staff.assessor, iqa=staff.iqa)
    ready_learner(staff.centre, units=("1", "2", "4"), name="Cora Claimable", **common)
    ready_learner(staff.centre, units=("1",), name="Rita Refused", registration=False, **common)
    AOCentreNumber.objects.filter(centre=staff.centre).delete()

    sign_in(page, staff.admin.email)
    page.goto("/claims/")
    page.get_by_role("heading", name="Ready to claim", level=1).wait_for()
    rita = page.get_by_role("article", name="Rita Refused")
    assert rita.get_by_text("Refused", exact=True).is_visible()
    assert rita.get_by_text("No NCFE learner number: the learner must be registered with NCFE before a claim.",
                            exact=False).is_visible()
    assert rita.get_by_text("No legal name as registered with NCFE", exact=False).is_visible()
    assert rita.get_by_text("The centre has no NCFE centre number", exact=False).is_visible()
    assert rita.get_by_label("Claim for Rita Refused").count() == 0
    cora = page.get_by_role("article", name="Cora Claimable")
    assert cora.get_by_text("The centre has no NCFE centre number", exact=False).is_visible()
    assert_accessible(page)

    # The centre's number with NCFE, from the settings tab.
    page.get_by_role("navigation", name="Claims").get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Claim settings").wait_for()
    page.get_by_label("Awarding organisation").select_option("NCFE")
    page.get_by_label("The centre's number with it").fill("")
    page.get_by_role("button", name="Save the number").click()
    page.get_by_text("it cannot be empty", exact=False).first.wait_for()
    assert not AOCentreNumber.objects.exists()
    page.get_by_label("The centre's number with it").fill("NC-4012")
    page.get_by_role("button", name="Save the number").click()
    page.get_by_text("Centre number saved.").wait_for()
    assert_accessible(page)

    page.get_by_role("navigation", name="Claims").get_by_role("link", name="Ready to claim").click()
    cora = page.get_by_role("article", name="Cora Claimable")
    assert cora.get_by_text("Full claim", exact=True).is_visible()
    assert not cora.get_by_text("Refused", exact=True).is_visible()
    assert cora.get_by_label("Claim for Cora Claimable").is_visible()
    page.get_by_role("link", name="Registration facts of Rita Refused").click()
    page.get_by_role("heading", name="Registration facts of Rita Refused").wait_for()
    assert page.get_by_text("On the learner record: Rita Refused.", exact=False).is_visible()
    assert_accessible(page)
    page.get_by_label("NCFE learner number").fill("NCFE-5550123")
    page.get_by_label("Legal name as registered").fill("Rita Refused")
    page.get_by_label("Date of birth as registered").fill("1990-05-17")
    page.get_by_label("Date registered").fill("2026-01-05")
    page.get_by_role("button", name="Save the registration facts").click()
    page.get_by_text("Registration facts of Rita Refused saved.").wait_for()

    rita = page.get_by_role("article", name="Rita Refused")
    assert rita.get_by_text("Unit (credit) claim", exact=True).is_visible()
    assert not rita.get_by_text("Refused", exact=True).is_visible()
    assert not page.get_by_text("No NCFE learner number", exact=False).is_visible()
    assert rita.get_by_label("Claim for Rita Refused").is_visible()
    assert_accessible(page)

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate(FITS), "the ready page is wider than a 360-pixel phone"
