"""Who may do what in external quality assurance. Views and services both ask here.

- Centre admins grant an EQA access (qualifications, optionally named learners, start and end
  dates), end it early, and read who looked at what, when.
- The EQA works only inside their open grants: asks for samples, builds and downloads the EQA
  pack, records outcomes and actions, closes actions, signs off claims without Direct Claims
  Status. Everything else they read and never change.
- The centre's side of the visit (admins and the lead IQA) sees the requests, outcomes and
  actions, and answers the actions.

Outside a member's scope a record is a 404; in scope without the right to act, a 403. A grant
that has ended (or not started) is out of the EQA's scope, so its records are 404s to them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.access import has, has_any
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.learners.access import grants_of, open_grants
from apps.learners.models import ExternalAccess

from .models import AccessLog, CentreAction, Pack, SampleRequest, VisitOutcome

NOT_ADMIN = "Only the centre's admins grant and end EQA access."
NOT_EQA = "Only the external quality assurer does this, while their access is open."
NOT_CENTRE = "Only the centre's admins and its lead internal quality assurer answer the EQA."


# --- who is who --------------------------------------------------------------------------------


def works_as_eqa(membership: Membership | None) -> bool:
    return has(membership, Cap.EXTERNAL_QUALITY_ASSURE)


def may_grant(membership: Membership | None) -> bool:
    return has(membership, Cap.MANAGE_CENTRE)


def is_centre_side(membership: Membership | None) -> bool:
    """The people who host the visit: admins and the lead IQA."""
    return has_any(membership, Cap.MANAGE_CENTRE, Cap.LEAD_QUALITY_ASSURE)


def may_read_access_log(membership: Membership | None) -> bool:
    return has_any(membership, Cap.MANAGE_CENTRE, Cap.VIEW_AUDIT)


def require_granter(membership: Membership | None) -> Membership:
    if not may_grant(membership):
        raise PermissionDenied(NOT_ADMIN)
    assert membership is not None
    return membership


def require_centre_side(membership: Membership | None) -> Membership:
    if not is_centre_side(membership):
        raise PermissionDenied(NOT_CENTRE)
    assert membership is not None
    return membership


# --- grants --------------------------------------------------------------------------------------


def grants_in_scope(membership: Membership | None) -> QuerySet[ExternalAccess]:
    """The centre side (admins, and the lead IQA read-only): all of the centre's grants, in any
    state. An EQA: their own open grants only."""
    return _grants_scoping(membership)


def grant_get(membership: Membership | None, pk: int) -> ExternalAccess:
    return get_object_or_404(grants_in_scope(membership), pk=pk)


def grant_get_for_eqa(membership: Membership | None, pk: int) -> ExternalAccess:
    """One of the EQA's own open grants, to act under (a 404 for anyone else, or once it ends)."""
    return get_object_or_404(open_grants(membership), pk=pk)


def eqa_grants_ever(membership: Membership | None) -> QuerySet[ExternalAccess]:
    """The EQA's grants in any state: only to tell them when their access starts or ended."""
    return grants_of(membership) if works_as_eqa(membership) else ExternalAccess.objects.none()


# --- the visit's records -------------------------------------------------------------------------


def _grants_scoping(membership: Membership | None) -> QuerySet[ExternalAccess]:
    """The grants whose visit records the member reads: the centre side reads all of the centre's,
    the EQA those of their open grants."""
    if is_centre_side(membership):
        assert membership is not None
        return ExternalAccess.objects.filter(centre_id=membership.centre_id)
    return open_grants(membership)


def requests_in_scope(membership: Membership | None) -> QuerySet[SampleRequest]:
    return SampleRequest.objects.filter(grant__in=_grants_scoping(membership))


def request_get(membership: Membership | None, pk: int) -> SampleRequest:
    return get_object_or_404(requests_in_scope(membership).select_related("grant"), pk=pk)


def packs_in_scope(membership: Membership | None) -> QuerySet[Pack]:
    """Packs are the EQA's: they build and download them; the centre sees that they were built."""
    return Pack.objects.filter(grant__in=_grants_scoping(membership))


def pack_get(membership: Membership | None, pk: int) -> Pack:
    return get_object_or_404(packs_in_scope(membership), pk=pk)


def outcomes_in_scope(membership: Membership | None) -> QuerySet[VisitOutcome]:
    return VisitOutcome.objects.filter(grant__in=_grants_scoping(membership))


def outcome_get(membership: Membership | None, pk: int) -> VisitOutcome:
    return get_object_or_404(outcomes_in_scope(membership).select_related("grant", "qualification"), pk=pk)


def actions_in_scope(membership: Membership | None) -> QuerySet[CentreAction]:
    """The centre side sees every EQA action of the centre; an EQA those set under their open
    grants, and the earlier actions of the same qualifications (the previous visit's, to check
    their closure)."""
    if is_centre_side(membership):
        assert membership is not None
        return CentreAction.objects.filter(centre_id=membership.centre_id)
    grants = open_grants(membership)
    return CentreAction.objects.filter(
        centre_id=membership.centre_id if membership is not None else None,
        outcome__qualification__in=grants.values("qualifications"),
    )


def action_get(membership: Membership | None, pk: int) -> CentreAction:
    return get_object_or_404(actions_in_scope(membership).select_related("outcome__grant"), pk=pk)


def may_act_as_eqa(membership: Membership | None, grant: ExternalAccess) -> bool:
    """The EQA acts (requests, packs, outcomes, closing actions) under their own open grant."""
    return works_as_eqa(membership) and open_grants(membership).filter(pk=grant.pk).exists()


def require_eqa_of(membership: Membership | None, grant: ExternalAccess) -> Membership:
    if not may_act_as_eqa(membership, grant):
        raise PermissionDenied(NOT_EQA)
    assert membership is not None
    return membership


def may_respond(membership: Membership | None, action: CentreAction) -> bool:
    return is_centre_side(membership) and action.status != CentreAction.Status.CLOSED


def is_closer(membership: Membership | None, action: CentreAction) -> bool:
    """The EQA whose open grants cover the action's qualification: who closes it once answered
    (and is told "not yet" before, rather than refused)."""
    return (
        works_as_eqa(membership)
        and open_grants(membership).filter(qualifications=action.outcome.qualification_id).exists()
    )


def may_close(membership: Membership | None, action: CentreAction) -> bool:
    """The EQA closes an action under one of their open grants, once the centre has answered."""
    return action.status == CentreAction.Status.RESPONDED and is_closer(membership, action)


def may_read_visit(membership: Membership | None) -> bool:
    """The visit's records are read by the centre side and by EQAs (their scope decides which)."""
    return is_centre_side(membership) or works_as_eqa(membership)


def access_log_in_scope(membership: Membership | None) -> QuerySet[AccessLog]:
    if not may_read_access_log(membership):
        return AccessLog.objects.none()
    assert membership is not None
    return AccessLog.objects.filter(centre_id=membership.centre_id)
