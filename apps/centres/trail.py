"""The audit trail's pages: a centre's events for those whose role may view them, and the
platform's (events that belong to no centre) for platform staff. Both read the same way."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.access import is_platform_staff
from apps.audit.filters import AuditEventFilter
from apps.audit.presentation import describe
from apps.audit.selectors import trail_events
from apps.core.lists import list_page

from .access import audit_reader_required

PAGE_SIZE = 50


def _trail(request: HttpRequest, *, centre_id: int | None, heading: str, intro: str) -> HttpResponse:
    filters = AuditEventFilter(request.GET or None, queryset=trail_events(centre_id=centre_id))
    listed = list_page(request, filters.qs, per_page=PAGE_SIZE)
    page = listed.page
    return render(
        request,
        "audit/event_list.html",
        {
            "heading": heading,
            "intro": intro,
            "form": filters.form,
            "page": page,
            "rows": [(event, describe(event)) for event in page],
            "query": listed.query,
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
