"""The ready-to-claim page, the centre's claim settings, and a learner's registration facts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.core.forms import errors_to_fields
from apps.learners import access as learners_access
from apps.learners.services import start_date_locked_message

from . import access, readiness
from . import settings as services
from .aos import ao_for
from .forms_ready import AONumberForm, ApprovalForm, ReadyFilterForm, RegistrationForm
from .models import AO


@login_required
@require_http_methods(["GET"])
def ready(request: HttpRequest) -> HttpResponse:
    # Every learner of the centre is listed here: not an EQA's page (their scope is their grants).
    membership = access.require_read_ready(request.membership)
    taught = services.taught_qualifications(membership.centre_id)
    form = ReadyFilterForm(request.GET or None, qualifications=[(t.number, f"{t.number} {t.title}") for t in taught])
    ao = qualification = ""
    page = 1
    if form.is_bound and form.is_valid():
        ao, qualification = form.cleaned_data["awarding_organisation"], form.cleaned_data["qualification"]
        page = form.cleaned_data["page"] or 1
    result = readiness.ready_page(centre_id=membership.centre_id, today=timezone.localdate(),
                                  awarding_organisation=ao or None, qualification_number=qualification or None,
                                  page=page)
    keep = {key: value for key, value in (("awarding_organisation", ao), ("qualification", qualification)) if value}
    return render(request, "certification/ready/ready.html", {
        "form": form, "result": result, "may_manage": access.may_manage(membership), "query": urlencode(keep),
        "chosen_ao": ao,
    })


def _approval_prefix(number: str) -> str:
    return "q" + "".join(ch if ch.isalnum() else "-" for ch in number)


def _approval_rows(taught: list[services.Taught], *, bound: tuple[str, ApprovalForm] | None) -> list[dict]:
    rows = []
    for t in taught:
        if bound and bound[0] == t.number:
            form = bound[1]
        else:
            a = t.approval
            form = ApprovalForm(prefix=_approval_prefix(t.number), initial={
                "ao_course_code": a.ao_course_code, "has_dcs": a.has_dcs, "dcs_since": a.dcs_since} if a else None)
        rows.append({"taught": t, "form": form, "course_code_label": ao_for(t.awarding_organisation).course_code_label})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def claim_settings(request: HttpRequest) -> HttpResponse:
    membership = access.require_read_claims(request.membership)
    taught = services.taught_qualifications(membership.centre_id)
    number_form = AONumberForm()
    bound: tuple[str, ApprovalForm] | None = None
    if request.method == "POST":
        access.require_manage(membership)
        if request.POST.get("form") == "approval":
            number = request.POST.get("qualification", "")
            if number not in {t.number for t in taught}:
                messages.error(request, "Choose a qualification from the list: the centre has no learners on that one.")
                return redirect("claims_settings")
            form = ApprovalForm(request.POST, prefix=_approval_prefix(number))
            bound = (number, form)
            if form.is_valid():
                try:
                    services.approval_set(actor=request.user, centre=membership.centre, qualification_number=number,
                                          facts=form.facts())
                except ValidationError as exc:
                    errors_to_fields(form, exc)
                else:
                    messages.success(request, f"Approval for {number} saved.")
                    return redirect("claims_settings")
        else:
            number_form = AONumberForm(request.POST)
            if number_form.is_valid():
                try:
                    services.ao_centre_number_set(actor=request.user, centre=membership.centre, **number_form.cleaned_data)
                except ValidationError as exc:
                    errors_to_fields(number_form, exc)
                else:
                    messages.success(request, "Centre number saved.")
                    return redirect("claims_settings")
    numbers = services.centre_numbers(membership.centre_id)
    return render(request, "certification/ready/settings.html", {
        "may_manage": access.may_manage(membership), "number_form": number_form,
        "numbers": [(ao_for(value).centre_number_label, numbers.get(value)) for value, _ in AO.choices],
        "approvals": _approval_rows(taught, bound=bound),
    })


@login_required
@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, enrolment_pk: int) -> HttpResponse:
    enrolment = learners_access.enrolment_get(membership=request.membership, pk=enrolment_pk)
    access.require_manage(request.membership)
    locked = enrolment.start_date_sent_at is not None
    initial = {name: getattr(enrolment, name) for name in services.REGISTRATION_FIELDS}
    form = RegistrationForm(request.POST or None, initial=initial, start_date_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_set(actor=request.user, enrolment=enrolment, facts=form.facts())
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, f"Registration facts of {enrolment.learner.full_name} saved.")
            return redirect("claims_ready")
    ao = ao_for(enrolment.qualification.awarding_organisation)
    form.fields["registration_number"].label = ao.registration_label[0].upper() + ao.registration_label[1:]
    learner = enrolment.learner
    form.fields["registered_name"].help_text = (
        f"On the learner record: {learner.full_name}. Type the legal name exactly as {ao.name} registered it.")
    born = f"{learner.date_of_birth:%d/%m/%Y}" if learner.date_of_birth else "not recorded"
    form.fields["registered_date_of_birth"].help_text = (
        f"On the learner record: {born}. Give the date exactly as {ao.name} registered it.")
    if locked:
        form.fields["start_date"].help_text = start_date_locked_message(enrolment)
    return render(request, "certification/ready/registration.html", {
        "form": form, "enrolment": enrolment, "ao": ao, "locked": locked,
    })
