"""The sample pages: start a sample (from a plan item, outside any plan, or as a follow-up),
fill it in, sign it, add an addendum. Views resolve the object through `access`, call one
service and redirect; bad input shows the page again with the messages and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.audit.middleware import client_ip
from apps.core.forms import errors_to_form
from apps.learners.models import Enrolment
from apps.qualifications.models import Unit

from . import access, sampling
from .forms_samples import AddendumForm, ChooseLearnerForm, SampleForm, UnplannedSampleForm
from .models import Sample


def _refused(request: HttpRequest, exc: ValidationError, back: str) -> HttpResponse:
    for message in exc.messages:
        messages.error(request, message)
    return redirect(back)


@require_POST
@login_required
def sample_start_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.plan_item_get_for_sampling(membership=request.membership, pk=pk)
    try:
        sample = sampling.sample_start_for_item(actor=request.user, item=item)
    except ValidationError as exc:
        back = request.POST.get("back", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        return _refused(request, exc, back if back and safe else reverse("iqa_samples"))
    return redirect("iqa_sample", sample.pk)


@require_POST
@login_required
def sample_start_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get_for_follow_up(membership=request.membership, pk=pk)
    try:
        sample = sampling.sample_start_follow_up(actor=request.user, action=action)
    except ValidationError as exc:
        return _refused(request, exc, reverse("iqa_action", args=[action.pk]))
    return redirect("iqa_sample", sample.pk)


@login_required
def sample_new(request: HttpRequest) -> HttpResponse:
    """A sample outside any plan: choose the learner, then the unit, the stage and the reason."""
    membership = request.membership
    if not access.may_start_sample(membership):
        raise PermissionDenied(access.NOT_IQA)
    enrolments = (
        access.enrolments_in_scope(membership).filter(status=Enrolment.Status.ACTIVE)
        .select_related("learner", "qualification").order_by("learner__full_name", "pk")
    )
    chosen = ChooseLearnerForm(request.POST or request.GET or None, enrolments=enrolments)
    if not chosen.is_bound or not chosen.is_valid():
        return render(request, "iqa/samples/new.html", {"choose": chosen, "form": None})
    enrolment = chosen.cleaned_data["enrolment"]
    units = sampling.units_to_sample(enrolment)
    unit_qs = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("position")
    if request.method != "POST":
        form = UnplannedSampleForm(initial={"enrolment": enrolment.pk}, enrolments=enrolments, units=unit_qs)
        return render(request, "iqa/samples/new.html", {"choose": chosen, "form": form, "enrolment": enrolment})
    form = UnplannedSampleForm(request.POST, enrolments=enrolments, units=unit_qs)
    if form.is_valid():
        try:
            sample = sampling.sample_start_unplanned(
                actor=request.user, enrolment=enrolment, unit=form.cleaned_data["unit"],
                stage=form.cleaned_data["stage"], reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("iqa_sample", sample.pk)
    return render(request, "iqa/samples/new.html", {"choose": chosen, "form": form, "enrolment": enrolment},
                  status=200)


@login_required
def samples(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_list_samples(membership):
        raise PermissionDenied("Your role in this centre does not allow this.")
    return render(request, "iqa/samples/list.html", {
        **sampling.samples_listed(membership), "can_start": access.may_start_sample(membership),
    })


def _render(request: HttpRequest, sample: Sample, *, form: SampleForm | None = None,
            addendum_form: AddendumForm | None = None) -> HttpResponse:
    membership = request.membership
    page = sampling.sample_page(sample)
    can_work = access.may_work_on_sample(membership, sample)
    form = form or (SampleForm(page=page) if can_work else None)
    ticked = ({int(v) for v in (form["decisions"].value() or []) if str(v).isascii() and str(v).isdigit()}
              if form else page.ticked)
    return render(request, "iqa/samples/sample.html", {
        "page": page, "sample": sample, "enrolment": sample.enrolment, "unit": sample.unit,
        "can_work": can_work, "can_add_addendum": access.may_add_addendum(membership, sample),
        "form": form, "ticked": ticked,
        "addendum_form": addendum_form or AddendumForm(),
        "Outcome": Sample.Outcome,
    })


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, access.sample_get(membership=request.membership, pk=pk))


def _post_sample(request: HttpRequest, pk: int, *, sign: bool) -> HttpResponse:
    sample = access.sample_get_for_working(membership=request.membership, pk=pk)
    form = SampleForm(request.POST, page=sampling.sample_page(sample))
    if form.is_valid():
        try:
            if sign:
                sampling.sample_sign(sample=sample, actor=request.user, entry=form.entry(),
                                     signed_name=form.cleaned_data["signed_name"], ip_address=client_ip(request))
            else:
                sampling.sample_save(sample=sample, actor=request.user, entry=form.entry())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Sample signed. The assessor has been told." if sign else "Sample saved.")
            return redirect("iqa_sample", sample.pk)
    sample.refresh_from_db()
    return _render(request, sample, form=form)


@require_POST
@login_required
def sample_save(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_sample(request, pk, sign=False)


@require_POST
@login_required
def sample_sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_sample(request, pk, sign=True)


@require_POST
@login_required
def sample_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    sample = access.sample_get_for_addendum(membership=request.membership, pk=pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            sampling.sample_addendum(sample=sample, actor=request.user, reason=form.cleaned_data["reason"],
                                     text=form.cleaned_data["text"], signed_name=form.cleaned_data["signed_name"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Addendum added to the sample.")
            return redirect("iqa_sample", sample.pk)
    return _render(request, sample, addendum_form=form)
