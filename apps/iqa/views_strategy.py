"""The strategy pages: the centre's strategies (in force, draft, superseded), one version with its
rules, the draft's form, and the lead IQA's approval. Services: apps/iqa/strategies.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.forms import errors_to_form
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification

from . import access, rules, strategies
from .forms_strategy import BAND_FIELD_LABELS, ApproveForm, NewDraftForm, StrategyForm
from .models import SamplingStrategy
from .views_people import NOT_READER


def _qualifications(centre_id: int) -> list[Qualification]:
    """The qualifications the centre delivers: those a strategy of their own may be for."""
    return list(Qualification.objects.filter(
        pk__in=Enrolment.objects.filter(centre_id=centre_id).values("qualification_id")).order_by("number"))


@login_required
def strategy_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_read_quality(membership):
        raise PermissionDenied(NOT_READER)
    return render(request, "iqa/strategy/list.html", {
        "groups": strategies.strategy_groups(membership),
        "may_draft": access.may_draft_strategy(membership),
        "new_form": NewDraftForm(qualifications=_qualifications(membership.centre_id)),
        "template_label": rules.TEMPLATE_LABEL,
    })


@require_POST
@login_required
def strategy_new(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_draft_strategy(membership):
        raise PermissionDenied(access.NOT_IQA)
    form = NewDraftForm(request.POST, qualifications=_qualifications(membership.centre_id))
    if not form.is_valid():
        messages.error(request, "Choose the centre default or one of the centre's qualifications.")
        return redirect("iqa_strategies")
    try:
        draft = strategies.strategy_draft(actor=request.user, centre_id=membership.centre_id,
                                          qualification_id=form.qualification_id())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("iqa_strategies")
    return redirect("iqa_strategy_edit", pk=draft.pk)


def _rule_rows(values: dict) -> list[tuple[str, list]]:
    bands = values.get("bands") or {}
    return [(rules.BAND_WORDS[band], [(bands.get(band) or {}).get(field) for field in rules.BAND_FIELDS])
            for band in rules.BANDS]


@login_required
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    strategy = access.strategy_get(membership=membership, pk=pk)
    is_draft = strategy.status == SamplingStrategy.Status.DRAFT
    methods = dict(Evidence.Method.choices)
    return render(request, "iqa/strategy/detail.html", {
        "strategy": strategy, "Status": SamplingStrategy.Status,
        "band_rows": _rule_rows(strategy.rules), "band_headings": list(BAND_FIELD_LABELS.values()),
        "methods": [methods.get(m, m) for m in strategy.rules.get("methods_must_cover", [])],
        "problems": rules.errors(strategy.rules) if is_draft else [],
        "may_edit": is_draft and access.may_draft_strategy(membership),
        "may_approve": is_draft and access.may_approve_strategy(membership),
        "may_draft": not is_draft and access.may_draft_strategy(membership),
        "approve_form": ApproveForm(), "template_label": rules.TEMPLATE_LABEL,
    })


@login_required
def strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    strategy = access.strategy_get(membership=membership, pk=pk)
    if not access.may_draft_strategy(membership):
        raise PermissionDenied(access.NOT_IQA)
    if strategy.status != SamplingStrategy.Status.DRAFT:
        messages.error(request, strategies.NOT_DRAFT)
        return redirect("iqa_strategy", pk=strategy.pk)
    form = StrategyForm(request.POST or None, initial=StrategyForm.initial_for(strategy.rules, strategy.rationale))
    if request.method == "POST" and form.is_valid():
        try:
            strategies.strategy_update(actor=request.user, strategy=strategy, new_rules=form.rules(),
                                       rationale=form.cleaned_data["rationale"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Draft version {strategy.version} saved.")
            return redirect("iqa_strategy", pk=strategy.pk)
    return render(request, "iqa/strategy/edit.html", {
        "strategy": strategy, "form": form, "band_headings": list(BAND_FIELD_LABELS.values()),
        "template_label": rules.TEMPLATE_LABEL,
    })


@require_POST
@login_required
def strategy_approve(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    strategy = access.strategy_get(membership=membership, pk=pk)
    if not access.may_approve_strategy(membership):
        raise PermissionDenied(access.NOT_LEAD)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            strategies.strategy_approve(actor=request.user, strategy=strategy,
                                        signed_name=form.cleaned_data["signed_name"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Version {strategy.version} approved: it is the strategy in force.")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("iqa_strategy", pk=strategy.pk)
