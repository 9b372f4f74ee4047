"""Reads of learners and enrolments, scoped to what the acting member may see.

Admins (and EQAs, read-only) see the whole centre; assessors and IQAs see the enrolments
assigned to them; a learner sees their own. A person with several roles sees the union.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.centres.models import Invitation, Membership
from apps.centres.roles import Role
from apps.qualifications.models import Unit

from .models import Enrolment, Learner, LearnerImport, PlannedUnit, PriorAchievement


def enrolment_scope(membership: Membership | None) -> Q:
    """The condition an enrolment must meet for this member to see it (nothing if none)."""
    if membership is None:
        return Q(pk__in=[])
    roles = set(membership.roles())
    if roles & {Role.ADMIN, Role.EQA}:
        return Q(centre_id=membership.centre_id)
    scope = Q(pk__in=[])
    if Role.ASSESSOR in roles:
        scope |= Q(assessors=membership.user_id)
    if Role.IQA in roles:
        scope |= Q(iqa=membership.user_id)
    if Role.LEARNER in roles:
        scope |= Q(learner__user=membership.user_id)
    return Q(centre_id=membership.centre_id) & scope


def enrolments_visible(*, membership: Membership | None) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(enrolment_scope(membership)).distinct()


def enrolment_get(*, membership: Membership | None, pk: int) -> Enrolment:
    """One enrolment the member may see; anything else (another centre's included) is a 404."""
    return get_object_or_404(
        enrolments_visible(membership=membership).select_related("learner", "qualification"), pk=pk
    )


def learners_visible(*, membership: Membership | None) -> QuerySet[Learner]:
    if membership is None:
        return Learner.objects.none()
    roles = set(membership.roles())
    if roles & {Role.ADMIN, Role.EQA}:
        return Learner.objects.filter(centre_id=membership.centre_id)
    return Learner.objects.filter(
        centre_id=membership.centre_id,
        pk__in=enrolments_visible(membership=membership).values("learner_id"),
    ) | Learner.objects.filter(centre_id=membership.centre_id, user_id=membership.user_id, )


# --- pages of the learners app ------------------------------------------------------------


def learners_of_centre(*, membership: Membership, q: str = "", qualification: str = "") -> QuerySet[Learner]:
    """The centre's learners for the admins' list, with what each row shows fetched in a
    fixed number of queries: enrolments (with qualification numbers) and whether an
    invitation is waiting."""
    pending = Invitation.objects.filter(
        centre_id=membership.centre_id,
        email__iexact=OuterRef("email"),
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )
    qs = Learner.objects.filter(centre_id=membership.centre_id)
    if q:
        compact = q.replace(" ", "")
        qs = qs.filter(
            Q(full_name__icontains=q) | Q(email__icontains=q) | Q(uln=compact) | Q(mis_reference__iexact=q)
        )
    if qualification:
        qs = qs.filter(enrolments__qualification__number=qualification).distinct()
    return (
        qs.annotate(invitation_pending=Exists(pending))
        .prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("qualification").only(
                    "id", "learner_id", "status", "start_date", "qualification__number", "qualification__title"
                ),
            )
        )
        .order_by("full_name", "email")
    )


def learner_get(*, membership: Membership, pk: int) -> Learner:
    """One learner of the member's centre (the caller checks the capability); else 404."""
    return get_object_or_404(Learner.objects.select_related("centre", "user"), centre_id=membership.centre_id, pk=pk)


def learner_enrolments(*, learner: Learner) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(learner=learner)
        .select_related("qualification", "iqa")
        .prefetch_related("assessors")
        .order_by("-start_date", "id")
    )


def enrolment_for_plan(*, membership: Membership | None, pk: int) -> Enrolment:
    """An enrolment the member may see, with everything the unit plan shows (a fixed number
    of queries: the enrolment, the qualification's units, planned units, prior units)."""
    return get_object_or_404(
        enrolments_visible(membership=membership)
        .select_related("learner", "qualification", "centre")
        .prefetch_related(
            Prefetch("qualification__units", queryset=Unit.objects.order_by("position")),
            Prefetch("planned_units", queryset=PlannedUnit.objects.select_related("unit")),
            Prefetch(
                "prior_achievements",
                queryset=PriorAchievement.objects.select_related("unit", "recorded_by").order_by("unit__position"),
            ),
        ),
        pk=pk,
    )


def own_enrolments(*, membership: Membership | None) -> QuerySet[Enrolment]:
    """The signed-in learner's own enrolments in this centre (empty for anyone else)."""
    if membership is None or Role.LEARNER not in membership.roles():
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(centre_id=membership.centre_id, learner__user_id=membership.user_id)
        .select_related("qualification")
        .order_by("-start_date", "id")
    )


def learner_import_get(*, membership: Membership, pk: int) -> LearnerImport:
    return get_object_or_404(LearnerImport.objects.select_related("centre"), centre_id=membership.centre_id, pk=pk)


def learner_imports_recent(*, membership: Membership, limit: int = 10) -> QuerySet[LearnerImport]:
    return LearnerImport.objects.filter(centre_id=membership.centre_id).select_related("uploaded_by")[:limit]
