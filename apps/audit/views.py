from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.centres.permissions import capability_required
from apps.centres.roles import Cap

from . import selectors
from .forms import AuditFilterForm


@capability_required(Cap.VIEW_AUDIT)
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, actions=selectors.centre_action_codes(actor=request.membership))
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.centre_events(actor=request.membership, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})
