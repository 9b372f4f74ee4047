from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import access
from .services import notification_mark_read


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = access.notifications_visible(request.user).order_by("-created_at", "-id")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one as read and go where it points."""
    note = access.notification_get(user=request.user, pk=pk)
    notification_mark_read(user=request.user, ids=[note.pk])
    target = note.url if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}) else "/"
    return redirect(target)


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notifications")
