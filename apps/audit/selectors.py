from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

from .models import AuditEvent


def _shown() -> QuerySet[AuditEvent]:
    # Each event comes with its actor and centre, which its sentence names, in the same query
    # (their names only: an account's other columns are not the trail's business).
    return AuditEvent.objects.select_related("actor", "centre").only(
        *(f.name for f in AuditEvent._meta.concrete_fields), "actor__full_name", "actor__email", "centre__name"
    )


def trail_events(*, centre_id: int | None) -> QuerySet[AuditEvent]:
    """One trail's events, newest first: a centre's, or with None the platform's (the events
    that belong to no centre, such as changes to the shared catalogue)."""
    events = _shown()
    events = events.filter(centre__isnull=True) if centre_id is None else events.filter(centre_id=centre_id)
    return events.order_by("-created_at", "-id")


# --- paging by position in the trail, not by page number --------------------------------------------
#
# A trail holds a million events; OFFSET would read and throw away every event before the page
# asked for (seconds at the end of the trail). A page is instead "the events just older (or
# newer) than this one", found through the index on (centre, created_at, id) in the same
# time whichever page it is. The link carries the position: when and which event.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"^(-?\d{1,19})\.(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    """A position in a trail: an event's time and id (ids break ties between equal times)."""

    created_at: datetime
    id: int

    @classmethod
    def of(cls, event: AuditEvent) -> Cursor:
        return cls(event.created_at, event.pk)

    def token(self) -> str:
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The position a link names; None for anything that is not one."""
        match = _CURSOR.match(token or "")
        if match is None:
            return None
        try:
            return cls(_EPOCH + int(match[1]) * _MICROSECOND, int(match[2]))
        except OverflowError:
            return None


def _older_than(c: Cursor) -> Q:
    # The first condition alone is what the index's range scan uses; the second drops the
    # events at the same instant that are not older.
    return Q(created_at__lte=c.created_at) & (Q(created_at__lt=c.created_at) | Q(id__lt=c.id))


def _newer_than(c: Cursor) -> Q:
    return Q(created_at__gte=c.created_at) & (Q(created_at__gt=c.created_at) | Q(id__gt=c.id))


@dataclass(frozen=True)
class TrailPage:
    events: list[AuditEvent]  # newest first
    newer: Cursor | None  # where the next newer page starts, if there are newer events
    older: Cursor | None  # where the next older page starts, if there are older events
    newest: bool  # this is the newest page: no link to it
    oldest: bool  # this is the oldest page: no link to it


def trail_page(
    events: QuerySet[AuditEvent], *, before: Cursor | None = None, after: Cursor | None = None, oldest: bool = False,
    size: int = 50,
) -> TrailPage:
    """One page of a trail (already filtered), in one query whichever page it is: the newest
    events, those just older than `before`, just newer than `after`, or the oldest. One event
    more than the page is read to know whether there is another page beyond it."""
    newest_first, oldest_first = ("-created_at", "-id"), ("created_at", "id")

    def read(events: QuerySet[AuditEvent], order: tuple[str, str]) -> list[AuditEvent]:
        # The page's ids first, from the filters' index alone (an index-only scan, even where a
        # person's thousands of events must be sorted), then those events with what they show.
        ids = events.order_by(*order).values("pk")[: size + 1]
        return list(_shown().filter(pk__in=ids).order_by(*order))

    if after is not None:
        rows = read(events.filter(_newer_than(after)), oldest_first)
        more_newer = len(rows) > size
        shown = rows[:size][::-1]
        more_older = True  # the event the link started from, at least
    elif oldest:
        rows = read(events, oldest_first)
        more_newer = len(rows) > size
        shown = rows[:size][::-1]
        more_older = False
    else:
        rows = read(events.filter(_older_than(before)) if before is not None else events, newest_first)
        more_older = len(rows) > size
        shown = rows[:size]
        more_newer = before is not None
    if not shown:
        # Nothing on this side of a position (a link made by hand, or under other filters):
        # offer both ends, unless the (filtered) trail itself is empty.
        empty = before is None and after is None
        return TrailPage(events=[], newer=None, older=None, newest=empty, oldest=empty)
    return TrailPage(
        events=shown,
        newer=Cursor.of(shown[0]) if more_newer else None,
        older=Cursor.of(shown[-1]) if more_older else None,
        newest=not more_newer,
        oldest=not more_older,
    )
