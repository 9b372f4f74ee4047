"""The people pages: the assessor register, an assessor's profile (details, band set by hand,
band history, a trainee qualifying) and the lead IQA's allocations. Thin: access decides, the
services in apps/iqa/profiles.py write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.forms import errors_to_form

from . import access, profiles
from .forms_people import AllocationsForm, OverrideEndForm, OverrideForm, ProfileForm, QualifiedForm
from .models import AssessorProfile, Band

NOT_READER = "Only internal quality assurers, centre admins and external quality assurers see this."



@login_required
def people(request: HttpRequest) -> HttpResponse:
    if not access.may_read_quality(request.membership):
        raise PermissionDenied(NOT_READER)
    return render(request, "iqa/people/register.html", {
        "rows": profiles.register(request.membership),
        "sees_all": access.sees_all(request.membership),
        # An EQA has no assessors allocated: their register is the assessors of the learners they cover.
        "eqa_scope": access.reads_as_eqa_only(request.membership),
        "may_allocate": access.may_read_allocations(request.membership),
        "Status": AssessorProfile.Status, "Band": Band,
    })


def _profile_page(request: HttpRequest, profile: AssessorProfile, **forms: Any) -> HttpResponse:
    can_edit = access.may_edit_profile(request.membership, profile)
    context = profiles.profile_page(profile)
    forms.setdefault("form", ProfileForm(profile=profile))
    forms.setdefault("qualified_form", QualifiedForm())
    forms.setdefault("override_form", OverrideForm())
    forms.setdefault("end_form", OverrideEndForm())
    return render(request, "iqa/people/profile.html", context | forms | {
        "profile": profile, "can_edit": can_edit, "Status": AssessorProfile.Status, "Band": Band,
    })


def _editable(request: HttpRequest, pk: int) -> AssessorProfile:
    profile = access.profile_get(membership=request.membership, pk=pk)
    if not access.may_edit_profile(request.membership, profile):
        raise PermissionDenied("Only the lead IQA, or the IQA allocated to this assessor, changes their profile.")
    return profile


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _profile_page(request, access.profile_get(membership=request.membership, pk=pk))
    obj = _editable(request, pk)
    form = ProfileForm(request.POST, profile=obj)
    if form.is_valid():
        try:
            profiles.profile_update(actor=request.user, profile=obj, details=form.details())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("iqa_profile", pk=obj.pk)
    return _profile_page(request, obj, form=form)


@require_POST
@login_required
def profile_qualified(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _editable(request, pk)
    form = QualifiedForm(request.POST)
    if form.is_valid():
        try:
            obj = profiles.profile_record_qualified(actor=request.user, profile=obj,
                                                    qualification=form.cleaned_data["qualification"],
                                                    qualified_on=form.cleaned_data["qualified_on"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{obj.assessor.full_name} is recorded as qualified: their decisions no longer "
                                      f"need a countersignature, and their band is now {obj.get_band_display().lower()}.")
            return redirect("iqa_profile", pk=obj.pk)
    return _profile_page(request, obj, qualified_form=form)


@require_POST
@login_required
def profile_override(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _editable(request, pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            obj = profiles.band_override(actor=request.user, profile=obj, band=form.cleaned_data["band"],
                                         reason=form.cleaned_data["reason"], review_on=form.cleaned_data["review_on"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Band set by hand to {obj.get_band_display().lower()} until "
                                      f"{obj.override_review_on:%-d %b %Y}.")
            return redirect("iqa_profile", pk=obj.pk)
    return _profile_page(request, obj, override_form=form)


@require_POST
@login_required
def profile_override_end(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _editable(request, pk)
    form = OverrideEndForm(request.POST)
    if form.is_valid():
        try:
            obj = profiles.band_override_end(actor=request.user, profile=obj, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Band set by hand ended: the band is {obj.get_band_display().lower()}.")
        return redirect("iqa_profile", pk=obj.pk)
    return _profile_page(request, obj, end_form=form)


@login_required
def allocations(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_read_allocations(membership):
        raise PermissionDenied("Only the lead IQA allocates IQAs; centre admins and EQAs read who samples whom.")
    if request.method == "POST" and not access.may_allocate(membership):
        raise PermissionDenied(access.NOT_LEAD)
    rows, iqas = profiles.allocation_rows(membership.centre_id)
    form = AllocationsForm(request.POST or None, rows=rows, iqas=iqas)
    if request.method == "POST" and form.is_valid():
        try:
            changed = profiles.allocations_set(actor=request.user, centre_id=membership.centre_id,
                                               choices=form.choices())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Allocations saved: {changed} changed." if changed else "Nothing changed.")
            return redirect("iqa_allocations")
    return render(request, "iqa/people/allocations.html", {
        "form": form, "rows": form.bound_rows(), "may_allocate": access.may_allocate(membership), "iqas": iqas,
    })
