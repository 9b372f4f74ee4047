"""Issue 5's journey on the demo learner, in Chromium with axe on each page: the assessor opens
Lena's new evidence, confirms one suggestion and rejects another, maps two criteria of a second
unit and judges them met with feedback, requests witness testimony that the witness answers
through the emailed link, completes a unit from it and signs it off; Lena sees the unit signed
off and acknowledges it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from apps.assessment.models import Decision, Mapping, SignOffAcknowledgement, UnitSignOff
from apps.demo.seed import seed_everything
from apps.evidence.models import Evidence
from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit
from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion
from apps.qualifications.services import catalogue_load
from tests.records.test_browser import LINK, person, tick, wait_for_mail  # noqa: F401  (person is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def crit(enrolment, unit: str, number: str) -> AssessmentCriterion:
    return AssessmentCriterion.objects.select_related("unit").get(
        unit__qualification=enrolment.qualification, unit__number=unit, number=number
    )


def test_the_assessor_assesses_requests_a_witness_signs_a_unit_off_and_the_learner_acknowledges(
    person, assert_accessible, celery_worker  # noqa: F811
):
    for name in ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml"):
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password=settings.DEMO_PASSWORD)
    enrolment = Enrolment.objects.select_related("learner__user").get(learner__user__email="learner@demo.test")
    lena, asha = enrolment.learner.user, enrolment.assessors.get(email="assessor@demo.test")
    unit35 = list(AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification, unit__number="35")
                  .select_related("unit").order_by("outcome__position", "position"))
    confirmed, rejected = unit35[0], unit35[1]
    evidence = evidence_create(
        enrolment=enrolment, actor=lena,
        content=EvidenceContent(title="Helping a new colleague settle in", evidence_date=enrolment.start_date,
                                method="reflective_account", context="real_work",
                                text="I showed Sam our call scripts and sat with them on their first day.",
                                criteria=[confirmed, rejected]),
    )
    evidence_submit(evidence=evidence, actor=lena, declared_name=enrolment.learner.full_name, ip_address=None)
    mail.outbox.clear()

    assessor = person(asha)
    assessor.goto(f"/assessment/evidence/{evidence.pk}/")
    assert_accessible(assessor)
    assessor.locator(f"#confirm-{confirmed.pk}").check()
    assessor.get_by_label(f"Judgement for unit 35, {confirmed.number}").select_option("met")
    assessor.locator(f"#reject-{rejected.pk}").check()
    second = [crit(enrolment, "33", "1.1"), crit(enrolment, "33", "1.2")]
    for c in second:
        box = assessor.locator(f"#map-{c.pk}")
        if not box.is_visible():
            assessor.get_by_text("Unit 33 Process customer service complaints").click()
        box.check()
        assessor.get_by_label(f"Judgement for unit 33, {c.number}").select_option("met")
        assessor.get_by_label(f"Feedback on unit 33, {c.number} (optional)").fill("Clear account of the complaint.")
    assessor.get_by_label("Accept the evidence").check()
    assessor.get_by_label("Overall feedback to the learner").fill("Good reflection.")
    assessor.get_by_label("Your full name, to sign").fill(asha.full_name)
    assessor.get_by_role("button", name="Sign and record the assessment").click()
    assessor.get_by_text("Evidence accepted; the learner has been told.").wait_for()
    assert Mapping.objects.filter(version=evidence.current, criterion=rejected, verdict="rejected").exists()
    assert set(Decision.objects.filter(version=evidence.current, outcome="met").values_list("criterion_id", flat=True)) == {
        confirmed.pk, *(c.pk for c in second)}

    # Witness testimony for the rest of unit 35.
    assessor.goto(f"/records/enrolments/{enrolment.pk}/witness/new/")
    assert_accessible(assessor)
    assessor.get_by_label("Witness's full name").fill("Priya Shah")
    assessor.get_by_label("Witness's email address").fill("priya.shah@example.test")
    assessor.get_by_label("Witness's job title").fill("Team leader")
    assessor.get_by_label("Relationship to the learner").fill("Line manager")
    assessor.get_by_label("What the witness is asked about").fill("How Lena supported a new colleague.")
    for c in unit35[1:]:
        tick(assessor, c)
    assessor.get_by_role("button", name="Send the request").click()
    expect(assessor.get_by_text("Request sent.")).to_be_visible()
    link = None
    for count in range(1, 10):
        to_witness = [m for m in wait_for_mail(count) if m.to == ["priya.shah@example.test"]]
        if to_witness:
            link = LINK.search(to_witness[0].body).group(1)
            break
    assert link, "the witness was emailed a link"

    witness = person()
    witness.goto(link)
    assert_accessible(witness)
    witness.get_by_label("What you saw").fill("Lena coached Sam through every part of their first week.")
    witness.get_by_label("Type your full name to sign").fill("Priya Shah")
    witness.get_by_label("I confirm that what I have written").check()
    witness.get_by_role("button", name="Send my testimony").click()
    expect(witness.get_by_role("heading", name="Thank you")).to_be_visible()

    testimony = Evidence.objects.get(enrolment=enrolment, current__method="witness_testimony",
                                     current__declared_name="Priya Shah", status="submitted",
                                     current__text__contains="coached Sam")
    assessor.goto(f"/assessment/evidence/{testimony.pk}/")
    for c in unit35[1:]:
        assessor.locator(f"#confirm-{c.pk}").check()
        assessor.get_by_label(f"Judgement for unit 35, {c.number}").select_option("met")
    assessor.get_by_label("Accept the evidence").check()
    assessor.get_by_label("Your full name, to sign").fill(asha.full_name)
    assessor.get_by_role("button", name="Sign and record the assessment").click()
    assessor.get_by_text("Evidence accepted; the learner has been told.").wait_for()

    assessor.goto(f"/assessment/enrolments/{enrolment.pk}/units/35/")
    assert_accessible(assessor)
    assessor.get_by_label("Your full name, to sign").fill(asha.full_name)
    assessor.get_by_role("button", name="Sign the unit off").click()
    assessor.get_by_text("Unit 35 signed off.").wait_for()

    learner = person(lena)
    learner.goto("/")
    expect(learner.get_by_text(re.compile("Signed off"))).not_to_have_count(0)
    learner.goto(f"/assessment/enrolments/{enrolment.pk}/units/35/")
    assert_accessible(learner)
    learner.get_by_label("Your full name, to sign").fill(enrolment.learner.full_name)
    learner.get_by_role("button", name="Acknowledge the sign-off").click()
    learner.get_by_text("you have acknowledged the sign-off of unit 35").wait_for()
    sign_off = UnitSignOff.objects.get(enrolment=enrolment, unit__number="35")
    assert SignOffAcknowledgement.objects.filter(sign_off=sign_off, signed_by=lena).exists()
