"""Nobody judges their own work: a person who is both an assessor and the learner of an
enrolment (here after an admin moved a learner record onto an assessor's email) can neither
assess, record, countersign, sign off nor reopen anything of that enrolment, by page or by
service, whatever roles they hold."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.assessment import services
from apps.assessment.models import Countersignature, Decision, EvidenceAssessment, UnitReopening, UnitSignOff
from apps.centres.services import membership_change_roles
from apps.learners.models import Enrolment, Learner
from apps.learners.services import learner_update
from apps.records.models import Observation
from apps.records.services import RecordBasics, Signature, observation_create
from tests.assessment.helpers import accept, assessment_post, submitted, unit, unit_criteria
from tests.factories import MembershipFactory, make_qualification


@pytest.fixture
def own(centre):
    """Asha, a qualified assessor, is assigned to an enrolment whose learner record an admin then
    moves onto her email; giving her the learner role links the record to her account."""
    qualification = make_qualification(number="600/0000/1")
    admin = MembershipFactory(centre=centre, is_admin=True)
    asha = MembershipFactory(centre=centre, is_assessor=True)
    trainee = MembershipFactory(centre=centre, is_assessor=True, is_trainee_assessor=True)
    record = Learner.objects.create(centre=centre, full_name="Lee Learner", email="lee@example.test")
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification, start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365),
    )
    enrolment.assessors.add(asha.user, trainee.user)
    learner_update(learner=record, actor=admin.user, full_name=asha.user.full_name, email=asha.user.email,
                   date_of_birth=None, uln="", mis_reference="")
    membership_change_roles(membership=asha, actor=admin.user, roles=dataclasses.replace(asha.roleset, learner=True))
    record.refresh_from_db()
    assert record.user_id == asha.user_id  # she is now the learner of the enrolment she assesses
    return enrolment, asha, trainee, admin


def test_an_assessor_cannot_judge_and_accept_their_own_evidence_by_service(own):
    enrolment, asha, _, _ = own
    evidence = submitted(enrolment, asha.user, title="My own call log")
    with pytest.raises(PermissionDenied, match="Nobody assesses their own work"):
        accept(evidence, asha.user, met=unit_criteria(enrolment, "1"))
    assert not Decision.objects.exists() and not EvidenceAssessment.objects.exists()
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_nor_through_the_evidence_page(client, own):
    enrolment, asha, _, _ = own
    evidence = submitted(enrolment, asha.user, title="My own call log")
    client.force_login(asha.user)
    page = client.get(f"/assessment/evidence/{evidence.pk}/")
    assert page.status_code == 200 and "Sign and record" not in page.content.decode()  # read-only for her
    response = client.post(
        f"/assessment/evidence/{evidence.pk}/",
        assessment_post(signer=asha.user, judge={c: "met" for c in unit_criteria(enrolment, "1")}),
    )
    assert response.status_code == 403
    assert not Decision.objects.exists() and not EvidenceAssessment.objects.exists()


def test_her_own_work_is_not_waiting_for_her_nor_on_her_caseload(client, own):
    enrolment, asha, _, _ = own
    submitted(enrolment, asha.user, title="My own call log")
    client.force_login(asha.user)
    home = client.get("/").content.decode()
    assert "My own call log" not in home
    assert "Lee Learner" not in client.get("/caseload/").content.decode()


def test_an_assessor_cannot_countersign_a_decision_on_their_own_work(client, own):
    enrolment, asha, trainee, _ = own
    evidence = submitted(enrolment, asha.user, title="My own call log")
    accept(evidence, trainee.user, met=unit_criteria(enrolment, "1")[:1])
    decision = Decision.objects.get()
    assert decision.provisional
    client.force_login(asha.user)
    assert "My own call log" not in client.get("/assessment/countersign/").content.decode()
    with pytest.raises(Exception, match="your own work"):
        services.decisions_countersign(decisions=[decision], actor=asha.user, signed_name=asha.user.full_name,
                                       ip_address=None)
    assert not Countersignature.objects.exists()


def test_an_assessor_cannot_sign_off_a_unit_of_their_own(client, own):
    enrolment, asha, trainee, _ = own
    evidence = submitted(enrolment, asha.user, title="My own call log")
    accept(evidence, trainee.user, met=unit_criteria(enrolment, "1"))
    client.force_login(asha.user)
    response = client.post(f"/assessment/enrolments/{enrolment.pk}/units/1/sign-off/",
                           {"signoff-signed_name": asha.user.full_name})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match="Nobody assesses their own work"):
        services.unit_sign_off(enrolment=enrolment, unit=unit(enrolment, "1"), actor=asha.user,
                               signed_name=asha.user.full_name, ip_address=None)
    assert not UnitSignOff.objects.exists()


def test_an_admin_cannot_reopen_a_unit_of_their_own(own, member):
    enrolment, asha, _, admin = own
    other = MembershipFactory(centre=enrolment.centre, is_assessor=True)
    enrolment.assessors.add(other.user)
    accept(submitted(enrolment, asha.user), other.user, met=unit_criteria(enrolment, "1"))
    sign_off = services.unit_sign_off(enrolment=enrolment, unit=unit(enrolment, "1"), actor=other.user,
                                      signed_name=other.user.full_name, ip_address=None)
    membership_change_roles(membership=asha, actor=admin.user, roles=dataclasses.replace(asha.roleset, admin=True))
    with pytest.raises(PermissionDenied, match="Nobody assesses their own work"):
        services.unit_reopen(sign_off=sign_off, actor=asha.user, reason="I want to redo it",
                             signed_name=asha.user.full_name, ip_address=None)
    assert not UnitReopening.objects.exists()


def test_an_assessor_cannot_record_an_observation_of_themself(client, own):
    enrolment, asha, _, _ = own
    client.force_login(asha.user)
    assert client.get(f"/records/enrolments/{enrolment.pk}/observation/new/").status_code == 403
    with pytest.raises(PermissionDenied):
        observation_create(
            enrolment=enrolment, assessor=asha.user,
            basics=RecordBasics(on=timezone.localdate(), context="real_work", criteria=unit_criteria(enrolment, "1")),
            place="Desk", activity="Handling calls", account="I did well.",
            signature=Signature(name=asha.user.full_name),
        )
    assert not Observation.objects.exists()


def test_another_assessor_still_assesses_her_work(own):
    enrolment, asha, trainee, _ = own
    other = MembershipFactory(centre=enrolment.centre, is_assessor=True)
    enrolment.assessors.add(other.user)
    evidence = submitted(enrolment, asha.user, title="My own call log")
    accept(evidence, other.user, met=unit_criteria(enrolment, "1"))
    assert Decision.objects.filter(signed_by=other.user).count() == 2
