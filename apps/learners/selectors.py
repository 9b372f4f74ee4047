"""Reads of learners and enrolments for the pages that show them; scope comes from `access`."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.centres.models import Invitation, Membership
from apps.qualifications.models import Unit

from . import access
from .access import enrolments_visible
from .models import Enrolment, Learner, LearnerImport, PlannedUnit, PriorAchievement

# --- pages of the learners app ------------------------------------------------------------


def learners_of_centre(*, membership: Membership) -> QuerySet[Learner]:
    """The centre's learners for the admins' list, with what each row shows fetched in a
    fixed number of queries: enrolments (with qualification numbers) and whether an
    invitation is waiting. `LearnerFilter` narrows it."""
    pending = Invitation.objects.filter(
        centre_id=membership.centre_id,
        email__iexact=OuterRef("email"),
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )
    return (
        Learner.objects.filter(centre_id=membership.centre_id)
        .annotate(invitation_pending=Exists(pending))
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
    return (
        access.own_enrolments(membership)
        .select_related("qualification")
        .order_by("-start_date", "id")
    )


def learner_imports_recent(*, membership: Membership, limit: int = 10) -> QuerySet[LearnerImport]:
    return LearnerImport.objects.filter(centre_id=membership.centre_id).select_related("uploaded_by")[:limit]
