"""Builders the plan tests (and the plan browser journey) share: a centre with an IQA, a lead IQA,
an assessor and a trainee allocated to the IQA, learners with decisions and sign-offs, and an
approved strategy."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.assessment.models import UnitSignOff
from apps.centres.models import IQAAllocation
from apps.iqa.models import SamplingStrategy
from apps.iqa.rules import TEMPLATE
from apps.learners.models import Enrolment, Learner, PlannedUnit
from apps.qualifications.models import Qualification, Unit
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.factories import CentreFactory, MembershipFactory, make_qualification


def qualification(number: str = "600/0000/1") -> Qualification:
    return Qualification.objects.filter(number=number).first() or make_qualification(number=number)


@dataclass
class PlanWorld:
    centre: Any
    iqa: Any  # users
    lead: Any
    assessor: Any
    trainee: Any
    admin: Any
    qualification: Qualification
    enrolments: list[Enrolment] = field(default_factory=list)

    def unit(self, number: str) -> Unit:
        return self.qualification.units.get(number=number)


def strategy(centre: Any, by: Any, *, rules: dict | None = None, qualification: Any = None) -> SamplingStrategy:
    """An approved strategy (written directly: the strategy area's services are tested there)."""
    return SamplingStrategy.objects.create(
        centre=centre, qualification=qualification, version=1, status=SamplingStrategy.Status.APPROVED,
        rules=copy.deepcopy(rules or TEMPLATE), from_template=True, created_by=by, approved_by=by,
        approved_name=by.full_name, approved_at=timezone.now(),
    )


def plan_world(*, approved: bool = True, centre: Any = None) -> PlanWorld:
    centre = centre or CentreFactory()
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name="Ira Quality").user
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead").user
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name="Asha Assessor").user
    trainee = MembershipFactory(centre=centre, is_assessor=True, is_trainee_assessor=True,
                                user__full_name="Tom Trainee").user
    admin = MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin").user
    for person in (assessor, trainee):
        IQAAllocation.objects.create(centre=centre, iqa=iqa, assessor=person, allocated_by=lead)
    if approved:
        strategy(centre, lead)
    return PlanWorld(centre=centre, iqa=iqa, lead=lead, assessor=assessor, trainee=trainee, admin=admin,
                     qualification=qualification())


def enrol(w: PlanWorld, name: str, assessor: Any, *, units: tuple[str, ...] = ("1", "2"),
          end_in_days: int = 365) -> Enrolment:
    learner = MembershipFactory(centre=w.centre, is_learner=True, user__full_name=name).user
    record = Learner.objects.create(centre=w.centre, user=learner, full_name=name, email=learner.email)
    enrolment = Enrolment.objects.create(
        centre=w.centre, learner=record, qualification=w.qualification, start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=end_in_days),
    )
    enrolment.assessors.add(assessor)
    for number in units:
        PlannedUnit.objects.get_or_create(enrolment=enrolment, unit=w.unit(number),
                                          defaults={"source": PlannedUnit.Source.CHOSEN})
    w.enrolments.append(enrolment)
    return enrolment


def judge(enrolment: Enrolment, assessor: Any, unit: str = "1", *, all_met: bool = True) -> None:
    """The assessor judges criteria of the unit from one submitted piece of evidence."""
    criteria = unit_criteria(enrolment, unit)
    chosen = criteria if all_met else criteria[:1]
    evidence = submitted(enrolment, enrolment.learner.user, title=f"Work for unit {unit}", criteria=chosen)
    accept(evidence, assessor, met=chosen)


def sign_off(enrolment: Enrolment, assessor: Any, unit: Unit) -> UnitSignOff:
    """A sign-off written directly (the assessment area tests its rules)."""
    return UnitSignOff.objects.create(centre=enrolment.centre, enrolment=enrolment, unit=unit, signed_by=assessor,
                                      signed_name=assessor.full_name)


def caseload(w: PlanWorld, n: int) -> list[Enrolment]:
    """n learners of the assessor and n of the trainee, each with unit 1 judged and, for every
    other learner, signed off."""
    made = []
    for i in range(n):
        for who in (w.assessor, w.trainee):
            e = enrol(w, f"Learner {who.full_name.split()[0]} {i:02d}", who)
            judge(e, who)
            if i % 2 == 0 and who == w.assessor:
                sign_off(e, who, w.unit("1"))
            made.append(e)
    return made
