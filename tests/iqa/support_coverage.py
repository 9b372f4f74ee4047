"""Builders the coverage, clearance and quality tests share: a small college written as rows
(decisions, sign-offs, samples, plan items, actions) so each heatmap cell and gap can be made on
purpose, without going through the other areas' services."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.assessment.models import Decision, UnitReopening, UnitSignOff
from apps.centres.models import IQAAllocation
from apps.evidence.models import Evidence, EvidenceVersion
from apps.iqa import rules as strategy_rules
from apps.iqa.models import (
    Action,
    AssessorProfile,
    PlanItem,
    Sample,
    SamplingPlan,
    SamplingStrategy,
    Stage,
)
from apps.learners.models import Enrolment, Learner
from apps.qualifications.models import AssessmentCriterion, Qualification, Unit
from tests.eqa.support import grant_for
from tests.factories import CentreFactory, MembershipFactory, make_qualification

NUMBER = "600/0000/1"


def qualification(number: str = NUMBER) -> Qualification:
    return Qualification.objects.filter(number=number).first() or make_qualification(number=number)


def moment(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@dataclass
class College:
    centre: Any
    qualification: Qualification
    lead: Any  # users
    iqa: Any
    assessor: Any
    trainee: Any
    admin: Any
    eqa: Any
    units: dict[str, Unit]
    learners: list[Enrolment] = field(default_factory=list)
    today: date = field(default_factory=timezone.localdate)

    def unit(self, number: str) -> Unit:
        return self.units[number]


def college(*, learners: int = 3, centre: Any = None) -> College:
    """A centre with a lead IQA, an IQA allocated to an experienced assessor (medium risk) and a
    trainee (high risk), an admin, an EQA whose grant covers the qualification (from yesterday for
    30 days), and learners on one qualification assessed by both."""
    centre = centre or CentreFactory(name="Northgate College")
    q = qualification()
    today = timezone.localdate()
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead").user
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name="Ira Quality").user
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name="Asha Assessor").user
    trainee = MembershipFactory(centre=centre, is_assessor=True, is_trainee_assessor=True,
                                user__full_name="Tom Trainee").user
    admin = MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin").user
    eqa_member = MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=today + timedelta(days=30),
                                   user__full_name="Eve External")
    grant_for(eqa_member, qualifications=[q], created_by=admin)
    eqa = eqa_member.user
    for person in (assessor, trainee):
        IQAAllocation.objects.create(centre=centre, iqa=iqa, assessor=person, allocated_by=lead)
    AssessorProfile.objects.create(centre=centre, assessor=assessor, status=AssessorProfile.Status.EXPERIENCED,
                                   band="medium", derived_band="medium")
    AssessorProfile.objects.create(centre=centre, assessor=trainee, status=AssessorProfile.Status.TRAINEE)
    c = College(centre=centre, qualification=q, lead=lead, iqa=iqa, assessor=assessor, trainee=trainee, admin=admin,
                eqa=eqa, units={u.number: u for u in Unit.objects.filter(qualification=q)}, today=today)
    for n in range(learners):
        add_learner(c, f"Learner {chr(65 + n)}")
    return c


def add_learner(c: College, name: str, *, assessors=None, planned_end: date | None = None) -> Enrolment:
    record = Learner.objects.create(centre=c.centre, full_name=name, email=f"{name.lower().replace(' ', '.')}@example.test")
    enrolment = Enrolment.objects.create(
        centre=c.centre, learner=record, qualification=c.qualification, start_date=c.today - timedelta(days=200),
        planned_end_date=planned_end or c.today + timedelta(days=300),
    )
    enrolment.assessors.add(*(assessors or [c.assessor]))
    c.learners.append(enrolment)
    return enrolment


def decide(enrolment: Enrolment, unit: Unit, signer: Any, *, method: str = "work_product", provisional: bool = False,
           on: date | None = None) -> Decision:
    """One decision on the unit's first criterion, from a submitted version of the given method."""
    on = on or timezone.localdate()
    evidence = Evidence.objects.create(centre=enrolment.centre, enrolment=enrolment, status=Evidence.Status.ACCEPTED,
                                       created_by=signer)
    version = EvidenceVersion.objects.create(
        evidence=evidence, number=1, title="Work", evidence_date=on, method=method, context="real_work",
        submitted_at=moment(on, 9), declared_name=enrolment.learner.full_name,
    )
    criterion = AssessmentCriterion.objects.filter(unit=unit).order_by("position", "id").first()
    return Decision.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version=version, criterion=criterion, outcome="met",
        provisional=provisional, signed_by=signer, signed_name=signer.full_name, signed_at=moment(on, 10),
    )


