from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from .models import AuditEvent


def centre_events(
    *,
    actor,
    action: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The acting member's centre's events, newest first, narrowed by the filters given."""
    qs = AuditEvent.objects.filter(centre=actor.centre).select_related("actor")
    if action:
        qs = qs.filter(action__startswith=action)
    if person:
        qs = qs.filter(Q(actor__email__icontains=person) | Q(actor__full_name__icontains=person))
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def centre_action_codes(*, actor) -> list[str]:
    return list(
        AuditEvent.objects.filter(centre=actor.centre).order_by("action").values_list("action", flat=True).distinct()
    )
