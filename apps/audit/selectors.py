from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent


def trail_events(*, centre_id: int | None) -> QuerySet[AuditEvent]:
    """One trail's events, newest first: a centre's, or with None the platform's (the events
    that belong to no centre, such as changes to the shared catalogue).

    Each event comes with its actor and centre, which its sentence names, in the same query."""
    events = AuditEvent.objects.select_related("actor", "centre")
    events = events.filter(centre__isnull=True) if centre_id is None else events.filter(centre_id=centre_id)
    return events.order_by("-created_at", "-id")


def trail_action_codes(events: QuerySet[AuditEvent]) -> list[str]:
    """The action codes that occur among these events (one query)."""
    return list(events.order_by().values_list("action", flat=True).distinct())
