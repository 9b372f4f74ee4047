"""The plan pages: the list of plans and the generate form, one plan (items by assessor, ready
first), adding and dropping a sample by hand. Thin: access decides, the
services in apps/iqa/plans.py act."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.forms import errors_to_form
from apps.evidence.models import Evidence

from . import access, plans
from .forms_plans import AddItemForm, DropItemForm, GenerateForm
from .models import PlanItem, SamplingPlan, Stage

METHOD_LABELS = dict(Evidence.Method.choices)


def url_if_present(name: str, *args: object) -> str:
    """The address of a page another part of quality assurance provides, or "" while it does not
    exist yet (the plan pages work without it)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _strategy_url() -> str:
    # The strategy area names its list page iqa_strategies (the brief said iqa_strategy_list).
    return url_if_present("iqa_strategies") or url_if_present("iqa_strategy_list")


def _list_page(request: HttpRequest, form: GenerateForm, status: int = 200) -> HttpResponse:
    membership = request.membership
    listed = list(access.plans_visible(membership).select_related("iqa").order_by("-period_start", "iqa__full_name"))
    has_strategy = bool(plans.strategies_in_force(membership.centre_id))
    return render(request, "iqa/plans/list.html", {
        "plans": listed, "form": form, "can_make": access.may_make_plan(membership),
        "has_strategy": has_strategy, "strategy_url": _strategy_url(), "Status": SamplingPlan.Status,
    }, status=status)


@require_safe
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    if not access.may_read_quality(request.membership):
        raise PermissionDenied(access.NOT_IQA)
    return _list_page(request, GenerateForm())


@require_POST
@login_required
def plan_generate(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_make_plan(membership):
        raise PermissionDenied(access.NOT_IQA)
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            made = plans.plan_generate(actor=request.user, centre=request.centre,
                                       period_start=form.cleaned_data["period_start"], seed=form.cleaned_data["seed"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            words = "generated" if made.created else "generated again"
            text = f"Plan {words}: {made.added} sample{'s' if made.added != 1 else ''} added"
            if not made.created:
                text += f", {made.kept} kept, {made.dropped} dropped as no longer needed"
            messages.success(request, text + ".")
            if made.left_out:
                messages.warning(request, f"{made.left_out} learner{'s are' if made.left_out != 1 else ' is'} on a "
                                          "qualification no approved strategy covers, and not in the plan.")
            return redirect("iqa_plan", made.plan.pk)
    return _list_page(request, form)


@require_safe
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    plan = access.plan_get(membership=membership, pk=pk)
    # A big plan shows each assessor's first samples (ready first); one assessor's in full on demand.
    chosen = request.GET.get("assessor", "")
    # ASCII digits only: "²".isdigit() is true, but int("²") fails (a 500).
    one_assessor = chosen.isascii() and chosen.isdigit() and len(chosen) <= 18
    # Only the items and strategies the member may read: an EQA's plan holds others' learners too.
    page = plans.plan_page(plan, items=access.plan_items_visible(membership),
                           strategies=access.strategies_visible(membership),
                           assessor_id=int(chosen) if one_assessor else None)
    sampling_page_exists = bool(url_if_present("iqa_sample_start_item", 0))
    for group in page.groups:
        for item in group.items:
            item.plan = plan  # the plan is known: no query per item
            item.method_labels = [METHOD_LABELS.get(m, m) for m in item.methods]
            item.can_sample = (sampling_page_exists and item.ready and item.status in plans.OPEN
                               and access.may_start_plan_item(membership, item))
    can_sample = any(i.can_sample for g in page.groups for i in g.items)
    return render(request, "iqa/plans/plan.html", {
        "page": page, "plan": plan, "one_assessor": one_assessor, "can_edit": access.may_edit_plan(membership, plan), "can_sample": can_sample,
        "Item": PlanItem, "Stage": Stage,
        "strategy_url": _strategy_url(),
        # The plan as CSV is a report (apps/iqa/views_reports.py) listing every item: linked for
        # those who ask for reports, once that page exists.
        "csv_url": url_if_present("iqa_plan_csv", plan.pk) if access.may_request_reports(membership) else "",
    })


@require_http_methods(["GET", "POST"])
@login_required
def plan_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    plan = access.plan_get(membership=membership, pk=pk)
    if not access.may_edit_plan(membership, plan):
        raise PermissionDenied("Only the plan's IQA, or the lead IQA, changes an active plan.")
    choices = plans.enrolment_choices(plan)
    initial = {k: request.GET[k] for k in ("enrolment", "unit") if k in request.GET}
    form = AddItemForm(request.POST or None, enrolments=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = plans.plan_item_add(
                actor=request.user, plan=plan, enrolment=plans.enrolment_for_adding(plan, data["enrolment"]),
                unit_number=data["unit"], stage=data["stage"], kind=data["kind"], reason=data["reason"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sample of unit {item.unit.number} for {item.enrolment.learner.full_name} "
                                      "added to the plan.")
            return redirect("iqa_plan", plan.pk)
    return render(request, "iqa/plans/add.html", {"plan": plan, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def plan_item_drop(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    item = access.plan_item_get(membership=membership, pk=pk)
    if not access.may_edit_plan(membership, item.plan):
        raise PermissionDenied("Only the plan's IQA, or the lead IQA, changes an active plan.")
    form = DropItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plans.plan_item_drop(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sample of unit {item.unit.number} for {item.enrolment.learner.full_name} "
                                      "dropped from the plan.")
            return redirect("iqa_plan", item.plan_id)
    return render(request, "iqa/plans/drop.html", {"item": item, "plan": item.plan, "form": form,
                                                    "Item": PlanItem})
