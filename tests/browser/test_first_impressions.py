"""In Chromium, what a centre meets on its first day (issue 11): a sign-in page that invites
nobody to "sign up" while invitations and password resets still work, and a qualification with
no units that cannot be chosen for enrolment, with the catalogue saying why. axe-core checks
every page for WCAG 2.2 A/AA. That emailed links follow the port `make run` serves on, and
that it says "ready" only once /healthz is all ok: tests/test_faults.py, against the real stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from apps.centres.roles import RoleSet
from apps.centres.services import invitation_create
from apps.learners.models import Enrolment, Learner
from tests.browser.test_learners import sign_in
from tests.factories import PASSWORD, MembershipFactory, make_qualification

pytestmark = pytest.mark.browser

NO_UNITS = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications" / "600-1288-2.yaml"
LINK = re.compile(r"https?://\S+")


def _no_sign_up(page) -> None:
    assert "sign up" not in page.content().lower().replace("sign-up", "sign up").replace("signup", "sign up")


def test_sign_in_invites_nobody_to_sign_up_and_invitations_and_resets_still_work(
    page, assert_accessible, live_server, transactional_db
):
    admin = MembershipFactory(is_admin=True)
    member = MembershipFactory(centre=admin.centre, is_learner=True)

    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    _no_sign_up(page)
    assert page.get_by_text("Your centre gives you your account").is_visible()
    assert_accessible(page)

    # Whoever types the old address is told where accounts come from.
    page.goto("/accounts/signup/")
    page.get_by_role("heading", name="Accounts come from your centre").wait_for()
    _no_sign_up(page)
    assert_accessible(page)

    # An invitation still makes an account, and its link leads here.
    invitation_create(
        centre=admin.centre, actor=admin.user, email="nia@example.test", full_name="Nia Newcomer",
        roles=RoleSet(learner=True), base_url=live_server.url,
    )
    link = next(url for url in LINK.findall(mail.outbox[-1].body) if "/invitations/" in url)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_label("Choose a password").fill("a-long-enough-passphrase")
    page.get_by_label("Type the password again").fill("a-long-enough-passphrase")
    assert_accessible(page)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()

    # A forgotten password is reset from the sign-in page.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_load_state()
    assert_accessible(page)
    reset = mail.outbox[-1]
    assert reset.to == [member.user.email]
    assert f"{live_server.url}/accounts/password/reset/key/" in reset.body

    # An address with no account is not invited to sign up either.
    page.goto("/accounts/password/reset/")
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_load_state()
    unknown = mail.outbox[-1]
    assert unknown.to == ["nobody@example.test"]
    assert "sign up" not in unknown.body.lower() and "/accounts/signup/" not in unknown.body
    assert "your centre" in unknown.body

    # The password still works after all that (nothing above changed it).
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()


def test_a_qualification_with_no_units_cannot_be_chosen_for_enrolment_and_the_catalogue_says_why(
    page, assert_accessible, transactional_db, tmp_path
):
    call_command("load_catalogue", str(NO_UNITS), verbosity=0)  # C&G 600/1288/2: its pack ticks no unit
    make_qualification()  # 600/0000/1, with units
    admin = MembershipFactory(is_admin=True)
    learner = Learner.objects.create(centre=admin.centre, full_name="Nia Newcomer", email="nia@example.test")
    sign_in(page, admin.user.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    empty = page.get_by_role("row").filter(has_text="600/1288/2")
    assert "No units: cannot be enrolled on" in empty.inner_text()
    assert "No units" not in page.get_by_role("row").filter(has_text="600/0000/1").inner_text()
    assert_accessible(page)
    empty.get_by_role("link", name="600/1288/2").click()
    page.get_by_text("Learners cannot be enrolled on this qualification: its specification lists no units").wait_for()
    assert_accessible(page)

    # The enrolment form lists it as such, and it cannot be chosen (the service refuses it
    # too, with the reason: tests/test_first_day.py).
    page.goto(f"/learners/{learner.pk}/")
    page.get_by_role("link", name="Enrol on a qualification").click()
    option = page.get_by_label("Qualification").locator("option").filter(has_text="600/1288/2")
    expect(option).to_have_text(
        "600/1288/2 Level 4 Diploma in Contact Centre Operations · City & Guilds (no units: cannot be enrolled on)"
    )
    expect(option).to_be_disabled()
    assert_accessible(page)
    assert not Enrolment.objects.exists()

    # So does the CSV import: the row is named, and nothing is imported.
    csv = tmp_path / "mis.csv"
    csv.write_text(
        "Forename,Surname,Email,QAN,Start date,Planned end date\n"
        "Ada,Lovelace,ada@example.test,600/0000/1,01/09/2025,31/07/2026\n"
        "Cal,Centre,cal@example.test,600/1288/2,01/09/2025,31/07/2026\n"
    )
    page.goto("/learners/import/")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("2 rows: 1 ready to import, 0 already here, 1 with problems.").wait_for()
    row = page.get_by_role("row").filter(has_text="cal@example.test")
    assert "cannot be chosen for enrolment: its specification lists no units" in row.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Import 1 row").click()
    page.get_by_text("Nothing was imported").first.wait_for()
    assert list(Learner.objects.values_list("email", flat=True)) == ["nia@example.test"]
    assert not Enrolment.objects.exists()
