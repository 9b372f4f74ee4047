"""Who may see and change learners, enrolments and unit plans.

An enrolment is in a member's scope when they may see it at all: every enrolment of the
centre for those who see all learners (admins, the lead IQA), the enrolments assigned
to them for assessors, those assigned to them or to the assessors allocated to them for IQAs,
for an external quality assurer those the centre's open grants name (`external_scope`), their
own for a learner; a person with several roles sees the union.
Outside that scope an enrolment is a 404; in scope without the capability, a 403.

Who someone is to an enrolment is decided by person (the account), never by role: a person
who is both a learner and an assessor is still the learner of their own enrolment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.centres.access import has, membership_for, require
from apps.centres.models import IQAAllocation, Membership
from apps.centres.roles import Cap

from .models import Enrolment, ExternalAccess, Learner, LearnerImport

# Anyone with a working role in scope reads an enrolment's plan and tracking.
ENROLMENT_READERS = (Cap.OWN_PORTFOLIO, Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.MANAGE_CENTRE, Cap.READ_RECORDS)


# --- scope ------------------------------------------------------------------------------------


def enrolment_scope(membership: Membership | None) -> Q:
    """The condition an enrolment must meet for this member to see it (nothing if none)."""
    if membership is None:
        return Q(pk__in=[])
    caps = membership.capabilities()
    centre = Q(centre_id=membership.centre_id)
    if Cap.SEE_ALL_LEARNERS in caps or Cap.LEAD_QUALITY_ASSURE in caps:
        return centre
    scope = Q(pk__in=[])
    if Cap.ASSESS in caps:
        scope |= Q(assessors=membership.user_id)
    if Cap.QUALITY_ASSURE in caps:
        scope |= quality_assured(membership)
    if Cap.OWN_PORTFOLIO in caps:
        scope |= Q(learner__user=membership.user_id)
    if Cap.EXTERNAL_QUALITY_ASSURE in caps:
        scope |= external_scope(membership)
    return centre & scope


# --- external quality assurers ------------------------------------------------------------------


def grants_of(membership: Membership | None) -> QuerySet[ExternalAccess]:
    """Every grant of this centre naming the member as EQA (by account, or by the invitation
    they accepted), in any state."""
    if membership is None:
        return ExternalAccess.objects.none()
    return ExternalAccess.objects.filter(centre_id=membership.centre_id).filter(
        Q(user_id=membership.user_id) | Q(invitation__accepted_by_id=membership.user_id)
    )


def open_grants(membership: Membership | None, today: date | None = None) -> QuerySet[ExternalAccess]:
    """The member's grants running today: started, not past their end, not ended early. Only an
    active EQA role has any (a deactivated member or a lapsed role has none)."""
    if not has(membership, Cap.EXTERNAL_QUALITY_ASSURE):
        return ExternalAccess.objects.none()
    today = today or timezone.localdate()
    return grants_of(membership).filter(starts_on__lte=today, ends_on__gte=today, ended_at__isnull=True)


def _covering(grants: QuerySet[ExternalAccess]) -> Exists:
    """Whether one of these grants covers the enrolment in hand: one of its qualifications and,
    where it names learners, one of them. Each grant on its own terms, so two never combine."""
    return Exists(
        grants.filter(qualifications=OuterRef("qualification_id")).filter(
            Q(learners__isnull=True) | Q(learners=OuterRef("learner_id"))
        )
    )


def external_scope(membership: Membership, today: date | None = None) -> Q:
    """The enrolments an EQA's open grants cover."""
    return Q(_covering(open_grants(membership, today)))


def external_enrolments(membership: Membership) -> QuerySet[Enrolment]:
    """The enrolments an EQA's open grants cover, whatever other roles they hold (what other apps
    scope an EQA's reads by)."""
    return Enrolment.objects.filter(external_scope(membership), centre_id=membership.centre_id)


def grant_enrolments(grant: ExternalAccess) -> QuerySet[Enrolment]:
    """The enrolments one grant covers, whatever its dates (the pack and the visit pages ask
    about one grant; `external_scope` asks about all that are open)."""
    return Enrolment.objects.filter(centre_id=grant.centre_id).filter(
        _covering(ExternalAccess.objects.filter(pk=grant.pk))
    )


def external_qualification_ids(membership: Membership | None, today: date | None = None) -> set[int]:
    """The qualifications an EQA's open grants cover (none for anyone else)."""
    return set(open_grants(membership, today).values_list("qualifications", flat=True)) - {None}


def quality_assured(membership: Membership) -> Q:
    """The enrolments an IQA quality-assures (whatever other roles they hold): those naming them
    as IQA, and every enrolment of the assessors the lead IQA allocated to them."""
    allocated = IQAAllocation.objects.filter(centre_id=membership.centre_id, iqa_id=membership.user_id)
    return Q(centre_id=membership.centre_id) & (Q(iqa=membership.user_id) | Q(assessors__in=allocated.values("assessor_id")))


