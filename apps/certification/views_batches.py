"""The claim batch pages: the list, one batch with each step's form for who may take it, the
steps themselves, and the batch's files. Thin views: access decides, batches.py does the work,
exports.py and keying.py make the files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core.http import private_download
from apps.core.lists import list_page
from apps.core.pdf import render_pdf

from . import access, batches, exports, keying
from .forms_batches import AuthoriseForm, DeclareForm, EQAForm, OutcomeForm, SubmitForm, chosen_enrolments
from .models import ClaimBatch, ClaimLine, ClaimUnit
from .readiness import candidates

Status = ClaimBatch.Status
LINES_PER_PAGE = 50
BATCHES_PER_PAGE = 30
ADDABLE_SHOWN = 200  # learners offered on a draft's "add learners" list; the ready page has them all
# Learners per part of a batch's PDFs (keying sheet, declaration): laid out in the request, a part
# takes a few seconds (about 50 ms a learner of five units); a thousand learners would take a minute.
PDF_PART = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NEXT_STEP = {
    Status.DRAFT: "The lead IQA signs the pre-claim declaration.",
    Status.DECLARED: "A centre admin authorises the claim.",
    Status.AWAITING_EQA: "The centre's EQA signs the claim off or queries it.",
    Status.EQA_QUERIED: "A centre admin reopens the batch to answer the EQA's query.",
    Status.READY: "A centre admin submits the claim to the awarding organisation.",
}


def next_step(batch: ClaimBatch, unanswered: int | None = None) -> str:
    if batch.status != Status.SUBMITTED:
        return NEXT_STEP[batch.status]
    if unanswered == 0:
        return "Every learner has the AO's answer."
    return "Record the AO's answer for each learner."


def _problems(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _valid(form: Any) -> dict[str, Any]:
    """The form's data, or its problems raised in words (for `_step` to show)."""
    if not form.is_valid():
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    return form.cleaned_data


# --- the list and one batch -------------------------------------------------------------------


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    access.require_read_claims(request.membership)
    listed = access.batches_in_scope(request.membership).annotate(
        learners=Count("lines", distinct=True),
        answered=Count("lines", filter=Q(lines__outcomes__isnull=False), distinct=True),
    ).order_by("-created_at", "-id")
    listing = list_page(request, listed, per_page=BATCHES_PER_PAGE)
    rows = [{"batch": b, "next_step": next_step(b, b.learners - b.answered)} for b in listing.page]
    return render(request, "certification/batches/list.html", {
        "rows": rows, "page": listing.page, "query": listing.query, "Status": Status,
    })



