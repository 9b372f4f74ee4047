"""Pages of assessment records: assessors create them, learners confirm observations,
witnesses answer through a one-time link without an account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.audit.middleware import client_ip
from apps.core.forms import errors_to_form
from apps.core.http import over_budget
from apps.evidence.models import StoredFile
from apps.evidence.picker import criteria_picker
from apps.evidence.storage import store_upload
from apps.evidence.upload_views import limit_plain_uploads
from apps.learners.access import is_learner_of
from apps.learners.models import Enrolment

from . import access, selectors, services
from .forms import (
    ConfirmObservationForm,
    DiscussionForm,
    ObservationForm,
    QuestionAnswerFormSet,
    QuestioningForm,
    RecordForm,
    WitnessRequestForm,
    WitnessResponseForm,
)
from .models import WitnessRequest


def _assigned_enrolment(request: HttpRequest, pk: int) -> Enrolment:
    return access.enrolment_get_for_recording(membership=request.membership, pk=pk)



@login_required
def enrolment_records(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = access.enrolment_get_for_records_page(membership=request.membership, pk=enrolment)
    return render(
        request,
        "records/enrolment_records.html",
        {
            "enrolment": enrolment_obj,
            "records": selectors.enrolment_records(enrolment=enrolment_obj),
            "can_create": access.may_record(request.membership, enrolment_obj),
        },
    )


# --- creating records -------------------------------------------------------------------------


def _record_page(
    request: HttpRequest,
    enrolment: Enrolment,
    form: RecordForm,
    template: str,
    create: Callable[[], Any],
    success: str,
    *,
    rest_valid: bool = True,
    **extra: Any,
) -> HttpResponse:
    """Bind, call the service, redirect to the new record; on any problem the page again with
    messages. `rest_valid` says whether the parts outside the form (rows, uploads) are good."""
    if request.method == "POST" and form.is_valid() and rest_valid:
        try:
            result = create()
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, success)
            return result
    return render(
        request,
        template,
        {
            "form": form, "enrolment": enrolment,
            "picker": criteria_picker(enrolment=enrolment, selected=form.selected_criteria(), query=request.GET), **extra,
        },
    )


@login_required
def observation_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = _assigned_enrolment(request, enrolment)
    form = ObservationForm(request.POST or None, enrolment=enrolment_obj)

    def create() -> HttpResponse:
        observation = services.observation_create(
            enrolment=enrolment_obj, assessor=request.user, basics=form.basics(),
            place=form.cleaned_data["place"], activity=form.cleaned_data["activity"],
            account=form.cleaned_data["account"], signature=form.signature(client_ip(request)),
        )
        return redirect("records_observation", pk=observation.pk)

    return _record_page(
        request, enrolment_obj, form, "records/observation_form.html", create,
        "Observation recorded and signed. It is in the learner's portfolio, waiting for their confirmation.",
    )


@login_required
def questioning_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = _assigned_enrolment(request, enrolment)
    data = request.POST.copy() if request.method == "POST" else None
    more = data is not None and "more" in data
    if more:
        # "Add another question": the same page with one more empty pair, nothing saved.
        current = data.get("pairs-TOTAL_FORMS", "")
        data["pairs-TOTAL_FORMS"] = str(min(int(current) + 1, 60)) if current.isascii() and current.isdigit() else "3"
    form = QuestioningForm(data, enrolment=enrolment_obj)
    pairs = QuestionAnswerFormSet(data, prefix="pairs")
    if more:
        return render(
            request, "records/questioning_form.html",
            {
                "form": QuestioningForm(initial=data.dict(), enrolment=enrolment_obj), "pairs": pairs,
                "enrolment": enrolment_obj, "added": True,
                "picker": criteria_picker(enrolment=enrolment_obj, selected=data.getlist("criteria"), query=request.GET),
            },
        )

    def create() -> HttpResponse:
        questioning = services.questioning_create(
            enrolment=enrolment_obj, assessor=request.user, basics=form.basics(), topic=form.cleaned_data["topic"],
            pairs=pairs.pairs(), signature=form.signature(client_ip(request)),
        )
        return redirect("records_questioning", pk=questioning.pk)

    return _record_page(
        request, enrolment_obj, form, "records/questioning_form.html", create,
        "Questioning recorded and signed. It is in the learner's portfolio.",
        pairs=pairs, rest_valid=data is None or pairs.is_valid(), extra_errors=pairs.messages(),
    )


@limit_plain_uploads
@login_required
def discussion_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = _assigned_enrolment(request, enrolment)
    form = DiscussionForm(request.POST or None, request.FILES or None, enrolment=enrolment_obj, user=request.user)
    stored: list[StoredFile] = []
    upload_ok = True
    if request.method == "POST":
        form.is_valid()  # errors from storing files below join the form's own
        # Files posted with the form (the uploader without JavaScript) are stored now, so that
        # they are kept, like the uploader's own, when something else on the form needs fixing.
        for uploaded in request.FILES.getlist("upload"):
            try:
                stored.append(store_upload(uploaded_file=uploaded, centre=enrolment_obj.centre, uploaded_by=request.user))
            except ValidationError as exc:
                upload_ok = False
                errors_to_form(form, exc)
    chosen = list(dict.fromkeys(form.chosen_files + stored))

    def create() -> HttpResponse:
        discussion = services.discussion_create(
            enrolment=enrolment_obj, assessor=request.user, basics=form.basics(), topic=form.cleaned_data["topic"],
            summary=form.cleaned_data["summary"], files=chosen, signature=form.signature(client_ip(request)),
        )
        return redirect("records_discussion", pk=discussion.pk)

    return _record_page(
        request, enrolment_obj, form, "records/discussion_form.html", create,
        "Professional discussion recorded and signed. It is in the learner's portfolio.",
        chosen_files=chosen, rest_valid=upload_ok,
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
def witness_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = _assigned_enrolment(request, enrolment)
    form = WitnessRequestForm(request.POST or None, enrolment=enrolment_obj)

    def create() -> HttpResponse:
        witness_request = services.witness_request_create(
            enrolment=enrolment_obj, assessor=request.user, witness=form.witness(),
            activity=form.cleaned_data["activity"], basics=form.basics(), base_url=_base_url(request),
        )
        return redirect("records_witness", pk=witness_request.pk)

    return _record_page(
        request, enrolment_obj, form, "records/witness_form.html", create,
        "Request sent. The witness gets an email with a link that works for "
        f"{WitnessRequest.LIFETIME_DAYS} days; you will be told when they respond.",
    )


# --- reading records ----------------------------------------------------------------------------


def _detail(request: HttpRequest, kind: str, record: Any) -> HttpResponse:
    membership = request.membership
    enrolment = record.enrolment
    return render(
        request,
        "records/record_detail.html",
        {
            "kind": kind, "record": record, "enrolment": enrolment,
            "is_learner": is_learner_of(request.user.pk, enrolment),
            "can_manage": access.may_record(membership, enrolment),
            "can_read_records_page": access.may_read_records_page(membership),
        },
    )


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "observation", selectors.observation_get(membership=request.membership, pk=pk))


@login_required
def questioning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "questioning", selectors.questioning_get(membership=request.membership, pk=pk))


@login_required
def discussion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "discussion", selectors.discussion_get(membership=request.membership, pk=pk))


@login_required
def witness_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "witness", selectors.witness_request_get(membership=request.membership, pk=pk))


@login_required
def observation_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    observation = selectors.observation_get(membership=request.membership, pk=pk)
    if not access.may_confirm(request.membership, observation):
        raise PermissionDenied("Only the learner who was observed confirms the record.")
    if hasattr(observation, "confirmation"):
        messages.info(request, "You have already confirmed this observation.")
        return redirect("evidence_detail", pk=observation.version.evidence_id)
    form = ConfirmObservationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.observation_confirm(
                observation=observation, learner_user=request.user,
                signature=services.Signature(name=form.cleaned_data["signed_name"], ip_address=client_ip(request)),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Thank you. You have confirmed the observation record.")
            return redirect("evidence_detail", pk=observation.version.evidence_id)
    return render(request, "records/observation_confirm.html", {"record": observation, "form": form})


# --- managing witness requests --------------------------------------------------------------------


def _managed_request(request: HttpRequest, pk: int) -> WitnessRequest:
    witness_request = selectors.witness_request_get(membership=request.membership, pk=pk)
    access.require_witness_request_manager(request.membership, witness_request)
    return witness_request


@require_POST
@login_required
def witness_resend(request: HttpRequest, pk: int) -> HttpResponse:
    witness_request = _managed_request(request, pk)
    try:
        services.witness_request_resend(witness_request=witness_request, actor=request.user, base_url=_base_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"A new link is on its way to {witness_request.witness_email}; the earlier link no longer works.",
        )
    return redirect("records_witness", pk=witness_request.pk)


@require_POST
@login_required
def witness_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    witness_request = _managed_request(request, pk)
    try:
        services.witness_request_cancel(witness_request=witness_request, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Request cancelled. The witness's link now says it is no longer needed.")
    return redirect("records_witness", pk=witness_request.pk)


# --- the witness's public page ------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The link is a secret: keep it out of caches and out of Referer headers to other sites.
    # (Not "no-referrer": Chromium then posts the form with "Origin: null", which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def witness_respond(request: HttpRequest, token: str) -> HttpResponse:
    if over_budget(request, "records:witness", getattr(settings, "RECORDS_WITNESS_RATE_LIMIT", (60, 600))):
        return _private(render(request, "records/witness_unavailable.html", {"throttled": True}, status=429))
    witness_request = WitnessRequest.lookup(token)
    if witness_request is None:
        return _private(render(request, "records/witness_unavailable.html", {}, status=404))
    if not witness_request.is_open:
        return _private(
            render(
                request, "records/witness_unavailable.html",
                {"witness_request": witness_request}, status=410,
            )
        )
    form = WitnessResponseForm(request.POST or None, initial={"job_title": witness_request.witness_job_title})
    form.fields["signed_name"].help_text = f"Your name as the assessor wrote it: {witness_request.witness_name}."
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.witness_request_answer(
                witness_request=witness_request, token=token, account=data["account"], job_title=data["job_title"],
                signature=services.Signature(name=data["signed_name"], ip_address=client_ip(request)),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("records_witness_thanks")
    return _private(
        render(
            request,
            "records/witness_respond.html",
            {
                "witness_request": witness_request, "learner": witness_request.enrolment.learner, "form": form,
                "criteria": witness_request.criteria.select_related("unit").order_by(
                    "unit__position", "outcome__position", "position"
                ),
            },
        )
    )


@never_cache
def witness_thanks(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "records/witness_thanks.html"))
