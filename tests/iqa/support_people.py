"""Builders the people and strategy tests share: a centre with a lead IQA, an IQA, an assessor
and a trainee, one learner's enrolment, and signed samples and actions to derive bands from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.centres.models import IQAAllocation
from apps.iqa.models import Action, Sample
from apps.learners.models import Enrolment, Learner
from apps.qualifications.models import Qualification
from tests.factories import CentreFactory, MembershipFactory, make_qualification


def qualification(number: str = "600/0000/1") -> Qualification:
    return Qualification.objects.filter(number=number).first() or make_qualification(number=number)


@dataclass
class People:
    centre: Any
    lead: Any  # users
    iqa: Any
    assessor: Any
    trainee: Any
    admin: Any
    enrolment: Any

    def allocate(self, assessor: Any, iqa: Any) -> IQAAllocation:
        allocation, _ = IQAAllocation.objects.update_or_create(
            centre=self.centre, assessor=assessor, defaults={"iqa": iqa, "allocated_by": self.lead})
        return allocation


def people(*, centre: Any = None) -> People:
    centre = centre or CentreFactory()
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead")
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name="Ira Quality")
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name="Asha Assessor")
    trainee = MembershipFactory(centre=centre, is_assessor=True, is_trainee_assessor=True,
                                user__full_name="Tom Trainee")
    admin = MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin")
    learner = MembershipFactory(centre=centre, is_learner=True, user__full_name="Lena Learner")
    record = Learner.objects.create(centre=centre, user=learner.user, full_name="Lena Learner",
                                    email=learner.user.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification(), start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365),
    )
    enrolment.assessors.add(assessor.user, trainee.user)
    return People(centre=centre, lead=lead.user, iqa=iqa.user, assessor=assessor.user, trainee=trainee.user,
                  admin=admin.user, enrolment=enrolment)


def signed_sample(p: People, assessor: Any, outcome: str, *, iqa: Any = None, days_ago: int = 0) -> Sample:
    """A signed sample of the assessor's work in unit 1 (written directly: the sampling area's
    services are not what these tests are about)."""
    signed_at = timezone.now() - timedelta(days=days_ago)
    iqa = iqa or p.iqa
    return Sample.objects.create(
        centre=p.centre, enrolment=p.enrolment, unit=p.enrolment.qualification.units.get(number="1"),
        assessor=assessor, iqa=iqa, stage="summative", snapshot={}, snapshot_sha256="0" * 64,
        unplanned_reason="A concern", outcome=outcome, signed_by=iqa, signed_name=iqa.full_name,
        signed_at=signed_at, started_at=signed_at,
    )


def open_action(p: People, assessor: Any, *, due_in_days: int) -> Action:
    sample = signed_sample(p, assessor, "agree_with_advice")
    return Action.objects.create(centre=p.centre, source="sample", sample=sample, owner=assessor, raised_by=p.iqa,
                                 text="Give fuller feedback", due_on=timezone.localdate() + timedelta(days=due_in_days))
