"""Reads of learners and enrolments, scoped to what the acting member may see.

Admins (and EQAs, read-only) see the whole centre; assessors and IQAs see the enrolments
assigned to them; a learner sees their own. A person with several roles sees the union.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.models import Membership
from apps.centres.roles import Role

from .models import Enrolment, Learner


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
