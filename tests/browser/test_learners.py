"""In Chromium: an admin adds, enrols and plans a learner, imports a CSV; the learner plans
their own units. axe-core checks every page for WCAG 2.2 A/AA."""

from __future__ import annotations

import pytest

from apps.learners.models import Enrolment, Learner
from tests.factories import PASSWORD, MembershipFactory, make_qualification

pytestmark = pytest.mark.browser


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def test_an_admin_adds_enrols_and_plans_a_learner(page, assert_accessible, transactional_db, tmp_path):  # noqa: F811
    make_qualification()
    admin = MembershipFactory(is_admin=True)
    assessor = MembershipFactory(centre=admin.centre, is_assessor=True)
    MembershipFactory(centre=admin.centre, is_iqa=True)
    sign_in(page, admin.user.email)

    page.goto("/learners/")
    assert_accessible(page)
    page.get_by_role("link", name="Add a learner").click()
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Email address").fill("nia@example.test")
    page.get_by_label("Date of birth").fill("2004-03-02")
    page.get_by_label("Unique Learner Number (ULN)").fill("1234567890")
    page.get_by_role("button", name="Add and invite").click()
    page.get_by_text("The ULN 1234567890 fails its check digit").wait_for()
    assert_accessible(page)
    page.get_by_label("Unique Learner Number (ULN)").fill("1234567899")
    page.get_by_role("button", name="Add and invite").click()
    page.get_by_text("An invitation to sign in has been sent to nia@example.test").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Enrol on a qualification").click()
    page.get_by_label("Qualification").select_option(label="600/0000/1 Certificate in Testing · NCFE")
    page.get_by_label("Start date").fill("2025-09-01")
    page.get_by_label("Planned end date").fill("2026-07-31")
    page.get_by_label(f"{assessor.user.full_name} ({assessor.user.email})").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enrol").click()
    page.get_by_text("This plan cannot achieve the qualification").wait_for()
    assert_accessible(page)
    page.get_by_label("Include unit 2 Unit 2 title").check()
    page.get_by_label("Include unit 3 Unit 3 title").check()
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_text("This plan can achieve the qualification").wait_for()
    assert_accessible(page)
    enrolment = Enrolment.objects.get()
    assert list(enrolment.assessors.all()) == [assessor.user]

    csv = tmp_path / "mis.csv"
    csv.write_text(
        "Forename,Surname,Email,ULN,QAN,Start date,Planned end date\n"
        "Ada,Lovelace,ada@example.test,1000000043,600/0000/1,01/09/2025,31/07/2026\n"
        "Bad,Uln,bad@example.test,1000000042,,,\n"
    )
    page.goto("/learners/import/")
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("2 rows: 1 ready to import, 0 already here, 1 with problems.").wait_for()
    assert_accessible(page)
    page.get_by_label("Import only the good rows").check()
    page.get_by_role("button", name="Import 1 row").click()
    page.get_by_text("1 new learner invited, 1 enrolment created").wait_for()
    assert set(Learner.objects.values_list("email", flat=True)) == {"nia@example.test", "ada@example.test"}


def test_a_learner_chooses_their_own_optional_units(page, assert_accessible, transactional_db):  # noqa: F811
    from apps.learners import services
    from tests.learners.conftest import END, START

    qualification = make_qualification()
    admin = MembershipFactory(is_admin=True)
    own = MembershipFactory(centre=admin.centre, is_learner=True)
    learner = Learner.objects.create(centre=admin.centre, full_name="Lou Learner", email=own.user.email, user=own.user)
    enrolment = services.enrolment_create(
        learner=learner, actor=admin.user, qualification=qualification, start_date=START, planned_end_date=END
    )
    sign_in(page, own.user.email)
    page.goto(f"/learners/enrolments/{enrolment.pk}/plan/")
    page.get_by_role("heading", name="Your unit plan").wait_for()
    assert_accessible(page)
    page.get_by_label("Include unit 4 Unit 4 title").check()
    page.get_by_label("Include unit 2 Unit 2 title").check()
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_text("This plan can achieve the qualification: 12 credits").wait_for()
    assert_accessible(page)
