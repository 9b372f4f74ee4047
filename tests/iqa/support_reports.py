"""Builders the report tests share: rows written straight to the models (a plan with items, a
signed disagreeing sample with VARCS and process checks, its actions and an addendum), since the
services that fill them are other areas' work."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.assessment.models import Countersignature
from apps.iqa.models import Action, PlanItem, Sample, SampleAddendum, SamplingPlan, Stage
from apps.learners.models import Enrolment, Learner
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.evidence.portfolio_helpers import enrolment_with_people
from tests.factories import MembershipFactory

VARCS = {
    "valid": {"answer": "yes", "comment": "Matches 1.1 and 1.2."},
    "authentic": {"answer": "yes", "comment": "Declaration signed."},
    "reliable": {"answer": "no", "comment": "Another assessor would not accept 1.2 from this."},
    "current": {"answer": "yes", "comment": ""},
    "sufficient": {"answer": "no", "comment": "Only one call log for 1.2."},
}
PROCESS = {
    "planned": {"answer": "yes", "comment": ""},
    "feedback": {"answer": "no", "comment": "Feedback does not say what was missing."},
    "tone_of_voice": {"answer": "na", "comment": "A check this record holds that Attest has no label for."},
}


def add_learner(centre, *, assessor, iqa, qualification, name: str = "Extra Learner") -> Enrolment:
    member = MembershipFactory(centre=centre, is_learner=True, user__full_name=name)
    record = Learner.objects.create(centre=centre, user=member.user, full_name=name, email=member.user.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification, start_date=timezone.localdate() - timedelta(days=30),
        planned_end_date=timezone.localdate() + timedelta(days=300), iqa=iqa,
    )
    enrolment.assessors.add(assessor)
    return enrolment


def sampled_unit(enrolment, *, assessor, iqa, plan: SamplingPlan | None, outcome=Sample.Outcome.DISAGREE,
                 countersigner=None) -> dict[str, Any]:
    """Decisions on unit 1 of the enrolment, a plan item for them, a signed sample of them and an action."""
    evidence = submitted(enrolment, enrolment.learner.user)
    accept(evidence, assessor, met=unit_criteria(enrolment, "1")[:2])
    decisions = list(evidence.current.decisions.order_by("criterion__position"))
    if countersigner is not None:
        Countersignature.objects.create(decision=decisions[0], signed_by=countersigner,
                                        signed_name=countersigner.full_name)
    unit = decisions[0].criterion.unit
    today = timezone.localdate()
    item = None
    if plan is not None:
        item = PlanItem.objects.create(
            centre=enrolment.centre, plan=plan, enrolment=enrolment, unit=unit, assessor=assessor,
            stage=Stage.SUMMATIVE, methods=["work_product", "observation"], due_from=today, due_by=today + timedelta(days=30),
            reason=PlanItem.Reason.TRAINEE_FIRST, reason_detail="First decision in the unit", rule="trainee_first",
            status=PlanItem.Status.DONE,
        )
    snapshot = {"decisions": [d.pk for d in decisions], "versions": {str(evidence.current.pk): "0" * 64}}
    sample = Sample.objects.create(
        centre=enrolment.centre, plan_item=item, unplanned_reason="" if item else "A concern raised by the learner",
        enrolment=enrolment, unit=unit, assessor=assessor, iqa=iqa, stage=Stage.SUMMATIVE,
        snapshot=snapshot, snapshot_sha256=hashlib.sha256(repr(snapshot).encode()).hexdigest(),
        methods_seen=["work_product"], varcs=VARCS, process_checks=PROCESS, outcome=outcome,
        feedback="Ask for a second call log before accepting 1.2.", signed_by=iqa, signed_name=iqa.full_name,
        signed_at=timezone.now(),
    )
    sample.decisions_sampled.set(decisions)
    action = Action.objects.create(
        centre=enrolment.centre, source=Action.Source.SAMPLE, sample=sample, enrolment=enrolment, unit=unit,
        owner=assessor, raised_by=iqa, text="Re-assess 1.2 with a second call log.", due_on=today - timedelta(days=4),
        status=Action.Status.RESPONDED, response="Learner added a second log; decision corrected.",
        responded_at=timezone.now(),
    )
    closed = Action.objects.create(
        centre=enrolment.centre, source=Action.Source.SAMPLE, sample=sample, enrolment=enrolment, unit=unit,
        owner=assessor, raised_by=iqa, text="=HYPERLINK(\"http://x.test\")", due_on=today - timedelta(days=10),
        status=Action.Status.CLOSED, closed_by=iqa, closed_at=timezone.now() - timedelta(days=7),
        close_note="Seen and agreed.",
    )
    SampleAddendum.objects.create(sample=sample, reason="Wrong criterion named in the feedback",
                                  text="The feedback means 1.2, not 1.3.", signed_by=iqa, signed_name=iqa.full_name)
    return {"sample": sample, "item": item, "action": action, "closed_action": closed, "decisions": decisions}


def report_world(centre) -> dict[str, Any]:
    """An enrolment with an assessor and an IQA, a plan for the IQA and one signed sample in it."""
    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    enrolment.learner.uln = "9876543210"
    enrolment.learner.save(update_fields=["uln"])
    trainee_countersigner = MembershipFactory(centre=centre, is_assessor=True)
    today = timezone.localdate()
    plan = SamplingPlan.objects.create(
        centre=centre, iqa=iqa.user, period_start=today - timedelta(days=30), period_end=today + timedelta(days=60),
        seed=42, created_by=iqa.user, generation=1, generated_at=timezone.now(),
    )
    made = sampled_unit(enrolment, assessor=assessor.user, iqa=iqa.user, plan=plan,
                        countersigner=trainee_countersigner.user)
    return {"centre": centre, "enrolment": enrolment, "learner": learner, "assessor": assessor, "iqa": iqa,
            "plan": plan, "countersigner": trainee_countersigner, **made}


def grow(world: dict[str, Any], n: int) -> None:
    """n more learners of the same assessor, each with a plan item, a signed sample and actions."""
    for i in range(n):
        enrolment = add_learner(world["centre"], assessor=world["assessor"].user, iqa=world["iqa"].user,
                                qualification=world["enrolment"].qualification, name=f"Learner {i:03d}")
        sampled_unit(enrolment, assessor=world["assessor"].user, iqa=world["iqa"].user, plan=world["plan"],
                     outcome=Sample.Outcome.AGREE)