def sign_off(enrolment: Enrolment, unit: Unit, signer: Any, *, on: date | None = None) -> UnitSignOff:
    return UnitSignOff.objects.create(centre=enrolment.centre, enrolment=enrolment, unit=unit, signed_by=signer,
                                      signed_name=signer.full_name, signed_at=moment(on or timezone.localdate(), 11))


def reopen(sign_off_row: UnitSignOff, by: Any) -> UnitReopening:
    return UnitReopening.objects.create(sign_off=sign_off_row, reason="Re-check", signed_by=by, signed_name=by.full_name)


def plan(c: College, *, iqa: Any = None, start: date | None = None, end: date | None = None) -> SamplingPlan:
    start = start or c.today - timedelta(days=30)
    existing = SamplingPlan.objects.filter(centre=c.centre, iqa=iqa or c.iqa, period_start=start).first()
    return existing or SamplingPlan.objects.create(centre=c.centre, iqa=iqa or c.iqa, period_start=start,
                                                   period_end=end or start + timedelta(days=89), seed=7,
                                                   created_by=iqa or c.iqa)


def item(p: SamplingPlan, enrolment: Enrolment, unit: Unit, assessor: Any, *, stage: str = Stage.SUMMATIVE,
         status: str = PlanItem.Status.PLANNED) -> PlanItem:
    return PlanItem.objects.create(
        centre=p.centre, plan=p, enrolment=enrolment, unit=unit, assessor=assessor, stage=stage,
        due_from=p.period_start, due_by=p.period_end, reason=PlanItem.Reason.LEARNER_SHARE, rule="medium",
        status=status,
    )


def sample(c: College, enrolment: Enrolment, unit: Unit, assessor: Any, *, outcome: str = Sample.Outcome.AGREE,
           stage: str = Stage.SUMMATIVE, on: date | None = None, plan_item: PlanItem | None = None,
           methods: list[str] | None = None, unplanned: bool = False, signed: bool = True) -> Sample:
    """A sample written directly, signed unless told; planned unless `unplanned` (then a reason)."""
    on = on or c.today
    if plan_item is None and not unplanned:
        plans = SamplingPlan.objects.filter(centre=c.centre, iqa=c.iqa, period_start__lte=on, period_end__gte=on)
        the_plan = plans.first() or plan(c, start=on - timedelta(days=1))
        plan_item = (PlanItem.objects.filter(plan=the_plan, enrolment=enrolment, unit=unit, stage=stage).first()
                     or item(the_plan, enrolment, unit, assessor, stage=stage, status=PlanItem.Status.DONE))
    snapshot = {"decisions": []}
    return Sample.objects.create(
        centre=c.centre, plan_item=plan_item, unplanned_reason="A concern raised" if unplanned else "",
        enrolment=enrolment, unit=unit, assessor=assessor, iqa=c.iqa, stage=stage, started_at=moment(on, 8),
        snapshot=snapshot, snapshot_sha256=hashlib.sha256(b"{}").hexdigest(), methods_seen=methods or [],
        outcome=outcome if signed else "", signed_by=c.iqa if signed else None,
        signed_name=c.iqa.full_name if signed else "", signed_at=moment(on, 13) if signed else None,
    )


def action(c: College, s: Sample, *, status: str = Action.Status.OPEN, due: date | None = None) -> Action:
    return Action.objects.create(
        centre=c.centre, source=Action.Source.SAMPLE, sample=s, enrolment=s.enrolment, unit=s.unit, owner=s.assessor,
        raised_by=c.iqa, text="Re-check the evidence.", due_on=due or c.today + timedelta(days=7), status=status,
        closed_at=timezone.now() if status == Action.Status.CLOSED else None,
        closed_by=c.iqa if status == Action.Status.CLOSED else None,
    )


def strategy(c: College, *, qualification: Qualification | None = None, **changes: Any) -> SamplingStrategy:
    rules = {**strategy_rules.TEMPLATE, **changes}
    version = SamplingStrategy.objects.filter(centre=c.centre, qualification=qualification).count() + 1
    return SamplingStrategy.objects.create(
        centre=c.centre, qualification=qualification, version=version, status=SamplingStrategy.Status.APPROVED,
        rules=rules, created_by=c.lead, approved_by=c.lead, approved_name=c.lead.full_name, approved_at=timezone.now(),
    )


def membership(c: College, user: Any):
    from apps.centres.models import Membership

    return Membership.objects.select_related("centre", "user").get(centre=c.centre, user=user)
