"""Reads scoped to the acting member: nothing here crosses a centre boundary."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Invitation, Membership


def memberships_of_user(user) -> list[Membership]:
    """The centres a person can work in, for the centre switcher."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True).select_related("centre").order_by("centre__name")
    )


def centre_members(*, actor: Membership, role: str = "", q: str = "", status: str = "active") -> QuerySet[Membership]:
    qs = Membership.objects.filter(centre=actor.centre).select_related("user")
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    if role in {"learner", "assessor", "iqa", "admin", "eqa"}:
        qs = qs.filter(**{f"is_{role}": True})
    if q:
        qs = qs.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    return qs.order_by("user__full_name", "user__email")


def centre_member(*, actor: Membership, pk: int) -> Membership:
    """One membership of the actor's centre; another centre's is a 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Membership.objects.select_related("user", "centre"), centre=actor.centre, pk=pk)


def centre_pending_invitations(*, actor: Membership) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        centre=actor.centre, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def centre_invitation(*, actor: Membership, pk: int) -> Invitation:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Invitation.objects.select_related("centre"), centre=actor.centre, pk=pk)
