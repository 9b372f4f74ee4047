"""The action pages: the list (for me as an assessor, set by me as an IQA), one action with its
answer, and the assessor's response, the IQA's closing and reopening."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.forms import errors_to_form

from . import access
from . import actions as services
from .forms_samples import CloseForm, ReopenForm, RespondForm
from .models import Action


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_list_actions(membership):
        raise PermissionDenied("Your role in this centre does not allow this.")
    return render(request, "iqa/actions/list.html", {**services.actions_listed(membership), "Status": Action.Status})


def _render(request: HttpRequest, action: Action, *, respond: RespondForm | None = None,
            close: CloseForm | None = None, reopen: ReopenForm | None = None) -> HttpResponse:
    membership = request.membership
    can_respond = access.may_respond(membership, action)
    can_close = access.may_close(membership, action)
    decisions, versions = services.response_choices(action) if can_respond else ([], [])
    return render(request, "iqa/actions/action.html", {
        "action": action, "Status": Action.Status, "overdue": services.is_overdue(action),
        "days_overdue": (timezone.localdate() - action.due_on).days,
        "can_respond": can_respond, "can_close": can_close,
        "can_follow_up": access.may_follow_up(membership, action) and action.sample_id is not None
        and action.status == Action.Status.RESPONDED,
        "close_refusal": services.close_refusal(action) if can_close else None,
        "respond_form": respond or RespondForm(decisions=decisions, versions=versions),
        "close_form": close or CloseForm(), "reopen_form": reopen or ReopenForm(),
        "follow_ups": list(action.sample.follow_ups.order_by("started_at")) if action.sample_id else [],
    })


def _action(request: HttpRequest, pk: int) -> Action:
    action = access.action_get(membership=request.membership, pk=pk)
    return Action.objects.select_related(
        "owner", "raised_by", "closed_by", "enrolment__learner", "unit", "sample", "response_decision__criterion",
        "response_version",
    ).get(pk=action.pk)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _action(request, pk))



@require_POST
@login_required
def action_respond(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get_for_responding(membership=request.membership, pk=pk)
    decisions, versions = services.response_choices(action)
    form = RespondForm(request.POST, decisions=decisions, versions=versions)
    if form.is_valid():
        try:
            services.action_respond(action=action, actor=request.user, response=form.cleaned_data["response"],
                                    decision_id=form.cleaned_data["decision"], version_id=form.cleaned_data["version"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Answer sent. The IQA has been told.")
            return redirect("iqa_action", action.pk)
    return _render(request, _action(request, pk), respond=form)


@require_POST
@login_required
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get_for_closing(membership=request.membership, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.action_close(action=action, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Action closed. The assessor has been told.")
            return redirect("iqa_action", action.pk)
    return _render(request, _action(request, pk), close=form)


@require_POST
@login_required
def action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get_for_closing(membership=request.membership, pk=pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.action_reopen(action=action, actor=request.user, note=form.cleaned_data["note"],
                                   due_on=form.cleaned_data["due_on"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Action reopened. The assessor has been told.")
            return redirect("iqa_action", action.pk)
    return _render(request, _action(request, pk), reopen=form)
