"""Who is told, and who reads what they were told.

A notification is its recipient's alone, and only while they are an active member of the
centre it is about: a deactivated member is neither notified nor emailed, and no longer
sees what that centre told them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.models import Membership

from .models import Notification


def active_members(user_ids: Iterable[int], centre_id: int) -> set[int]:
    """Of these people, those with an active account and an active membership of the centre."""
    return set(
        Membership.objects.filter(
            centre_id=centre_id, user_id__in=list(user_ids), is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def notifications_visible(user: Any) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    centres = Membership.objects.filter(user=user, is_active=True).values("centre_id")
    return Notification.objects.filter(recipient=user, centre_id__in=centres)


def notification_get(*, user: Any, pk: int) -> Notification:
    return get_object_or_404(notifications_visible(user), pk=pk)
