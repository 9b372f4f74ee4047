"""The EQA pages of access: the hub (an EQA's open grants; the centre's list of grants), one
grant, granting and ending access, and the access log ("who looked at what, when")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.forms import errors_to_fields
from apps.learners.access import grant_enrolments
from apps.learners.models import ExternalAccess, Learner
from apps.qualifications.models import Qualification

from . import access, grants
from .forms_access import EndForm, GrantForm, LogFilterForm

LEARNERS_PAGE = 50
LOG_PAGE = 50
NOT_ALLOWED = "Only the centre's admins, its lead internal quality assurer and its EQAs use these pages."
NOT_LOG_READER = "Only the centre's admins and those who read its audit trail see who looked at what."


@dataclass(frozen=True)
class GrantRow:
    grant: ExternalAccess
    state: ExternalAccess.State
    qualifications: list[Qualification]
    learners: list[Learner]  # empty: every learner on the qualifications


def _rows(found: QuerySet[ExternalAccess]) -> list[GrantRow]:
    """Grants with their scope, in three queries whatever their number."""
    today = timezone.localdate()
    found = found.select_related("user", "invitation", "centre").prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.order_by("number", "pk")),
        Prefetch("learners", queryset=Learner.objects.order_by("full_name", "pk")),
    )
    return [GrantRow(g, g.state(today), list(g.qualifications.all()), list(g.learners.all())) for g in found]


@login_required
def eqa_home(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if access.is_centre_side(membership):
        return render(request, "eqa/access/list.html", {
            "rows": _rows(access.grants_in_scope(membership)), "may_grant": access.may_grant(membership),
            "may_read_log": access.may_read_access_log(membership), "State": ExternalAccess.State,
        })
    if access.works_as_eqa(membership):
        today = timezone.localdate()
        rows = _rows(access.eqa_grants_ever(membership))
        return render(request, "eqa/hub/home.html", {
            "open": [r for r in rows if r.state == ExternalAccess.State.ACTIVE],
            "upcoming": [r for r in rows if r.state == ExternalAccess.State.UPCOMING],
            "ended": [r for r in rows if r.state in (ExternalAccess.State.ENDED, ExternalAccess.State.ENDED_EARLY)],
            "today": today, "State": ExternalAccess.State,
        })
    raise PermissionDenied(NOT_ALLOWED)


def _grant_page(request: HttpRequest, grant: ExternalAccess, *, end_form: EndForm | None = None) -> HttpResponse:
    membership = request.membership
    row = _rows(ExternalAccess.objects.filter(pk=grant.pk))[0]
    enrolments = grant_enrolments(grant).select_related("learner", "qualification").order_by(
        "learner__full_name", "qualification__number", "pk"
    )
    page = Paginator(enrolments, LEARNERS_PAGE).get_page(request.GET.get("page"))
    state = row.state
    return render(request, "eqa/access/grant.html", {
        "row": row, "grant": grant, "page": page, "State": ExternalAccess.State,
        "acts_as_eqa": access.may_act_as_eqa(membership, grant),
        "centre_side": access.is_centre_side(membership),
        "may_end": access.may_grant(membership) and state in (ExternalAccess.State.ACTIVE, ExternalAccess.State.UPCOMING),
        "end_form": end_form or EndForm(),
    })


def _grant(request: HttpRequest, pk: int) -> ExternalAccess:
    return get_object_or_404(
        access.grants_in_scope(request.membership).select_related("created_by", "ended_by", "invitation"), pk=pk
    )


@login_required
def eqa_grant(request: HttpRequest, pk: int) -> HttpResponse:
    return _grant_page(request, _grant(request, pk))


@login_required
def eqa_grant_new(request: HttpRequest) -> HttpResponse:
    membership = access.require_granter(request.membership)
    form = GrantForm(request.POST or None, centre_id=membership.centre_id)
    if request.method == "POST" and form.is_valid():
        try:
            grant = grants.grant_create(membership=membership, terms=form.terms(),
                                        base_url=request.build_absolute_uri("/"))
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            told = "They have been told." if grant.user_id else "An invitation has been emailed to them."
            messages.success(request, f"EQA access granted to {grant.email}. {told}")
            return redirect("eqa_grant", grant.pk)
    return render(request, "eqa/access/new.html", {"form": form})


@require_POST
@login_required
def eqa_grant_end(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)  # a 404 for those who cannot see it, then a 403 for those who cannot end it
    membership = access.require_granter(request.membership)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            grants.grant_end(membership=membership, grant=grant, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, f"The EQA access of {grant.email} has ended. They can no longer see anything.")
            return redirect("eqa_grant", grant.pk)
    return _grant_page(request, grant, end_form=form)


# --- the access log ------------------------------------------------------------------------------


def _log_people(centre_id: int) -> list[tuple[int, str]]:
    """The EQAs the centre's grants name (by account or accepted invitation): the filter's choices."""
    named = ExternalAccess.objects.filter(centre_id=centre_id)
    people = User.objects.filter(
        Q(pk__in=named.values("user_id")) | Q(pk__in=named.values("invitation__accepted_by_id"))
    ).order_by("full_name", "email")
    return [(u.pk, f"{u.full_name or u.email} ({u.email})") for u in people]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def eqa_access_log(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_read_access_log(membership):
        raise PermissionDenied(NOT_LOG_READER)
    form = LogFilterForm(request.GET or None, people=_log_people(membership.centre_id))
    rows = access.access_log_in_scope(membership).select_related("user")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("user"):
            rows = rows.filter(user_id=data["user"])
        if data.get("date_from"):
            rows = rows.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            rows = rows.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
    page = Paginator(rows.order_by("-at", "-pk"), LOG_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "eqa/access/log.html", {
        "form": form, "page": page, "query": query.urlencode(), "filtered": any(query.values()),
    })