def enrolments_visible(*, membership: Membership | None) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(enrolment_scope(membership)).distinct()


def enrolment_get(*, membership: Membership | None, pk: int) -> Enrolment:
    """One enrolment the member may see; anything else (another centre's included) is a 404."""
    return get_object_or_404(enrolments_visible(membership=membership).select_related("learner", "qualification"), pk=pk)


def own_enrolments(membership: Membership | None) -> QuerySet[Enrolment]:
    """The member's own enrolments in this centre, as a learner (none for anyone else)."""
    if not has(membership, Cap.OWN_PORTFOLIO):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(centre_id=membership.centre_id, learner__user_id=membership.user_id)


def enrolments_assessed_by(membership: Membership | None) -> QuerySet[Enrolment]:
    """The enrolments this member assesses: assigned to them, never their own."""
    if not has(membership, Cap.ASSESS):
        return Enrolment.objects.none()
    return (
        enrolments_visible(membership=membership)
        .filter(assessors=membership.user_id)
        .exclude(learner__user_id=membership.user_id)
    )


def learners_visible(*, membership: Membership | None) -> QuerySet[Learner]:
    if membership is None:
        return Learner.objects.none()
    if has(membership, Cap.SEE_ALL_LEARNERS):
        return Learner.objects.filter(centre_id=membership.centre_id)
    return Learner.objects.filter(
        centre_id=membership.centre_id, pk__in=enrolments_visible(membership=membership).values("learner_id")
    ) | Learner.objects.filter(centre_id=membership.centre_id, user_id=membership.user_id)


# --- who someone is to an enrolment (by person) -----------------------------------------------


def is_learner_of(user_id: int | None, enrolment: Enrolment) -> bool:
    """The person whose enrolment it is, whatever else they are."""
    return user_id is not None and enrolment.learner.user_id == user_id


def is_own_learner(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The member is this enrolment's learner, working as a learner."""
    return has(membership, Cap.OWN_PORTFOLIO) and is_learner_of(membership.user_id, enrolment)


def assessor_ids(enrolment: Enrolment) -> frozenset[int]:
    """The enrolment's assigned assessors, read once per object (pages ask several times)."""
    cached = getattr(enrolment, "_assessor_ids", None)
    if cached is None:
        cached = frozenset(enrolment.assessors.values_list("pk", flat=True))
        enrolment._assessor_ids = cached
    return cached


def is_assigned_assessor(user_id: int | None, enrolment: Enrolment) -> bool:
    return user_id is not None and user_id in assessor_ids(enrolment)


def assesses(membership: Membership | None, enrolment: Enrolment) -> bool:
    """An assessor assigned to this enrolment who is not its learner: nobody assesses, records
    or judges their own work, whatever roles they hold."""
    return (
        has(membership, Cap.ASSESS)
        and membership.centre_id == enrolment.centre_id
        and not is_learner_of(membership.user_id, enrolment)
        and is_assigned_assessor(membership.user_id, enrolment)
    )


def may_read_enrolment(membership: Membership | None) -> bool:
    return membership is not None and bool(membership.capabilities() & set(ENROLMENT_READERS))


# --- centre admins' pages ---------------------------------------------------------------------


def may_manage_learners(membership: Membership | None) -> bool:
    return has(membership, Cap.MANAGE_CENTRE)


def learner_get_for_managing(*, membership: Membership | None, pk: int) -> Learner:
    """A learner record of the admin's centre; for anyone else (and another centre's) a 404."""
    if not may_manage_learners(membership):
        raise Http404("No such learner.")
    return get_object_or_404(Learner.objects.select_related("centre", "user"), centre_id=membership.centre_id, pk=pk)


def enrolment_get_for_managing(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    require(membership, Cap.MANAGE_CENTRE, "Only centre admins change enrolments.")
    return enrolment


def learner_import_get(*, membership: Membership | None, pk: int) -> LearnerImport:
    if not may_manage_learners(membership):
        raise Http404("No such import.")
    return get_object_or_404(LearnerImport.objects.select_related("centre"), centre_id=membership.centre_id, pk=pk)


# --- unit plans -------------------------------------------------------------------------------


def may_change_plan(membership: Membership | None, enrolment: Enrolment) -> bool:
    """Centre admins, and the learner whose plan it is."""
    return has(membership, Cap.MANAGE_CENTRE) or is_own_learner(membership, enrolment)


def require_plan_changer(actor: Any, enrolment: Enrolment) -> None:
    if not may_change_plan(membership_for(actor, enrolment.centre_id), enrolment):
        raise PermissionDenied("Only the learner and centre admins change a unit plan.")


def require_manager(actor: Any, centre_id: int) -> Membership:
    """Services: only the centre's admins manage its learners and enrolments."""
    return require(membership_for(actor, centre_id), Cap.MANAGE_CENTRE, "Only centre admins manage learners.")
