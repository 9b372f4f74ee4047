"""Who may read and make assessment decisions, countersign them, and sign units off.

Nobody judges their own work: no one assesses, countersigns, signs off or reopens a unit
on an enrolment where they are the learner, nor countersigns a decision they made. These
rules go by person (the account), never by role, so holding several roles changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from apps.centres.access import capability_required, has, has_any, membership_for
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.evidence.access import evidence_get
from apps.evidence.models import Evidence
from apps.learners.access import (
    assesses,
    enrolment_get,
    enrolment_scope,
    is_assigned_assessor,
    is_learner_of,
    is_own_learner,
    may_read_enrolment,
)
from apps.learners.models import Enrolment

from .models import Decision

# Staff who read the assessor's evidence page (read-only unless they assess the learner).
EVIDENCE_READERS = (Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.READ_RECORDS)

assessor_required = capability_required(Cap.ASSESS)

OWN_WORK = "Nobody assesses their own work: another assessor must do this."
NOT_ASSESSOR = "Only an assessor assigned to this learner can do this."
NOT_QUALIFIED = "Trainee assessors cannot do this: ask a qualified assessor."


# --- rules ------------------------------------------------------------------------------------


def may_assess(membership: Membership | None, enrolment: Enrolment) -> bool:
    """An assessor (trainee or qualified) assigned to this learner, who is not the learner."""
    return assesses(membership, enrolment)


def decides_provisionally(membership: Membership | None) -> bool:
    """A trainee's decisions are provisional until a qualified assessor countersigns them."""
    return not has(membership, Cap.SIGN_OFF)


def may_sign_off(membership: Membership | None, enrolment: Enrolment) -> bool:
    """A qualified (not trainee) assessor assigned to this learner."""
    return has(membership, Cap.SIGN_OFF) and may_assess(membership, enrolment)


def may_countersign(membership: Membership | None) -> bool:
    """Qualified assessors of the centre countersign trainees' decisions (the centre-wide queue)."""
    return has(membership, Cap.SIGN_OFF)


def decisions_to_countersign(membership: Membership | None) -> QuerySet[Decision]:
    """Trainees' provisional decisions in the member's centre that they may countersign: not
    countersigned, not corrected, neither their own decisions nor decisions on their own work."""
    if not may_countersign(membership):
        return Decision.objects.none()
    return (
        Decision.objects.filter(
            centre_id=membership.centre_id, provisional=True, countersignature__isnull=True,
            superseded_by__isnull=True,
        )
        .exclude(signed_by_id=membership.user_id)
        .exclude(enrolment__learner__user_id=membership.user_id)
    )


def countersign_refusal(membership: Membership | None, decision: Decision) -> str | None:
    """Why this member may not countersign this decision, or None."""
    if not may_countersign(membership) or membership.centre_id != decision.centre_id:
        return "Only a qualified assessor of the centre countersigns decisions."
    if decision.signed_by_id == membership.user_id:
        return "you cannot countersign your own decision."
    if is_learner_of(membership.user_id, decision.enrolment):
        return "you cannot countersign a decision on your own work."
    return None


