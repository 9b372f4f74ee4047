"""Writes of assessment: judging evidence, corrections, countersignatures, unit sign-off.

Every record written here is append-only (the database refuses UPDATE and DELETE); a
correction is a new row that supersedes the old one, with a reason. Each service is one
transaction that also writes its audit events and notifications. Each locks the
enrolment's row first, so a sign-off and a judgement on the same learner never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.signatures import check_signature, normalise_name, signature_or_problem  # noqa: F401  (used by views and tests)
from apps.evidence.models import Evidence
from apps.learners.access import is_learner_of
from apps.learners.models import Enrolment
from apps.notifications.services import notify
from apps.qualifications.models import AssessmentCriterion, EvidenceRequirement, Unit
from apps.qualifications.selectors import qualification_tree

from . import access
from . import status as st
from .catalogue import criterion_infos, criterion_label, requirement_infos, requirement_label
from .facts import facts_for
from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    FeedbackRead,
    Mapping,
    RequirementCoverage,
    SignOffAcknowledgement,
    UnitReopening,
    UnitSignOff,
)
from .progress import progress_refresh

# --- the enrolment being assessed -----------------------------------------------------------------


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("learner", "centre", "qualification").get(pk=enrolment.pk)


def _active(enrolment: Enrolment) -> None:
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(
            f"This enrolment is {enrolment.get_status_display().lower()}: its assessment cannot change."
        )


def _criterion_name(criterion: AssessmentCriterion, unit: Unit) -> str:
    return f"Unit {unit.number}, {criterion_label(criterion)}"


def _locked_units(enrolment: Enrolment) -> set[int]:
    """Units signed off (and not reopened): their assessment cannot change."""
    rows = UnitSignOff.objects.filter(enrolment=enrolment).values_list("id", "unit_id", "signed_at", "reopening__id")
    return set(st.active_sign_offs(
        st.SignOffRow(pk, unit, signed_at, reopened=reopening is not None) for pk, unit, signed_at, reopening in rows
    ))


def _locked_message(unit: Unit) -> str:
    return f"Unit {unit.number} is signed off, so its assessment is locked: reopen the unit to change it."


def _refusal(criterion: AssessmentCriterion, context: str) -> str | None:
    unit = criterion.unit
    return st.context_refusal(
        unit_number=unit.number, simulation_allowed=unit.simulation_allowed,
        workplace_evidence_required=unit.workplace_evidence_required,
        outcome_title=criterion.outcome.title, context=context,
    )


def _tell_learner(enrolment: Enrolment, *, actor, subject: str, body: str, url: str) -> None:
    if enrolment.learner.user_id is not None:
        notify(recipients=[enrolment.learner.user], centre=enrolment.centre, subject=subject, body=body, url=url,
               exclude=actor)


# --- judging a piece of evidence ----------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """One criterion the evidence is mapped to, judged met or not yet met."""

    criterion_id: int
    outcome: str
    feedback: str = ""


@dataclass(frozen=True)
class EvidenceJudgement:
    """Everything the assessor decides about a version of evidence in one go."""

    outcome: str  # "accepted" or "referred"
    feedback: str = ""
    judgements: list[Judgement] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)  # learner's suggestions rejected
    covered: list[int] = field(default_factory=list)  # evidence requirements this version covers


def _join(items: list[str]) -> str:
    return st.join(items)


@transaction.atomic
def evidence_assess(
    *, evidence: Evidence, actor, judgement: EvidenceJudgement, signed_name: str, ip_address: str | None
) -> EvidenceAssessment:
    """Map the current version to criteria, judge each, tick evidence requirements, and accept
    the evidence or refer it back to the learner; signed by the assessor.

    A trainee's decisions are recorded provisional. Nothing is written unless everything
    is valid: the ValidationError lists every problem."""
    enrolment = _lock(evidence.enrolment)
    membership = access.require_assessor(actor, enrolment)
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("current").get(pk=evidence.pk)
    version = evidence.current
    if evidence.status != Evidence.Status.SUBMITTED or version is None or version.submitted_at is None:
        raise ValidationError(
            f"This evidence is not waiting for assessment: it is {evidence.get_status_display().lower()}."
        )
    _active(enrolment)
    problems: list[str] = []
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    if judgement.outcome not in EvidenceAssessment.Outcome.values:
        problems.append("Choose whether to accept the evidence or refer it back to the learner.")
    feedback = judgement.feedback.strip()
    if judgement.outcome == EvidenceAssessment.Outcome.REFERRED and not feedback:
        problems.append("Tell the learner what to change: overall feedback is needed when referring evidence back.")

    judged = {j.criterion_id: j for j in judgement.judgements}
    if len(judged) != len(judgement.judgements):
        problems.append("A criterion was judged twice: judge each criterion once.")
    ids = set(judged) | set(judgement.rejected)
    criteria = {
        c.pk: c
        for c in AssessmentCriterion.objects.filter(pk__in=ids, unit__qualification_id=enrolment.qualification_id)
        .select_related("unit", "outcome")
    }
    requirements = {
        r.pk: r
        for r in EvidenceRequirement.objects.filter(
            pk__in=set(judgement.covered), unit__qualification_id=enrolment.qualification_id
        ).select_related("unit")
    }
    if ids - set(criteria) or set(judgement.covered) - set(requirements):
        problems.append("Some criteria or requirements are not part of this learner's qualification.")
    suggested = set(version.suggested_criteria.values_list("pk", flat=True))
    locked = _locked_units(enrolment)

    for cid, j in judged.items():
        c = criteria.get(cid)
        if c is None:
            continue
        name = _criterion_name(c, c.unit)
        if j.outcome not in Decision.Outcome.values:
            problems.append(f"{name}: choose met or not yet met.")
        elif j.outcome == Decision.Outcome.MET and (reason := _refusal(c, version.context)):
            problems.append(f"{name}: {reason}")
    for unit in sorted({criteria[c].unit for c in ids if c in criteria and criteria[c].unit_id in locked}
                       | {r.unit for r in requirements.values() if r.unit_id in locked}, key=lambda u: u.position):
        problems.append(_locked_message(unit))
    both = set(judged) & set(judgement.rejected)
    for cid in sorted(both, key=lambda c: (criteria[c].unit.position, criteria[c].position) if c in criteria else (0, 0)):
        if cid in criteria:
            problems.append(f"{_criterion_name(criteria[cid], criteria[cid].unit)}: confirm it or reject it, not both.")
    if set(judgement.rejected) - suggested:
        problems.append("Only the learner's suggestions can be rejected.")
    if judgement.outcome == EvidenceAssessment.Outcome.ACCEPTED:
        undecided = suggested - set(judged) - set(judgement.rejected)
        undecided_rows = AssessmentCriterion.objects.filter(pk__in=undecided).select_related("unit").order_by(
            "unit__position", "outcome__position", "position"
        )
        names = [_criterion_name(c, c.unit) for c in undecided_rows if c.unit_id not in locked]
        if names:
            problems.append(f"Confirm or reject each of the learner's suggestions before accepting: {_join(names)}.")
        if not judged and not requirements:
            problems.append("Map and judge at least one criterion to accept the evidence, or refer it back to the learner.")
    if problems:
        raise ValidationError(problems)

    now = timezone.now()
    signature = dict(signed_by=actor, signed_name=signed_name, signed_at=now, signed_ip=ip_address)
    provisional = access.decides_provisionally(membership)
    centre = enrolment.centre
    mappings = Mapping.objects.bulk_create(
        [Mapping(centre=centre, enrolment=enrolment, version=version, criterion_id=cid, verdict=Mapping.Verdict.MAPPED,
                 **signature)
         for cid in judged]
        + [Mapping(centre=centre, enrolment=enrolment, version=version, criterion_id=cid,
                   verdict=Mapping.Verdict.REJECTED, **signature)
           for cid in judgement.rejected]
    )
    decisions = Decision.objects.bulk_create(
        [
            Decision(centre=centre, enrolment=enrolment, version=version, criterion_id=cid, outcome=j.outcome,
                     feedback=j.feedback.strip(), provisional=provisional, **signature)
            for cid, j in judged.items()
        ]
    )
    coverage = RequirementCoverage.objects.bulk_create(
        [RequirementCoverage(centre=centre, enrolment=enrolment, version=version, requirement_id=rid, covered=True,
                             **signature) for rid in dict.fromkeys(judgement.covered)]
    )
    assessment = EvidenceAssessment.objects.create(
        centre=centre, enrolment=enrolment, version=version, outcome=judgement.outcome, feedback=feedback, **signature
    )
    evidence.status = (
        Evidence.Status.ACCEPTED if judgement.outcome == EvidenceAssessment.Outcome.ACCEPTED else Evidence.Status.REFERRED
    )
    evidence.save(update_fields=["status"])

    def label(cid: int) -> str:
        return _criterion_name(criteria[cid], criteria[cid].unit)

    if mappings:
        audit_record(
            action="assessment.mappings_recorded", actor=actor, centre=centre, obj=evidence, ip_address=ip_address,
            payload={"version": version.number, "mapped": [label(c) for c in judged],
                     "rejected": [label(c) for c in judgement.rejected]},
        )
    for d in decisions:
        audit_record(
            action="assessment.decision_recorded", actor=actor, centre=centre, obj=d, ip_address=ip_address,
            payload={"evidence": evidence.pk, "version": version.number, "criterion": label(d.criterion_id),
                     "outcome": d.outcome, "provisional": d.provisional, "signed_name": signed_name},
        )
    if coverage:
        audit_record(
            action="assessment.requirements_covered", actor=actor, centre=centre, obj=evidence, ip_address=ip_address,
            payload={"version": version.number,
                     "requirements": [f"Unit {requirements[c.requirement_id].unit.number}, "
                                      f"{requirement_label(requirements[c.requirement_id])}" for c in coverage]},
        )
    audit_record(
        action=f"assessment.evidence_{judgement.outcome}", actor=actor, centre=centre, obj=evidence,
        ip_address=ip_address,
        payload={"version": version.number, "assessment": assessment.pk, "decisions": len(decisions),
                 "provisional": provisional, "signed_name": signed_name},
    )
    title = version.title
    if judgement.outcome == EvidenceAssessment.Outcome.ACCEPTED:
        met = sum(1 for d in decisions if d.outcome == Decision.Outcome.MET)
        subject, body = (
            f"“{title}” has been assessed",
            f"Your assessor accepted “{title}” and judged {met} of {len(decisions)} criteria met."
            + (f"\n\n{feedback}" if feedback else ""),
        )
    else:
        subject, body = (
            f"“{title}” has been referred back to you",
            f"Your assessor referred “{title}” back to you. Change it and submit it again.\n\n{feedback}",
        )
    _tell_learner(enrolment, actor=actor, subject=subject, body=body, url=reverse("evidence_detail", args=[evidence.pk]))
    progress_refresh([enrolment.pk])
    return assessment


# --- corrections -----------------------------------------------------------------------------------


@transaction.atomic
def decision_correct(
    *, decision: Decision, actor, outcome: str, feedback: str, reason: str, signed_name: str, ip_address: str | None
) -> Decision:
    """Replace a decision with a new one that points at it, with the reason. The old decision
    stays as it was."""
    enrolment = _lock(decision.enrolment)
    membership = access.require_assessor(actor, enrolment)
    decision = Decision.objects.select_for_update().select_related(
        "criterion__unit", "criterion__outcome", "version"
    ).get(pk=decision.pk)
    _active(enrolment)
    problems = []
    if Decision.objects.filter(supersedes=decision).exists():
        problems.append("This decision has already been corrected: correct the latest decision instead.")
    if not reason.strip():
        problems.append("Give the reason for the correction: it is kept with the decision for quality assurance.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    criterion = decision.criterion
    name = _criterion_name(criterion, criterion.unit)
    if outcome not in Decision.Outcome.values:
        problems.append(f"{name}: choose met or not yet met.")
    elif outcome == Decision.Outcome.MET and (refusal := _refusal(criterion, decision.version.context)):
        problems.append(f"{name}: {refusal}")
    if criterion.unit_id in _locked_units(enrolment):
        problems.append(_locked_message(criterion.unit))
    if problems:
        raise ValidationError(problems)
    new = Decision.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version=decision.version, criterion=criterion, outcome=outcome,
        feedback=feedback.strip(), provisional=access.decides_provisionally(membership), supersedes=decision,
        reason=reason.strip(), signed_by=actor, signed_name=signed_name, signed_at=timezone.now(), signed_ip=ip_address,
    )
    audit_record(
        action="assessment.decision_corrected", actor=actor, centre=enrolment.centre, obj=new, ip_address=ip_address,
        payload={"supersedes": decision.pk, "criterion": name, "from": decision.outcome, "to": outcome,
                 "reason": new.reason, "provisional": new.provisional, "signed_name": signed_name},
    )
    _tell_learner(
        enrolment, actor=actor, subject=f"A decision on “{decision.version.title}” was corrected",
        body=f"{name} is now judged {new.get_outcome_display().lower()}. Reason: {new.reason}",
        url=reverse("evidence_detail", args=[decision.version.evidence_id]),
    )
    progress_refresh([enrolment.pk])
    return new


@transaction.atomic
def requirement_coverage_withdraw(
    *, coverage: RequirementCoverage, actor, reason: str, signed_name: str, ip_address: str | None
) -> RequirementCoverage:
    """Take back a tick against an evidence requirement (a new row, covered=False, with the reason)."""
    enrolment = _lock(coverage.enrolment)
    access.require_assessor(actor, enrolment)
    coverage = RequirementCoverage.objects.select_related("requirement__unit").get(pk=coverage.pk)
    _active(enrolment)
    problems = []
    if RequirementCoverage.objects.filter(supersedes=coverage).exists() or not coverage.covered:
        problems.append("This tick has already been withdrawn.")
    if not reason.strip():
        problems.append("Give the reason for withdrawing the tick.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    unit = coverage.requirement.unit
    if unit.pk in _locked_units(enrolment):
        problems.append(_locked_message(unit))
    if problems:
        raise ValidationError(problems)
    new = RequirementCoverage.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version_id=coverage.version_id, requirement=coverage.requirement,
        covered=False, supersedes=coverage, reason=reason.strip(), signed_by=actor, signed_name=signed_name,
        signed_at=timezone.now(), signed_ip=ip_address,
    )
    audit_record(
        action="assessment.requirement_coverage_withdrawn", actor=actor, centre=enrolment.centre, obj=new,
        ip_address=ip_address,
        payload={"supersedes": coverage.pk, "unit": unit.number,
                 "requirement": requirement_label(coverage.requirement), "reason": new.reason},
    )
    progress_refresh([enrolment.pk])
    return new


# --- countersignatures ------------------------------------------------------------------------------


@transaction.atomic
def decisions_countersign(
    *, decisions: Iterable[Decision], actor, signed_name: str, ip_address: str | None
) -> list[Countersignature]:
    """A qualified assessor of the centre confirms trainees' provisional decisions; from now
    on they count."""
    ids = sorted({d.pk for d in decisions})
    if not ids:
        raise ValidationError("Choose at least one decision to countersign.")
    rows = list(
        Decision.objects.select_for_update(of=("self",)).filter(pk__in=ids)
        .select_related("criterion__unit", "centre", "enrolment__learner").order_by("pk")
    )
    centres = {d.centre_id for d in rows}
    if len(rows) != len(ids) or len(centres) != 1:
        raise ValidationError("Some of these decisions could not be found.")
    membership = access.countersigner_for(actor, centres.pop())
    problems = []
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    signed = set(Countersignature.objects.filter(decision_id__in=ids).values_list("decision_id", flat=True))
    corrected = set(Decision.objects.filter(supersedes_id__in=ids).values_list("supersedes_id", flat=True))
    for d in rows:
        name = _criterion_name(d.criterion, d.criterion.unit)
        if not d.provisional:
            problems.append(f"{name}: this decision is not provisional, so it needs no countersignature.")
        elif d.pk in signed:
            problems.append(f"{name}: this decision has already been countersigned.")
        elif d.pk in corrected:
            problems.append(f"{name}: this decision has been corrected; countersign the correction instead.")
        elif refusal := access.countersign_refusal(membership, d):
            problems.append(f"{name}: {refusal}")
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    created = Countersignature.objects.bulk_create(
        [Countersignature(decision=d, signed_by=actor, signed_name=signed_name, signed_at=now, signed_ip=ip_address)
         for d in rows]
    )
    for d, c in zip(rows, created, strict=True):
        audit_record(
            action="assessment.decision_countersigned", actor=actor, centre=d.centre, obj=d, ip_address=ip_address,
            payload={"countersignature": c.pk, "criterion": _criterion_name(d.criterion, d.criterion.unit),
                     "outcome": d.outcome, "trainee": d.signed_name, "signed_name": signed_name},
        )
    progress_refresh({d.enrolment_id for d in rows})
    return created


# --- units ---------------------------------------------------------------------------------------------


def unit_readiness(enrolment: Enrolment, unit: Unit) -> st.Readiness:
    tree = qualification_tree(enrolment.qualification_id, unit_ids=[unit.pk])[0]
    facts = facts_for([enrolment.pk])[enrolment.pk]
    return st.unit_readiness(
        criterion_infos(tree), requirement_infos(tree), st.criterion_statuses(facts), st.covered_requirements(facts)
    )


@transaction.atomic
def unit_sign_off(
    *, enrolment: Enrolment, unit: Unit, actor, signed_name: str, comment: str = "", ip_address: str | None
) -> UnitSignOff:
    """A qualified assessor signs a unit off as achieved: every criterion met and every evidence
    requirement covered. The unit is locked from now on; the learner is asked to acknowledge it."""
    enrolment = _lock(enrolment)
    access.require_signer(actor, enrolment)
    _active(enrolment)
    if unit.qualification_id != enrolment.qualification_id:
        raise ValidationError("This unit is not part of this learner's qualification.")
    if unit.pk in _locked_units(enrolment):
        raise ValidationError(f"Unit {unit.number} is already signed off.")
    problems = []
    readiness = unit_readiness(enrolment, unit)
    if not readiness.ready:
        problems.append(f"Unit {unit.number} cannot be signed off yet: {'; '.join(readiness.problems())}.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    if problems:
        raise ValidationError(problems)
    sign_off = UnitSignOff.objects.create(
        centre=enrolment.centre, enrolment=enrolment, unit=unit, comment=comment.strip(), signed_by=actor,
        signed_name=signed_name, signed_at=timezone.now(), signed_ip=ip_address,
    )
    audit_record(
        action="assessment.unit_signed_off", actor=actor, centre=enrolment.centre, obj=sign_off, ip_address=ip_address,
        payload={"enrolment": enrolment.pk, "unit": unit.number, "urn": unit.urn, "signed_name": signed_name},
    )
    _tell_learner(
        enrolment, actor=actor, subject=f"Unit {unit.number} has been signed off",
        body=f"Your assessor signed off unit {unit.number} {unit.title}. Open it to acknowledge the sign-off.",
        url=reverse("assessment_unit", args=[enrolment.pk, unit.number]),
    )
    progress_refresh([enrolment.pk])
    return sign_off


@transaction.atomic
def unit_sign_off_acknowledge(
    *, sign_off: UnitSignOff, actor, signed_name: str, ip_address: str | None
) -> SignOffAcknowledgement:
    """The learner acknowledges their unit's sign-off, signing with their name."""
    enrolment = _lock(sign_off.enrolment)
    access.require_acknowledger(actor, enrolment)
    sign_off = UnitSignOff.objects.select_related("unit").get(pk=sign_off.pk)
    if UnitReopening.objects.filter(sign_off=sign_off).exists():
        raise ValidationError("This sign-off has been reopened: there is nothing to acknowledge.")
    if SignOffAcknowledgement.objects.filter(sign_off=sign_off).exists():
        raise ValidationError("You have already acknowledged this sign-off.")
    signed_name = check_signature(signed_name, enrolment.learner.full_name)
    ack = SignOffAcknowledgement.objects.create(
        sign_off=sign_off, signed_by=actor, signed_name=signed_name, signed_at=timezone.now(), signed_ip=ip_address
    )
    audit_record(
        action="assessment.sign_off_acknowledged", actor=actor, centre=enrolment.centre, obj=sign_off,
        ip_address=ip_address, payload={"unit": sign_off.unit.number, "signed_name": signed_name},
    )
    notify(
        recipients=[sign_off.signed_by], centre=enrolment.centre, exclude=actor,
        subject=f"{enrolment.learner.full_name} acknowledged unit {sign_off.unit.number}",
        url=reverse("assessment_unit", args=[enrolment.pk, sign_off.unit.number]),
    )
    progress_refresh([enrolment.pk])
    return ack


