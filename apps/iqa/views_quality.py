"""Observations of assessors' practice and standardisation meetings: lists, a form each, a record each.
Views resolve through `access`, bind the form, call one service in apps/iqa/quality.py and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.models import User
from apps.core.forms import errors_to_form
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification, Unit

from . import access, quality
from .checks import ANSWERS
from .clearance import OPEN_ACTION
from .forms_quality import MeetingForm, ObservationForm
from .models import PracticeObservation

PER_PAGE = 25


def _reader(request: HttpRequest):
    if not access.may_read_quality_records(request.membership):
        raise PermissionDenied("Only assessors, internal quality assurers, admins and external quality assurers read these.")
    return request.membership


def _recorder(request: HttpRequest):
    if not access.may_record_quality(request.membership):
        raise PermissionDenied(access.NOT_IQA)
    return request.membership


# --- observations of practice -------------------------------------------------------------------


@login_required
def observations(request: HttpRequest) -> HttpResponse:
    membership = _reader(request)
    rows = (access.observations_visible(membership).select_related("assessor", "iqa")
            .annotate(open_actions=Count("actions", filter=Q(actions__status__in=OPEN_ACTION)),
                      all_actions=Count("actions")).order_by("-observed_on", "-id"))
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "iqa/quality/observations.html", {
        "page": page, "can_record": access.may_record_quality(membership), "Outcome": PracticeObservation.Outcome,
    })


@login_required
def observation_new(request: HttpRequest) -> HttpResponse:
    membership = _recorder(request)
    ids = access.assessors_in_quality_scope(membership) - {request.user.pk}
    assessors = [(u.pk, u.full_name) for u in User.objects.filter(pk__in=ids).order_by("full_name", "pk")]
    form = ObservationForm(request.POST or None, assessors=assessors,
                           initial={"assessor": request.GET.get("assessor", "")})
    if request.method == "POST" and form.is_valid():
        try:
            observation = quality.observation_record(actor=request.user, centre=membership.centre,
                                                     data=form.to_input())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Observation of practice recorded and signed."
                             + (" The assessor has been told of the actions." if observation.actions.exists() else ""))
            return redirect("iqa_observation", observation.pk)
    return render(request, "iqa/quality/observation_form.html", {"form": form, "no_assessors": not assessors})


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    observation = access.observation_get(membership=request.membership, pk=pk)
    checks = [(check, observation.checklist.get(check.key, {})) for check in quality.OBSERVATION_CHECKS]
    return render(request, "iqa/quality/observation.html", {
        "observation": observation,
        "checks": [(c, ANSWERS.get(a.get("answer", ""), "Not answered"), a.get("comment", "")) for c, a in checks],
        "actions": list(observation.actions.select_related("owner").order_by("due_on", "id")),
        "method": dict(Evidence.Method.choices).get(observation.method, ""),
    })


# --- standardisation ----------------------------------------------------------------------------


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    membership = _reader(request)
    rows = (access.meetings_visible(membership).select_related("facilitator", "qualification", "unit")
            .annotate(attendees=Count("judgements", distinct=True),
                      agreeing=Count("judgements", filter=Q(judgements__judgement=F("agreed_judgement")), distinct=True))
            .order_by("-held_on", "-id"))
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for meeting in page:
        meeting.rate = round(100 * meeting.agreeing / meeting.attendees) if meeting.attendees else None
    return render(request, "iqa/quality/meetings.html", {
        "page": page, "can_record": access.may_record_quality(membership),
    })


def _meeting_form(request: HttpRequest, membership) -> MeetingForm:
    offered = Enrolment.objects.filter(centre_id=membership.centre_id).values("qualification_id")
    qualifications = list(Qualification.objects.filter(pk__in=offered).order_by("number").values("id", "number", "title"))
    units: dict[int, list[tuple[int, str]]] = {}
    for unit in Unit.objects.filter(qualification_id__in=[q["id"] for q in qualifications]).order_by(
        "qualification_id", "position", "id"
    ).values("id", "number", "title", "qualification_id"):
        units.setdefault(unit["qualification_id"], []).append((unit["id"], f"Unit {unit['number']} {unit['title']}"))
    grouped = [(f"{q['number']} {q['title']}", units.get(q["id"], [])) for q in qualifications]
    people = [(u.pk, u.full_name) for u in access.standardisation_people(membership.centre_id)]
    return MeetingForm(request.POST or None, qualifications=[(q["id"], f"{q['number']} {q['title']}") for q in qualifications],
                       units=grouped, people=people, initial={"facilitator": request.user.pk})


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    membership = _recorder(request)
    form = _meeting_form(request, membership)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = quality.meeting_record(actor=request.user, centre=membership.centre, data=form.to_input())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Standardisation meeting recorded.")
            return redirect("iqa_standardisation_meeting", meeting.pk)
    return render(request, "iqa/quality/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.meeting_get(membership=request.membership, pk=pk)
    judgements = list(meeting.judgements.select_related("attendee").order_by("attendee__full_name", "id"))
    return render(request, "iqa/quality/meeting.html", {
        "meeting": meeting, "judgements": judgements, "words": quality.JUDGEMENTS,
        "rate": quality.agreement_rate([j.judgement for j in judgements], meeting.agreed_judgement),
        "actions": list(meeting.actions.select_related("owner").order_by("due_on", "id")),
    })
