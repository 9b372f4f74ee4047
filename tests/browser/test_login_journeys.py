from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.certification.models import ClaimBatch
from apps.demo.seed import PLATFORM_STAFF, demo_people, seed_demo
from tests.browser.helpers import sign_in
from tests.eqa.support import eqa_world, grant_for
from tests.eqa.test_scope import batch_of
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser

# What each demo person sees first: the heading of their role's section on the home page.
HOME_SECTIONS = {
    "learner@demo.test": "Your portfolio",
    "learner2@demo.test": "Your portfolio",
    "assessor@demo.test": "Assessor",
    "trainee@demo.test": "Trainee assessor",
    "iqa@demo.test": "Internal quality assurer",
    "admin@demo.test": "Centre admin",
    "eqa@demo.test": "External quality assurer",
    "admin@other.test": "Centre admin",
    "learner@other.test": "Your portfolio",
    PLATFORM_STAFF[0]: "Platform staff",
}


def test_every_demo_person_is_listed():
    people = {p.email for group in demo_people().values() for p in group} | {PLATFORM_STAFF[0]}
    assert people == set(HOME_SECTIONS)


@pytest.mark.parametrize("email", list(HOME_SECTIONS))
def test_each_demo_user_signs_in_and_reaches_their_home(page, assert_accessible, email):
    seed_demo(password=settings.DEMO_PASSWORD)
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name=HOME_SECTIONS[email], exact=True).wait_for()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome,")
    assert_accessible(page)


def test_admin_pages_are_accessible(page, assert_accessible):
    seed_demo(password=settings.DEMO_PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    for link in ["People", "Audit trail", "Centre settings"]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
        page.wait_for_load_state()
        assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page)


def test_platform_staff_reach_the_catalogue_imports_and_the_platform_trail(page, assert_accessible):
    seed_demo(password=settings.DEMO_PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(PLATFORM_STAFF[0])
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    for link in ["Catalogue", "Specification imports", "Platform audit trail"]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).is_visible()
        assert_accessible(page)


def test_a_wrong_password_shows_a_clear_message(page):
    seed_demo(password=settings.DEMO_PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("learner@demo.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("The email address and/or password you specified are not correct.").is_visible()


def test_the_accessibility_check_catches_a_real_violation(browser, assert_accessible):
    # Guards the guard: a page with an unlabelled field and an image without text must fail.
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input type="text"></main></html>')
    with pytest.raises(AssertionError, match="image-alt|label"):
        assert_accessible(page)
    context.close()


def test_an_eqa_finds_their_access_on_the_home_page_and_a_batch_says_what_is_outside_it(
        page, assert_accessible, private_storage):  # noqa: F811
    world = eqa_world()
    today = timezone.localdate()
    grant_for(world.eqa, qualifications=[world.pearson], starts_on=today + timedelta(days=7),
              ends_on=today + timedelta(days=37), created_by=world.admin.user)
    batch = batch_of(world, [world.cara, world.paula], status=ClaimBatch.Status.AWAITING_EQA)

    sign_in(page, world.eqa.user.email)
    section = page.get_by_role("region", name="External quality assurer")
    section.get_by_role("link", name=f"NCFE: {world.ncfe.number} {world.ncfe.title}").wait_for()
    assert f"All learners on {world.ncfe.number}" in section.inner_text()
    assert f"starts on {today + timedelta(days=7):%-d %b %Y}" in section.inner_text()
    assert_accessible(page)

    page.goto(f"/claims/batches/{batch.pk}/")
    assert "1 more outside your access, not shown" in page.locator("main").inner_text()
    assert "Paula Pearson" not in page.content()
    page.get_by_text("only an EQA whose access covers every learner in a batch signs it off").wait_for()
    assert_accessible(page)

    sign_in(page, world.admin.user.email)
    page.goto(f"/centre/people/{world.eqa.pk}/")
    page.get_by_role("link", name="EQA access page").wait_for()
    assert page.get_by_label("External quality assurer", exact=False).count() == 0
    assert_accessible(page)
