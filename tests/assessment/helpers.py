"""Building blocks for assessment tests: submitted evidence and the evidence page's form."""

from __future__ import annotations

from apps.evidence.models import Evidence
from apps.evidence.services import evidence_create, evidence_submit
from apps.qualifications.models import AssessmentCriterion, EvidenceRequirement, Unit
from tests.evidence.portfolio_helpers import content


def criterion(enrolment, unit: str, number: str) -> AssessmentCriterion:
    return AssessmentCriterion.objects.get(unit__qualification=enrolment.qualification, unit__number=unit, number=number)


def unit(enrolment, number: str) -> Unit:
    return Unit.objects.get(qualification=enrolment.qualification, number=number)


def submitted(enrolment, learner_user, **overrides) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=learner_user, content=content(**overrides))
    return evidence_submit(evidence=evidence, actor=learner_user, declared_name=enrolment.learner.full_name,
                           ip_address="192.0.2.1")


def assessment_post(*, signer, outcome: str = "accepted", feedback: str = "", judge=None, tick=(), suggestions=None,
                    cover=(), criterion_feedback=None) -> dict:
    """The evidence page's one form: `judge` maps criteria to "met"/"not_yet_met" (mapping them),
    `tick` ticks without judging, `suggestions` confirms or rejects the learner's."""
    data: dict = {"outcome": outcome, "feedback": feedback, "signed_name": signer.full_name if hasattr(signer, "full_name") else signer}
    mapped = [c.pk for c in tick]
    for c, value in (judge or {}).items():
        data[f"judge-{c.pk}"] = value
        if not (suggestions and c in suggestions):
            mapped.append(c.pk)
    for c, text in (criterion_feedback or {}).items():
        data[f"feedback-{c.pk}"] = text
    for c, choice in (suggestions or {}).items():
        data[f"suggestion-{c.pk}"] = choice
    data["map"] = [str(pk) for pk in mapped]
    data["cover"] = [str(r.pk) for r in cover]
    return data


def requirement(unit_obj: Unit, position: int = 0) -> EvidenceRequirement:
    return EvidenceRequirement.objects.filter(unit=unit_obj).order_by("position")[position]


def accept(evidence, assessor_user, *, met=(), not_met=(), cover=(), outcome: str = "accepted", feedback: str = "Good."):
    """Assess through the service (quicker than the page where the page is not under test)."""
    from apps.assessment.services import EvidenceJudgement, Judgement, evidence_assess

    judgements = [Judgement(c.pk, "met") for c in met] + [Judgement(c.pk, "not_yet_met") for c in not_met]
    return evidence_assess(
        evidence=evidence, actor=assessor_user, signed_name=assessor_user.full_name, ip_address="192.0.2.9",
        judgement=EvidenceJudgement(outcome=outcome, feedback=feedback, judgements=judgements,
                                    covered=[r.pk for r in cover]),
    )


def unit_criteria(enrolment, number: str) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification, unit__number=number)
                .order_by("outcome__position", "position"))