def may_reopen(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The learner's qualified assessor, or a centre admin; never the learner themself."""
    if membership is None or membership.centre_id != enrolment.centre_id:
        return False
    if is_learner_of(membership.user_id, enrolment):
        return False
    return has(membership, Cap.MANAGE_CENTRE) or may_sign_off(membership, enrolment)


def may_suspend_sign_off(membership: Membership | None, enrolment: Enrolment) -> bool:
    """An IQA with the learner in scope suspends a unit's sign-off for a quality check; never
    one of the learner's assessors, nor the learner."""
    if not has(membership, Cap.QUALITY_ASSURE) or membership.centre_id != enrolment.centre_id:
        return False
    if is_learner_of(membership.user_id, enrolment) or is_assigned_assessor(membership.user_id, enrolment):
        return False
    return Enrolment.objects.filter(enrolment_scope(membership), pk=enrolment.pk).exists()


def require_suspender(actor: Any, enrolment: Enrolment) -> None:
    if not may_suspend_sign_off(membership_for(actor, enrolment.centre_id), enrolment):
        raise PermissionDenied("Only an internal quality assurer of this learner, who does not assess them, "
                               "suspends a sign-off.")


def may_acknowledge(membership: Membership | None, enrolment: Enrolment) -> bool:
    """Only the learner acknowledges a sign-off of their unit."""
    return is_own_learner(membership, enrolment)


def may_read_evidence_page(membership: Membership | None) -> bool:
    return has_any(membership, *EVIDENCE_READERS)


# --- scoped getters for views -------------------------------------------------------------------


def evidence_get_for_reading(*, membership: Membership | None, pk: int) -> Evidence:
    """The assessor's page of a piece of evidence: 404 outside scope (drafts are the learner's
    alone), 403 for those in scope who do not read it there (its learner)."""
    evidence = evidence_get(membership=membership, pk=pk)
    if not may_read_evidence_page(membership):
        raise PermissionDenied("Your evidence and its feedback are in your portfolio.")
    return evidence


def evidence_get_for_assessing(*, membership: Membership | None, pk: int) -> Evidence:
    evidence = evidence_get_for_reading(membership=membership, pk=pk)
    _require(may_assess(membership, evidence.enrolment), membership, evidence.enrolment)
    return evidence


def enrolment_get_for_tracking(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    if not may_read_enrolment(membership):
        raise PermissionDenied("Your role in this centre does not allow this.")
    return enrolment


def enrolment_get_for_signing_off(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    _require_signer(membership, enrolment)
    return enrolment


def enrolment_get_for_reopening(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    _require_reopener(membership, enrolment)
    return enrolment


def enrolment_get_for_acknowledging(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    if not may_acknowledge(membership, enrolment):
        raise PermissionDenied("Only the learner acknowledges a sign-off of their unit.")
    return enrolment


# --- the same rules, re-checked by the services against the person acting ------------------------


def _require(allowed: bool, membership: Membership | None, enrolment: Enrolment) -> None:
    if allowed:
        return
    if membership is not None and is_learner_of(membership.user_id, enrolment):
        raise PermissionDenied(OWN_WORK)
    raise PermissionDenied(NOT_ASSESSOR)


def _require_signer(membership: Membership | None, enrolment: Enrolment) -> None:
    _require(may_assess(membership, enrolment), membership, enrolment)
    if not may_sign_off(membership, enrolment):
        raise PermissionDenied(NOT_QUALIFIED)


def _require_reopener(membership: Membership | None, enrolment: Enrolment) -> None:
    if not may_reopen(membership, enrolment):
        if membership is not None and is_learner_of(membership.user_id, enrolment):
            raise PermissionDenied(OWN_WORK)
        raise PermissionDenied("Only the learner's qualified assessor or a centre admin reopens a unit.")


def require_assessor(actor: Any, enrolment: Enrolment) -> Membership:
    membership = membership_for(actor, enrolment.centre_id)
    _require(may_assess(membership, enrolment), membership, enrolment)
    return membership  # type: ignore[return-value]


def require_signer(actor: Any, enrolment: Enrolment) -> Membership:
    membership = membership_for(actor, enrolment.centre_id)
    _require_signer(membership, enrolment)
    return membership  # type: ignore[return-value]


def require_reopener(actor: Any, enrolment: Enrolment) -> None:
    _require_reopener(membership_for(actor, enrolment.centre_id), enrolment)


def require_acknowledger(actor: Any, enrolment: Enrolment) -> None:
    if not may_acknowledge(membership_for(actor, enrolment.centre_id), enrolment):
        raise PermissionDenied("Only the learner acknowledges a sign-off of their unit.")


def countersigner_for(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_countersign(membership):
        raise PermissionDenied("Only a qualified assessor of the centre countersigns decisions.")
    return membership  # type: ignore[return-value]