@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    batch = access.batch_get(membership, pk)
    may_manage, may_declare = access.may_manage(membership), access.may_declare(membership)
    # An EQA sees only the learners their grants cover; the rest are counted, never named.
    lines = (access.lines_in_scope(membership, batch).select_related("enrolment__qualification")
             .prefetch_related(Prefetch("units", queryset=ClaimUnit.objects.select_related("unit")
                                        .order_by("unit__position", "unit_id")),
                               "outcomes")  # newest first, as ClaimOutcome is ordered
             .order_by("registered_name", "id"))
    listing = list_page(request, lines, per_page=LINES_PER_PAGE)
    submitted = batch.status == Status.SUBMITTED
    rows = []
    for line in listing.page:
        outcomes = list(line.outcomes.all())
        units = list(line.units.all())
        rows.append({
            "line": line, "units": units, "credits": sum(u.unit.credits for u in units),
            "outcome": outcomes[0] if outcomes else None, "earlier": outcomes[1:],
            "form": OutcomeForm(line_id=line.pk) if submitted and may_manage else None,
        })
    totals = access.lines_in_scope(membership, batch).aggregate(learners=Count("id", distinct=True), units=Count("units"),
                                   full=Count("id", filter=Q(claim_type=ClaimLine.ClaimType.FULL), distinct=True),
                                   answered=Count("id", filter=Q(outcomes__isnull=False), distinct=True))
    outside = access.lines_outside_scope(membership, batch)
    awaiting_eqa = batch.status == Status.AWAITING_EQA
    eqa_refusal = access.eqa_sign_off_refusal(membership, batch) if awaiting_eqa else None
    adding = batch.status == Status.DRAFT and may_manage and request.GET.get("add") == "1"
    addable = [c for c in candidates(centre_id=batch.centre_id, today=timezone.localdate(),
                                     awarding_organisation=batch.awarding_organisation) if c.claimable] if adding else []
    return render(request, "certification/batches/detail.html", {
        "batch": batch, "rows": rows, "page": listing.page, "query": listing.query, "totals": totals,
        "Status": Status, "ClaimType": ClaimLine.ClaimType,
        "next_step": next_step(batch, totals["learners"] - totals["answered"]),
        "may_manage": may_manage,
        "declare_form": DeclareForm() if batch.status == Status.DRAFT and may_declare and totals["learners"] else None,
        "authorise_form": AuthoriseForm() if batch.status == Status.DECLARED and may_manage else None,
        "eqa_form": EQAForm() if awaiting_eqa and eqa_refusal is None else None,
        # An EQA whose grants miss some of the batch's learners is told why they cannot sign it off.
        "eqa_refusal": eqa_refusal if awaiting_eqa and access.is_scoped_eqa(membership) else None,
        "outside_scope": outside, "may_read_files": outside == 0,
        "submit_form": SubmitForm() if batch.status == Status.READY and may_manage else None,
        "may_reopen": may_manage and batch.status in batches.REOPENABLE,
        "may_remove": may_manage and batch.status == Status.DRAFT,
        "adding": adding, "addable": addable[:ADDABLE_SHOWN], "addable_more": max(0, len(addable) - ADDABLE_SHOWN),
        "declaration": batches.DECLARATION, "authorisation": batches.AUTHORISATION,
        "submitted": submitted,
        "pdf_parts": range(1, pdf_parts(totals["learners"]) + 1), "pdf_part_size": PDF_PART,
    })


# --- the steps --------------------------------------------------------------------------------


@login_required
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    """From the ready page: a draft batch of the learners ticked, or back there with every refusal."""
    membership = access.require_manage(request.membership)
    organisation = request.POST.get("awarding_organisation") or None
    try:
        batch = batches.batch_create(actor=request.user, centre_id=membership.centre_id,
                                     enrolment_ids=chosen_enrolments(request.POST), awarding_organisation=organisation)
    except ValidationError as exc:
        _problems(request, exc)
        return redirect("claims_ready")
    messages.success(request, f"Claim batch {batch.reference} started as a draft. Check it, then ask the lead IQA "
                              "to sign the pre-claim declaration.")
    return redirect("claims_batch", pk=batch.pk)


def _step(request: HttpRequest, pk: int, refusal: Callable[[Any, ClaimBatch], str | None],
          work: Callable[[ClaimBatch], str]) -> HttpResponse:
    """A step on one batch: in scope (else 404), allowed (else 403, `refusal` saying why), then
    the service; its refusals go back to the batch page as messages."""
    batch = access.batch_get(request.membership, pk)
    if (refused := refusal(request.membership, batch)) is not None:
        raise PermissionDenied(refused)
    try:
        done = work(batch)
    except ValidationError as exc:
        _problems(request, exc)
    else:
        messages.success(request, done)
    return redirect("claims_batch", pk=batch.pk)