@transaction.atomic
def unit_reopen(*, sign_off: UnitSignOff, actor, reason: str, signed_name: str, ip_address: str | None) -> UnitReopening:
    """Undo a sign-off so the unit can be assessed again. Needs a reason; the sign-off stays
    on record with its reopening."""
    enrolment = _lock(sign_off.enrolment)
    access.require_reopener(actor, enrolment)
    sign_off = UnitSignOff.objects.select_related("unit").get(pk=sign_off.pk)
    problems = []
    if UnitReopening.objects.filter(sign_off=sign_off).exists():
        problems.append(f"Unit {sign_off.unit.number} has already been reopened.")
    if not reason.strip():
        problems.append("Give the reason for reopening the unit: it is kept with the sign-off.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    if problems:
        raise ValidationError(problems)
    unit = sign_off.unit
    return _reopening_record(
        sign_off, enrolment, actor=actor, reason=reason.strip(), signed_name=signed_name, ip_address=ip_address,
        action="assessment.unit_reopened", subject=f"Unit {unit.number} has been reopened",
        body=f"Unit {unit.number} {unit.title} is open for assessment again. Reason: {reason.strip()}",
    )


def _reopening_record(
    sign_off: UnitSignOff, enrolment: Enrolment, *, actor, reason: str, signed_name: str, ip_address: str | None,
    action: str, subject: str, body: str,
) -> UnitReopening:
    """The reopening, its audit event, the learner told and the progress summary refreshed:
    what reopening and suspending a sign-off share."""
    unit = sign_off.unit
    reopening = UnitReopening.objects.create(
        sign_off=sign_off, reason=reason, signed_by=actor, signed_name=signed_name, signed_at=timezone.now(),
        signed_ip=ip_address,
    )
    audit_record(
        action=action, actor=actor, centre=enrolment.centre, obj=sign_off, ip_address=ip_address,
        payload={"unit": unit.number, "enrolment": enrolment.pk, "reason": reason, "signed_name": signed_name},
    )
    _tell_learner(enrolment, actor=actor, subject=subject, body=body,
                  url=reverse("assessment_unit", args=[enrolment.pk, unit.number]))
    progress_refresh([enrolment.pk])
    return reopening


@transaction.atomic
def unit_sign_off_suspend(
    *, enrolment: Enrolment, unit: Unit, actor, signed_name: str, ip_address: str | None
) -> UnitReopening | None:
    """An IQA who disagrees with the decisions behind a signed-off unit suspends its sign-off:
    a reopening signed by the IQA, in words that blame no one, so the assessor can correct the
    decisions and sign the unit off again. None when the unit is not signed off (nothing to
    suspend). The caller (apps/iqa) has checked the signature and writes its own audit event of
    the sample; this writes the sign-off's."""
    enrolment = _lock(enrolment)
    access.require_suspender(actor, enrolment)
    sign_off = (
        UnitSignOff.objects.select_related("unit").filter(enrolment=enrolment, unit=unit, reopening__isnull=True)
        .order_by("-signed_at", "-id").first()
    )
    if sign_off is None or unit.pk not in _locked_units(enrolment):
        return None
    if sign_off.signed_by_id == actor.pk:
        raise PermissionDenied("Nobody suspends their own sign-off.")
    return _reopening_record(
        sign_off, enrolment, actor=actor, reason=st.SUSPENSION_REASON,
        signed_name=check_signature(signed_name, actor.full_name), ip_address=ip_address,
        action="iqa.sign_off_suspended", subject=f"Unit {unit.number}: sign-off suspended for a quality check",
        body=f"Unit {unit.number} {unit.title}: {st.SUSPENSION_REASON}. You do not need to do anything.",
    )


# --- feedback read -----------------------------------------------------------------------------------------


@transaction.atomic
def feedback_mark_read(*, evidence: Evidence, actor) -> int:
    """The learner has seen the feedback on this evidence: record it for each assessment not yet read.
    Only the learner's own reading counts; anyone else's is ignored."""
    if not is_learner_of(actor.pk, evidence.enrolment):
        return 0
    unread = EvidenceAssessment.objects.filter(version__evidence=evidence, read__isnull=True).values_list("pk", flat=True)
    rows = FeedbackRead.objects.bulk_create(
        [FeedbackRead(assessment_id=pk, read_by=actor) for pk in unread], ignore_conflicts=True
    )
    return len(rows)

