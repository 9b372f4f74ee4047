"""In Chromium: the assessor works the evidence page with the keyboard and bulk selection,
signs a unit off; the learner acknowledges it and reads the matrix; a qualified assessor
countersigns a trainee's decisions. axe-core checks each page for WCAG 2.2 A/AA."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.assessment.models import Countersignature, Decision, Mapping, SignOffAcknowledgement, UnitSignOff
from apps.learners.models import PlannedUnit
from tests.assessment.helpers import accept, criterion, submitted, unit, unit_criteria
from tests.browser.helpers import sign_in
from tests.evidence.portfolio_helpers import enrolment_with_people, stored_file
from tests.factories import CentreFactory, MembershipFactory

pytestmark = pytest.mark.browser


def test_assessing_signing_off_and_acknowledging_in_the_browser(page, assert_accessible, transactional_db):
    centre = CentreFactory()
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    for number in ("1", "2"):
        PlannedUnit.objects.create(enrolment=enrolment, unit=unit(enrolment, number), source="chosen")
    c11, c12 = criterion(enrolment, "1", "1.1"), criterion(enrolment, "1", "1.2")
    u2_11, u2_12 = criterion(enrolment, "2", "1.1"), criterion(enrolment, "2", "1.2")
    photo = stored_file(centre, learner.user, b"\xff\xd8\xff photo", "till.jpg", "image/jpeg", "image")
    evidence = submitted(enrolment, learner.user, title="Complaint call", files=[photo], criteria=[c11, c12])

    sign_in(page, assessor.user.email)
    page.goto(f"/assessment/evidence/{evidence.pk}/")
    page.get_by_role("heading", name="Complaint call").wait_for()
    assert_accessible(page)
    # Confirm one suggestion and judge it; reject the other.
    page.locator(f"#confirm-{c11.pk}").check()
    page.get_by_label("Judgement for unit 1, 1.1").select_option("met")
    page.locator(f"#reject-{c12.pk}").check()
    # Unit 2: tick both with the outcome's bulk button, judge one with the keyboard.
    page.get_by_role("button", name="Tick all in unit 2, outcome 1", exact=True).click()
    assert page.get_by_label("Judgement for unit 2, 1.1").is_visible()
    page.get_by_role("button", name="Judge met every ticked criterion in unit 2, outcome 1").click()
    page.locator(f"#map-{u2_12.pk}").focus()
    page.keyboard.press("n")
    assert page.get_by_label("Judgement for unit 2, 1.2").input_value() == "not_yet_met"
    page.get_by_label("Feedback on unit 2, 1.2 (optional)").fill("Show how you checked the account.")
    page.get_by_label("Accept the evidence").check()
    page.get_by_label("Overall feedback to the learner").fill("Well handled.")
    page.get_by_label("Your full name, to sign").fill(assessor.user.full_name)
    page.get_by_role("button", name="Sign and record the assessment").click()
    page.get_by_text("Evidence accepted; the learner has been told.").wait_for()
    assert_accessible(page)
    assert dict(Decision.objects.values_list("criterion_id", "outcome")) == {
        c11.pk: "met", u2_11.pk: "met", u2_12.pk: "not_yet_met"}
    assert Mapping.objects.filter(verdict="rejected", criterion=c12).exists()

    # Unit 1 needs 1.2 too: from other evidence, then sign-off.
    accept(submitted(enrolment, learner.user, title="Follow-up email"), assessor.user, met=[c12])
    page.goto(f"/assessment/enrolments/{enrolment.pk}/units/1/")
    assert_accessible(page)
    page.get_by_label("Your full name, to sign").fill(assessor.user.full_name)
    page.get_by_role("button", name="Sign the unit off").click()
    page.get_by_text("Unit 1 signed off.").wait_for()
    assert_accessible(page)
    assert UnitSignOff.objects.filter(unit__number="1").exists()

    sign_in(page, learner.user.email)
    page.goto(f"/assessment/enrolments/{enrolment.pk}/units/1/")
    page.get_by_label("Your full name, to sign").fill(enrolment.learner.full_name)
    assert_accessible(page)
    page.get_by_role("button", name="Acknowledge the sign-off").click()
    page.get_by_text("you have acknowledged the sign-off of unit 1").wait_for()
    assert SignOffAcknowledgement.objects.exists()
    page.goto(f"/assessment/enrolments/{enrolment.pk}/matrix/")
    page.get_by_role("heading", name="Your tracking matrix").wait_for()
    assert_accessible(page)


def test_a_trainees_decisions_are_countersigned_in_the_browser(page, assert_accessible, transactional_db):
    centre = CentreFactory()
    enrolment, learner, trainee, _ = enrolment_with_people(centre)
    trainee.is_trainee_assessor = True
    trainee.save()
    qualified = MembershipFactory(centre=centre, is_assessor=True)
    accept(submitted(enrolment, learner.user, title="Rota", context="simulation"), trainee.user,
           met=unit_criteria(enrolment, "1"))
    sign_in(page, qualified.user.email)
    page.goto("/assessment/countersign/")
    assert_accessible(page)
    page.get_by_role("button", name="Tick all in the decisions on", exact=False).first.click()
    page.get_by_label("Your full name, to sign").fill(qualified.user.full_name)
    page.get_by_role("button", name="Countersign the ticked decisions").click()
    page.get_by_text("2 decisions countersigned.").wait_for()
    assert Countersignature.objects.count() == 2


def test_other_units_grids_load_when_opened_and_without_the_script_by_link(browser, live_server, page, assert_accessible,
                                                                           transactional_db):
    centre = CentreFactory()
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    PlannedUnit.objects.create(enrolment=enrolment, unit=unit(enrolment, "1"), source="chosen")
    u3_11, u3_12 = criterion(enrolment, "3", "1.1"), criterion(enrolment, "3", "1.2")
    u4_11 = criterion(enrolment, "4", "1.1")
    evidence = submitted(enrolment, learner.user, title="Stock count")

    sign_in(page, assessor.user.email)
    page.goto(f"/assessment/evidence/{evidence.pk}/")
    assert page.locator(f"#map-{u3_11.pk}").count() == 0  # unit 3 is not in the page yet
    page.get_by_text("Unit 3 Unit 3 title").click()  # opening it fetches its grid
    page.get_by_role("button", name="Tick all in unit 3, outcome 1", exact=True).click()
    page.get_by_role("button", name="Judge met every ticked criterion in unit 3, outcome 1").click()
    page.locator(f"#map-{u3_12.pk}").focus()
    page.keyboard.press("n")
    assert page.get_by_label("Judgement for unit 3, 1.1").input_value() == "met"
    assert page.get_by_label("Judgement for unit 3, 1.2").input_value() == "not_yet_met"
    page.get_by_label("Feedback on unit 3, 1.2 (optional)").fill("Count the back room too.")
    # Judged, then unticked on second thoughts: the judgement goes with the tick.
    page.get_by_text("Unit 4 Unit 4 title").click()
    page.locator(f"#map-{u4_11.pk}").check()
    page.get_by_label("Judgement for unit 4, 1.1").select_option("met")
    page.locator(f"#map-{u4_11.pk}").uncheck()
    assert page.get_by_label("Judgement for unit 4, 1.1").input_value() == ""
    assert_accessible(page)
    page.get_by_label("Accept the evidence").check()
    page.get_by_label("Your full name, to sign").fill(assessor.user.full_name)
    page.get_by_role("button", name="Sign and record the assessment").click()
    page.get_by_text("Evidence accepted; the learner has been told.").wait_for()
    assert dict(Decision.objects.values_list("criterion_id", "outcome")) == {u3_11.pk: "met", u3_12.pk: "not_yet_met"}
    assert Decision.objects.get(criterion=u3_12).feedback == "Count the back room too."

    # Without JavaScript, the unit's link reloads the page with its grid and judgement fields.
    second = submitted(enrolment, learner.user, title="Delivery note")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15_000)
    client = Client()
    client.force_login(assessor.user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    plain = context.new_page()
    plain.goto(f"/assessment/evidence/{second.pk}/")
    plain.get_by_text("Unit 4 Unit 4 title").click()
    plain.get_by_role("link", name="Show the criteria of unit 4").click()
    plain.locator(f"#map-{u4_11.pk}").check()
    plain.get_by_label("Judgement for unit 4, 1.1").select_option("met")
    plain.get_by_label("Accept the evidence").check()
    plain.get_by_label("Your full name, to sign").fill(assessor.user.full_name)
    plain.get_by_role("button", name="Sign and record the assessment").click()
    plain.get_by_text("Evidence accepted; the learner has been told.").wait_for()
    assert Decision.objects.get(version=second.current).criterion_id == u4_11.pk
    context.close()
    # axe needs a script to run: it checks the same page (a unit opened by link) in the first browser.
    page.goto(f"/assessment/evidence/{submitted(enrolment, learner.user).pk}/?open={unit(enrolment, '4').pk}")
    page.locator(f"#judge-{u4_11.pk}").wait_for(state="attached")  # shown once ticked
    assert_accessible(page)
