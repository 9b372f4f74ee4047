"""The demo admin can run a claim on first login: a learner with a whole qualification, one with
some units of another, and two refused with their reasons. The demo EQA holds access to one
qualification with a sample request waiting."""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.assessment.models import SignOffAcknowledgement, UnitSignOff
from apps.centres.models import Centre
from apps.certification.models import AOCentreNumber, QualificationApproval
from apps.certification.readiness import candidates
from apps.demo.seed import seed_everything
from apps.eqa.models import SampleRequest
from apps.iqa.clearance import unit_clearance
from apps.iqa.models import Sample
from apps.learners.models import Enrolment, ExternalAccess
from apps.qualifications.services import catalogue_load
from tests.evidence.filefixtures import private_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
CATALOGUE = ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml", "601-5051-8.yaml")


def load(names=CATALOGUE) -> None:
    for name in names:
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)


def by_name() -> dict:
    centre = Centre.objects.get(slug="demo")
    return {c.learner_name: c for c in candidates(centre_id=centre.pk, today=timezone.localdate())}


def test_the_demo_admin_finds_a_full_claim_a_unit_claim_and_two_refusals():
    load()
    emails = seed_everything(password="attest-demo")
    found = by_name()

    cara = found["Cara Complete"]
    assert cara.claimable and cara.claim_type == "full"
    assert cara.awarding_organisation == "City & Guilds" and cara.qualification_number == "600/1137/3"
    assert [u.number for u in cara.ready_units] == ["201", "202", "203", "204", "205", "206"]
    assert not cara.problems and not cara.waiting_units

    uma = found["Uma Units"]
    assert uma.claimable and uma.claim_type == "unit"
    assert uma.qualification_number == "600/1257/2" and [u.number for u in uma.ready_units] == ["01", "02"]

    rhys = found["Rhys Pending"]
    assert not rhys.claimable
    assert [(p.code, p.message) for p in rhys.problems] == [(
        "no_registration", "No NCFE learner number: the learner must be registered with NCFE before a claim. "
        "Record it in the learner's registration facts.")]

    sid = found["Sid Sutton"]
    assert not sid.claimable
    assert [p.code for p in sid.problems] == ["past_certification_end"]
    assert "30 September 2023" in sid.problems[0].message

    # Every demo learner can sign in to see their documents once they are made.
    assert {"learner3@demo.test", "learner4@demo.test", "learner5@demo.test", "learner6@demo.test"} <= set(emails)

    # The units are signed off, acknowledged and sampled; the registrations are old enough.
    today = timezone.localdate()
    enrolments = {e.learner.full_name: e for e in Enrolment.objects.filter(
        learner__email__in=["learner3@demo.test", "learner4@demo.test", "learner5@demo.test"]).select_related("learner")}
    for enrolment in enrolments.values():
        sign_offs = UnitSignOff.objects.filter(enrolment=enrolment)
        assert sign_offs.exists()
        assert SignOffAcknowledgement.objects.filter(sign_off__in=sign_offs).count() == sign_offs.count()
        clearance = unit_clearance(enrolment_ids=[enrolment.pk])
        assert clearance and all(c.cleared for c in clearance.values())
        assert enrolment.registered_name and enrolment.registered_date_of_birth and enrolment.funding_status
    for name in ("Cara Complete", "Uma Units"):
        assert enrolments[name].registration_number
        assert enrolments[name].registered_on <= today - timedelta(weeks=10)
    assert enrolments["Cara Complete"].registered_name == "Cara Louise Complete"  # the legal name, not the usual one

    centre = Centre.objects.get(slug="demo")
    assert set(AOCentreNumber.objects.filter(centre=centre).values_list("awarding_organisation", flat=True)) == {
        "NCFE", "City & Guilds", "SFJ Awards"}
    # One qualification with Direct Claims Status, one whose claims wait for the EQA's sign-off.
    assert dict(QualificationApproval.objects.filter(centre=centre).values_list("qualification_number", "has_dcs")) == {
        "600/1137/3": False, "600/1257/2": True}


def test_seeding_again_doubles_nothing_and_refreshes_the_passwords(private_storage):  # noqa: F811
    load()
    seed_everything(password="attest-demo")
    counts = (Enrolment.objects.count(), UnitSignOff.objects.count(), Sample.objects.count(),
              AOCentreNumber.objects.count(), QualificationApproval.objects.count(), ExternalAccess.objects.count(),
              SampleRequest.objects.count())
    seed_everything(password="attest-demo")
    assert (Enrolment.objects.count(), UnitSignOff.objects.count(), Sample.objects.count(),
            AOCentreNumber.objects.count(), QualificationApproval.objects.count(), ExternalAccess.objects.count(),
            SampleRequest.objects.count()) == counts
    assert get_user_model().objects.get(email="learner3@demo.test").check_password("attest-demo")

    # The demo EQA holds access to one qualification, with a sample request waiting for the centre,
    # and sees its learners, never the NCFE ones.
    grant = ExternalAccess.objects.get(email="eqa@demo.test")
    assert grant.is_open(timezone.localdate())
    assert [q.number for q in grant.qualifications.all()] == ["600/1137/3"]
    request = SampleRequest.objects.get(grant=grant)
    assert request.status == SampleRequest.Status.OPEN and request.due_on > timezone.localdate()
    assert sorted(r.enrolment.learner.full_name for r in request.learners.all()) == ["Cara Complete", "Liam Learner"]
    client = Client()
    client.force_login(get_user_model().objects.get(email="eqa@demo.test"))
    cara = Enrolment.objects.get(learner__full_name="Cara Complete")
    lena = Enrolment.objects.get(learner__full_name="Lena Learner")
    assert client.get(reverse("assessment_matrix", args=[cara.pk])).status_code == 200
    assert client.get(reverse("assessment_matrix", args=[lena.pk])).status_code == 404
    home = client.get(reverse("eqa_home")).content.decode()
    assert "600/1137/3" in home and "Lena Learner" not in home


def test_without_the_sfj_specification_the_other_claims_are_still_seeded():
    load(CATALOGUE[:3])
    seed_everything(password="attest-demo")
    found = by_name()
    assert "Sid Sutton" not in found
    assert found["Cara Complete"].claim_type == "full" and found["Uma Units"].claimable