@login_required
@require_POST
def batch_add(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        ids = chosen_enrolments(request.POST)
        batches.batch_add(actor=request.user, batch=batch, enrolment_ids=ids)
        return f"{len(ids)} learner{'s' if len(ids) != 1 else ''} added."

    return _step(request, pk, access.manage_refusal, work)


@login_required
@require_POST
def batch_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        line = get_object_or_404(ClaimLine, batch=batch, pk=line_pk)
        batches.batch_remove(actor=request.user, batch=batch, line_id=line.pk)
        return f"{line.registered_name} taken out of the batch."

    return _step(request, pk, access.manage_refusal, work)


@login_required
@require_POST
def batch_declare(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        batches.batch_declare(actor=request.user, batch=batch, signed_name=_valid(DeclareForm(request.POST))["signed_name"])
        return "Pre-claim declaration signed. A centre admin authorises the claim next."

    return _step(request, pk, access.declare_refusal, work)


@login_required
@require_POST
def batch_authorise(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        batch = batches.batch_authorise(actor=request.user, batch=batch,
                                        signed_name=_valid(AuthoriseForm(request.POST))["signed_name"])
        if batch.status == Status.READY:
            return "Claim authorised. The centre holds Direct Claims Status: it is ready to submit."
        return "Claim authorised. It now waits for the EQA's sign-off; the EQA has been told."

    return _step(request, pk, access.manage_refusal, work)


@login_required
@require_POST
def batch_eqa(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        data = _valid(EQAForm(request.POST))
        if data["decision"] == EQAForm.APPROVE:
            batches.batch_eqa_approve(actor=request.user, batch=batch, signed_name=data["signed_name"], note=data["note"])
            return "Claim signed off: the centre may submit it."
        batches.batch_eqa_query(actor=request.user, batch=batch, signed_name=data["signed_name"], note=data["note"])
        return "Claim queried: the centre has been told what to look at."

    return _step(request, pk, access.eqa_sign_off_refusal, work)


@login_required
@require_POST
def batch_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        batches.batch_reopen(actor=request.user, batch=batch)
        return "The batch is a draft again: amend it, then ask for the declaration and authorisation again."

    return _step(request, pk, access.manage_refusal, work)


@login_required
@require_POST
def batch_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        reference = _valid(SubmitForm(request.POST))["ao_reference"]
        batch = batches.batch_submit(actor=request.user, batch=batch, ao_reference=reference)
        return (f"Claim {batch.reference} submitted and frozen. Its claim file's SHA-256 is {batch.export_sha256}. "
                "Record the AO's answer for each learner when it comes.")

    return _step(request, pk, access.manage_refusal, work)


@login_required
@require_POST
def batch_outcome(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    def work(batch: ClaimBatch) -> str:
        line = get_object_or_404(ClaimLine, batch=batch, pk=line_pk)
        data = _valid(OutcomeForm(request.POST, line_id=line.pk))
        outcome = batches.outcome_record(actor=request.user, line=line, status=data["status"],
                                         certificate_number=data["certificate_number"],
                                         certificate_date=data["certificate_date"], reason=data["reason"])
        return f"{line.registered_name}: {outcome.get_status_display().lower()} recorded."

    return _step(request, pk, access.manage_refusal, work)


# --- the files --------------------------------------------------------------------------------



def _whole_batch(request: HttpRequest, pk: int) -> ClaimBatch:
    """A batch whose files the member may have: each lists every learner in it, so an EQA has them
    only when their grants cover them all (else 403)."""
    batch = access.batch_get(request.membership, pk)
    if (refusal := access.whole_batch_refusal(request.membership, batch)) is not None:
        raise PermissionDenied(refusal)
    return batch


def _exported(request: HttpRequest, batch: ClaimBatch, what: str, data: bytes) -> None:
    with transaction.atomic():
        batches.export_recorded(actor=request.user, batch=batch, what=what, sha256=hashlib.sha256(data).hexdigest())


@login_required
@require_GET
def claim_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The generic claim file: after submission the frozen file itself, byte for byte."""
    batch = _whole_batch(request, pk)
    filename = f"claim-{batch.reference}.csv"
    if batch.status == Status.SUBMITTED:
        with transaction.atomic():
            batches.export_recorded(actor=request.user, batch=batch, what="claim.csv", sha256=batch.export_sha256)
        return private_download(default_storage.open(batch.export_key, "rb"), filename, "text/csv; charset=utf-8")
    data = exports.claim_csv(exports.batch_rows(batch))
    _exported(request, batch, "claim.csv", data)
    return private_download(data, filename, "text/csv; charset=utf-8")


@login_required
@require_GET
def claim_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _whole_batch(request, pk)
    data = exports.claim_xlsx(exports.batch_rows(batch))
    _exported(request, batch, "claim.xlsx", data)
    return private_download(data, f"claim-{batch.reference}.xlsx", XLSX)


@login_required
@require_GET
def keying_csv(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _whole_batch(request, pk)
    sheet = exports.keying_sheet(batch, exports.batch_rows(batch))
    data = exports.keying_csv(sheet)
    _exported(request, batch, "keying.csv", data)
    return private_download(data, f"keying-{sheet.slug}-{batch.reference}.csv", "text/csv; charset=utf-8")


def pdf_parts(learners: int) -> int:
    return max(1, -(-learners // PDF_PART))


def _part(request: HttpRequest, batch: ClaimBatch, parts: int, what: str) -> int | None:
    """The part asked for (`?part=2`), or None with a message when there is no such part."""
    asked = request.GET.get("part", "1")
    if asked.isascii() and asked.isdigit() and 1 <= int(asked) <= parts:
        return int(asked)
    messages.error(request, f"The {what} has {parts} part{'s' if parts != 1 else ''}: choose one from the list.")
    return None


@login_required
@require_GET
def keying_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The keying sheet as a PDF, in parts of PDF_PART learners (`?part=2`)."""
    batch = _whole_batch(request, pk)
    parts = keying.split(exports.keying_sheet(batch, exports.batch_rows(batch)), PDF_PART)
    if (number := _part(request, batch, len(parts), "keying sheet")) is None:
        return redirect("claims_batch", pk=batch.pk)
    sheet = parts[number - 1]
    data = render_pdf(f"pdf/certification/keying_{sheet.slug}.html", {
        "sheet": sheet, "batch": batch, "centre_name": batch.centre.name, "made_at": timezone.localtime(),
        "frozen": batch.status == Status.SUBMITTED,
    })
    part = f" (part {sheet.part} of {sheet.parts})" if sheet.parts > 1 else ""
    _exported(request, batch, f"keying.pdf{part}", data)
    suffix = f"-part-{sheet.part}-of-{sheet.parts}" if sheet.parts > 1 else ""
    return private_download(data, f"keying-{sheet.slug}-{batch.reference}{suffix}.pdf", "application/pdf")


@login_required
@require_GET
def declaration_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The pre-claim IQA declaration with the learners and units it covers, signed or not yet, in
    parts of PDF_PART learners (`?part=2`)."""
    batch = _whole_batch(request, pk)
    lines = (batch.lines.select_related("enrolment__qualification")
             .prefetch_related(Prefetch("units", queryset=ClaimUnit.objects.select_related("unit")
                                        .order_by("unit__position", "unit_id")))
             .order_by("registered_name", "id"))
    paginator = Paginator(lines, PDF_PART)
    if (number := _part(request, batch, paginator.num_pages, "declaration")) is None:
        return redirect("claims_batch", pk=batch.pk)
    page = paginator.page(number)
    data = render_pdf("pdf/certification/declaration.html", {
        "batch": batch, "lines": list(page), "page": page, "declaration": batches.DECLARATION,
        "authorisation": batches.AUTHORISATION, "centre_name": batch.centre.name, "made_at": timezone.localtime(),
        "Status": Status, "Route": ClaimUnit.Route,
    })
    part = f" (part {number} of {paginator.num_pages})" if paginator.num_pages > 1 else ""
    _exported(request, batch, f"declaration.pdf{part}", data)
    suffix = f"-part-{number}-of-{paginator.num_pages}" if paginator.num_pages > 1 else ""
    return private_download(data, f"declaration-{batch.reference}{suffix}.pdf", "application/pdf")
