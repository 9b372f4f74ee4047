"""The audit trail's pages: a centre's events for those whose role may view them, and the
platform's (events that belong to no centre) for platform staff. Both read the same way."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from apps.accounts.access import is_platform_staff
from apps.audit.filters import AuditEventFilter
from apps.audit.models import AuditEvent
from apps.audit.presentation import EventText, describe
from apps.audit.selectors import Cursor, trail_events, trail_page

from .access import audit_reader_required

PAGE_SIZE = 50
# Where a page of the trail starts (apps.audit.selectors.Cursor): not filters.
POSITION = ("before", "after", "oldest", "page")


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    text: EventText
    iso: str  # when, for <time datetime>
    when: str  # when, as people read it: "2 Dec 2026 14:05"
    details: SafeString  # the labelled values


def _row(event: AuditEvent) -> Row:
    # Written here rather than by template filters and loops, which cost more than the rest
    # of the page for a page of fifty events.
    local = timezone.localtime(event.created_at)
    text = describe(event)
    details = format_html_join(" ", '<span class="kv">{}: {}</span>', ((d.label, d.value) for d in text.details))
    return Row(event=event, text=text, iso=local.isoformat(), when=f"{local.day} {local:%b %Y %H:%M}", details=details)


def _trail(request: HttpRequest, *, centre_id: int | None, heading: str, intro: str) -> HttpResponse:
    filters = AuditEventFilter(request.GET or None, queryset=trail_events(centre_id=centre_id))
    page = trail_page(
        filters.qs, before=Cursor.parse(request.GET.get("before")), after=Cursor.parse(request.GET.get("after")),
        oldest=request.GET.get("oldest") == "1", size=PAGE_SIZE,
    )
    query = request.GET.copy()
    for key in POSITION:
        query.pop(key, None)
    return render(
        request,
        "audit/event_list.html",
        {
            "heading": heading,
            "intro": intro,
            "form": filters.form,
            "page": page,
            "rows": [_row(event) for event in page.events],
            "query": query.urlencode(),
            "filtered": any(value for value in query.values()),
        },
    )


@audit_reader_required
def centre_trail(request: HttpRequest) -> HttpResponse:
    centre = request.membership.centre
    return _trail(
        request,
        centre_id=centre.pk,
        heading=f"Audit trail of {centre.name}",
        intro="Everything that changed in this centre, who did it and when. Events are never changed or deleted.",
    )


@login_required
def platform_trail(request: HttpRequest) -> HttpResponse:
    if not is_platform_staff(request.user):
        raise PermissionDenied("Only platform staff read the platform's audit trail.")
    return _trail(
        request,
        centre_id=None,
        heading="Platform audit trail",
        intro="Events that belong to no centre, such as changes to the shared qualification catalogue.",
    )
