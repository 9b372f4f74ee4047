"""A learner on NCFE 600/1257/2 (39 units, 713 criteria) with about 300 decisions, as the
assessment services write them: the evidence page at a college's scale."""

from __future__ import annotations

from dataclasses import dataclass

from apps.assessment.services import EvidenceJudgement, Judgement, evidence_assess
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment, PlannedUnit
from apps.qualifications.models import AssessmentCriterion, Qualification, Unit
from tests.assessment.helpers import submitted
from tests.evidence.portfolio_helpers import enrolment_with_people

NUMBER = "600/1257/2"
# 29 credits: group A's two mandatory units, three of group B and two of group C (116 criteria).
PLAN = ("01", "02", "03", "04", "06", "24", "25")
# Units outside the plan with a few decisions each (assessors map evidence wherever it fits).
ELSEWHERE = ("33", "35")


@dataclass
class Learner:
    enrolment: Enrolment
    learner: object
    assessor: object
    target: Evidence  # submitted, with three suggestions, waiting for judgement
    decisions: int


def ncfe_learner(centre, *, pieces: int = 30) -> Learner:
    from tests.learners.conftest import load_fixture

    if not Qualification.objects.filter(number=NUMBER, is_current=True).exists():
        load_fixture("600-1257-2.yaml")
    enrolment, learner, assessor, _ = enrolment_with_people(centre, number=NUMBER)
    units = {u.number: u for u in Unit.objects.filter(qualification=enrolment.qualification)}
    PlannedUnit.objects.bulk_create(
        [PlannedUnit(enrolment=enrolment, unit=units[n], source="chosen") for n in PLAN]
    )
    criteria = list(
        AssessmentCriterion.objects.filter(unit__in=[units[n] for n in PLAN])
        .order_by("unit__position", "outcome__position", "position")
    )
    elsewhere = [
        list(AssessmentCriterion.objects.filter(unit=units[n]).order_by("outcome__position", "position"))
        for n in ELSEWHERE
    ]
    decisions = 0
    for i in range(pieces):
        # Each piece judges ten criteria of the plan, wrapping round (each is judged two or
        # three times, by different evidence), a third of them not yet met on first sight.
        chosen = [criteria[(i * 10 + k) % len(criteria)] for k in range(10)]
        judgements = [Judgement(c.pk, "not_yet_met" if (i + k) % 3 == 0 and i < 12 else "met",
                                feedback="Seen on the call recording." if k % 4 == 0 else "")
                      for k, c in enumerate(chosen)]
        if i % 5 == 0:
            k = i // 5
            judgements.append(Judgement(elsewhere[k % len(elsewhere)][k // len(elsewhere)].pk, "met"))
        evidence = submitted(enrolment, learner.user, title=f"Call log {i + 1}: a customer's account query")
        evidence_assess(
            evidence=evidence, actor=assessor.user, signed_name=assessor.user.full_name, ip_address=None,
            judgement=EvidenceJudgement(outcome="accepted", feedback="Clear and complete.", judgements=judgements),
        )
        decisions += len(judgements)
    target = submitted(enrolment, learner.user, title="Escalating a complaint", criteria=criteria[-3:])
    return Learner(enrolment=enrolment, learner=learner, assessor=assessor, target=target, decisions=decisions)
