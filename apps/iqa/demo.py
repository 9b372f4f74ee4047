"""Quality assurance at the demo centre, so the demo IQA finds real work on first login: assessor
profiles (one a trainee), the IQA allocated to both assessors, an approved strategy, a plan with
ready samples, a signed agreeing sample and a disagreeing one whose open action the demo assessor
can answer. Everything goes through the services, as a person would do it. Seeded once.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.centres.models import Centre
from apps.learners.models import Enrolment
from apps.qualifications.models import Unit

from . import checks
from .models import PlanItem, Sample, SamplingStrategy, Stage
from .plans import plan_generate, plan_item_add
from .profiles import ProfileDetails, allocations_set, profile_for, profile_update
from .sampling import ActionDraft, SampleEntry, sample_sign, sample_start_for_item
from .strategies import strategy_approve, strategy_draft

IP = "127.0.0.1"
# The unit the demo IQA disagrees with: signed off here so there is a sign-off to suspend.
DISAGREED_UNIT = "03"


def seed_quality() -> None:
    User = get_user_model()
    centre = Centre.objects.filter(slug="demo").first()
    people = {u.email: u for u in User.objects.filter(email__in=["iqa@demo.test", "assessor@demo.test",
                                                                  "trainee@demo.test"])}
    enrolment = (Enrolment.objects.filter(learner__user__email="learner@demo.test", assessors__email="assessor@demo.test")
                 .select_related("learner__user", "centre").first())
    if centre is None or len(people) < 3 or enrolment is None:
        return
    if SamplingStrategy.objects.filter(centre=centre).exists():
        return  # seeded before: the demo IQA's own work since then is kept
    iqa, assessor, trainee = people["iqa@demo.test"], people["assessor@demo.test"], people["trainee@demo.test"]
    today = timezone.localdate()
    with transaction.atomic():
        allocations_set(actor=iqa, centre_id=centre.pk, choices={assessor.pk: iqa.pk, trainee.pk: iqa.pk})
        profile_update(actor=iqa, profile=profile_for(centre.pk, assessor.pk), details=ProfileDetails(
            status="newly_qualified", assessor_qualification="Level 3 Certificate in Assessing Vocational Achievement",
            qualified_on=today - timedelta(days=200), occupational_competence="Eight years in customer service roles.",
            cpd_notes="Standardisation on unit 02 in the spring; safeguarding refresher.",
        ))
        profile_for(centre.pk, trainee.pk)  # a trainee: high risk, every first decision sampled
        strategy_approve(actor=iqa, strategy=strategy_draft(actor=iqa, centre_id=centre.pk), signed_name=iqa.full_name)
    _sign_off_unit(enrolment, assessor, DISAGREED_UNIT)
    plan = plan_generate(actor=iqa, centre=centre).plan
    agreed = _sample(plan, enrolment, "02", iqa)
    sample_sign(sample=agreed, actor=iqa, signed_name=iqa.full_name, ip_address=IP, entry=_entry(
        agreed, outcome=checks.AGREE, feedback="Clear, well-referenced decisions: the induction record covers every criterion.",
    ))
    disagreed = _sample(plan, enrolment, DISAGREED_UNIT, iqa)
    sample_sign(sample=disagreed, actor=iqa, signed_name=iqa.full_name, ip_address=IP, entry=_entry(
        disagreed, outcome=checks.DISAGREE, unsafe="sufficient",
        feedback="One account is used for every criterion, and it does not show criterion 1.1 in practice.",
        actions=[ActionDraft("Re-judge criterion 1.1 against further evidence (an observation or a witness "
                             "testimony), or correct the decision.", today + timedelta(days=14))],
    ))
    if not PlanItem.objects.filter(plan=plan, status=PlanItem.Status.PLANNED, stage=Stage.INTERIM).exists():
        plan_item_add(actor=iqa, plan=plan, enrolment=enrolment, unit_number="01", stage=Stage.INTERIM,
                      kind=PlanItem.Reason.MANUAL, reason="Early decisions in the unit: check the assessment planning.")


def _sign_off_unit(enrolment: Enrolment, assessor, number: str) -> None:
    """A piece of evidence covering every criterion of the unit, accepted, signed off and acknowledged."""
    from apps.assessment.services import (
        EvidenceJudgement,
        Judgement,
        evidence_assess,
        unit_sign_off,
        unit_sign_off_acknowledge,
    )
    from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit

    unit = Unit.objects.get(qualification=enrolment.qualification, number=number)
    learner = enrolment.learner
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=EvidenceContent(
        title="Reflective account: handling customer information", evidence_date=timezone.localdate() - timedelta(days=12),
        method="reflective_account", context="real_work",
        text="How I keep customer records accurate and secure, and who I share them with.",
        criteria=list(unit.criteria.all()),
    ))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=learner.full_name, ip_address=IP)
    evidence_assess(evidence=evidence, actor=assessor, signed_name=assessor.full_name, ip_address=IP,
                    judgement=EvidenceJudgement(
                        outcome="accepted", feedback="Every criterion of the unit is covered by your account.",
                        judgements=[Judgement(criterion_id=c.pk, outcome="met") for c in unit.criteria.all()]))
    sign_off = unit_sign_off(enrolment=enrolment, unit=unit, actor=assessor, signed_name=assessor.full_name,
                             comment="All criteria met.", ip_address=IP)
    unit_sign_off_acknowledge(sign_off=sign_off, actor=learner.user, signed_name=learner.full_name, ip_address=IP)


def _sample(plan, enrolment: Enrolment, number: str, iqa) -> Sample:
    """Start the plan's summative sample of the unit, adding it to the plan first when the plan did
    not pick it."""
    item = PlanItem.objects.filter(plan=plan, enrolment=enrolment, unit__number=number, stage=Stage.SUMMATIVE,
                                   status=PlanItem.Status.PLANNED).first()
    if item is None:
        item = plan_item_add(actor=iqa, plan=plan, enrolment=enrolment, unit_number=number, stage=Stage.SUMMATIVE,
                             kind=PlanItem.Reason.MANUAL, reason="Newly signed off: summative check before claim.")
    return sample_start_for_item(actor=iqa, item=item)


def _entry(sample: Sample, *, outcome: str, feedback: str, unsafe: str = "",
           actions: list[ActionDraft] | None = None) -> SampleEntry:
    """Every decision ticked and every check answered yes (the countersignature check does not
    apply: no trainee decided here), except the one found unsafe."""
    def answers(group: tuple[checks.Check, ...]) -> dict:
        found = {}
        for check in group:
            if check.key == unsafe:
                found[check.key] = {"answer": checks.NO, "comment": feedback}
            else:
                found[check.key] = {"answer": checks.NA if check.trainee_only else checks.YES, "comment": ""}
        return found

    return SampleEntry(decision_ids=[d["id"] for d in sample.snapshot["decisions"]], varcs=answers(checks.VARCS),
                       process=answers(checks.PROCESS), outcome=outcome, feedback=feedback, actions=actions or [])
