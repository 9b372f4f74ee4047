from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.demo.seed import seed_demo
from apps.qualifications.models import Qualification

pytestmark = pytest.mark.browser
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def test_an_assessor_browses_rules_units_and_searches(page, assert_accessible):
    seed_demo(password=settings.DEMO_PASSWORD)
    call_command("load_catalogue", verbosity=0)
    sign_in(page, "assessor@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    assert_accessible(page)
    page.get_by_role("link", name="600/1257/2").click()
    page.get_by_text("At least 15 credits at Level 2 or above").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Improve personal effectiveness at work in a contact centre").click()
    page.get_by_role("heading", name="Learning outcomes and assessment criteria").wait_for()
    assert page.get_by_text("Identify strengths and areas for development").is_visible()
    assert_accessible(page)
    page.goto("/catalogue/")
    page.get_by_label("Search unit titles and assessment criteria").fill("complaints")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="Unit 33: Process customer service complaints").wait_for()
    assert_accessible(page)


def test_an_admin_uploads_a_specification_and_platform_staff_apply_it(
    page, assert_accessible, celery_worker
):
    seed = SEEDS / "002_ad1359643ead675f.txt"
    if not seed.exists():
        pytest.skip("../shared/seeds is absent on this machine")
    seed_demo(password=settings.DEMO_PASSWORD)
    sign_in(page, "admin@demo.test")
    page.goto("/catalogue/imports/")
    page.get_by_label("Specification text file").set_input_files(str(seed))
    page.get_by_role("button", name="Upload and read").click()
    page.get_by_text("Ready to apply.").wait_for(timeout=60_000)  # htmx polls until the worker is done
    assert page.get_by_role("cell", name="600/1137/3 Level 2 Certificate in Contact Centre Operations").is_visible()
    assert_accessible(page)
    assert not Qualification.objects.exists()
    # The catalogue is every centre's: the admin asks, platform staff apply.
    assert page.get_by_role("button", name="Apply to the catalogue").count() == 0
    page.get_by_label("Note for platform staff (optional)").fill("Our new cohort starts in March.")
    page.get_by_role("button", name="Ask platform staff to apply it").click()
    page.get_by_text("waiting for platform staff").wait_for()
    page.context.clear_cookies()  # the demo's platform staff account belongs to no centre
    sign_in(page, "platform@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Specification imports").click()
    page.get_by_role("link", name=seed.name).click()
    page.get_by_text("Our new cohort starts in March.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Apply to the catalogue").click()
    page.get_by_text("600/1138/5 created (version 1): 14 units").wait_for()
    assert set(Qualification.objects.values_list("number", flat=True)) == {"600/1137/3", "600/1138/5"}
