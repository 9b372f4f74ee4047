"""Reads scoped to the acting member: nothing here crosses a centre boundary."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Invitation, Membership


def memberships_of_user(user) -> list[Membership]:
    """The centres a person can work in, for the centre switcher."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True).select_related("centre").order_by("centre__name")
    )


def centre_members(*, actor: Membership) -> QuerySet[Membership]:
    """Everyone who belongs to the actor's centre, active or not, by name; `PeopleFilter` narrows it."""
    return Membership.objects.filter(centre=actor.centre).select_related("user").order_by("user__full_name", "user__email")


def centre_pending_invitations(*, actor: Membership) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        centre=actor.centre, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")

