"""The documents pages: the centre's list, a learner's own, one document (revoke, reissue, issue
anew), downloads, the bulk runs of a batch with their progress and ZIP, and the public
verification page. Thin: access decides, apps/certification/documents.py does the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.audit.services import audit_record
from apps.core.http import over_budget, private_download
from apps.core.lists import list_page
from apps.core.middleware import refuse_nul_in_form

from . import access, documents
from .forms_documents import MAX_COPY_REQUEST, TOO_LARGE, CopyCheckForm, DocumentFilter, ReasonForm, RunForm
from .models import ClaimBatch, Document, DocumentRun

SUBMITTED_SHOWN = 12  # the newest submitted batches, each with a link to make its documents
NOT_LEARNER = "My documents lists a learner's own documents: you have none at this centre."


def _made(document: Document) -> Document:
    if not document.sha256:
        raise Http404("This document is still being made.")
    return document


# --- lists ------------------------------------------------------------------------------------


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    """The centre's documents, for those who read its claims."""
    access.require_read_claims(request.membership)
    found = (access.documents_in_scope(request.membership).annotate(learner=F("line__registered_name"))
             .order_by("-issued_at", "-id"))
    filters = DocumentFilter(request.GET, queryset=found)
    listed = list_page(request, filters.qs.only(
        "pk", "number", "kind", "status", "facts", "sha256", "issued_at", "revoked_reason", "line_id"), per_page=50)
    submitted = (access.batches_in_scope(request.membership).filter(status=ClaimBatch.Status.SUBMITTED)
                 .order_by("-submitted_at", "-id").only("pk", "reference", "awarding_organisation", "submitted_at"))
    return render(request, "certification/documents/list.html", {
        "form": filters.form, "page": listed.page, "query": listed.query, "searching": filters.form.has_changed(),
        "may_manage": access.may_manage(request.membership), "submitted": list(submitted[:SUBMITTED_SHOWN]),
    })


@login_required
@require_GET
def my_documents(request: HttpRequest) -> HttpResponse:
    if not access.may_see_own_documents(request.membership):
        raise PermissionDenied(NOT_LEARNER)
    mine = access.own_documents(request.membership).order_by("-issued_at", "-id")
    return render(request, "certification/documents/mine.html", {"documents": list(mine)})


# --- one document -----------------------------------------------------------------------------


def _detail(request: HttpRequest, document: Document, *, revoke: ReasonForm | None = None,
            reissue: ReasonForm | None = None) -> HttpResponse:
    superseded_by = Document.objects.filter(supersedes=document).only("pk", "number").first()
    return render(request, "certification/documents/detail.html", {
        "document": document, "f": document.facts, "superseded_by": superseded_by,
        "certified_on": documents.as_date(document.facts.get("ao_certificate_date", "")),
        "may_manage": access.may_manage(request.membership), "may_read": access.may_read_claims(request.membership),
        "not_ao": documents.NOT_AO, "revoke_form": revoke or ReasonForm(prefix="revoke"),
        "reissue_form": reissue or ReasonForm(prefix="reissue"),
    })


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.document_get(request.membership, pk))


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = _made(access.document_get(request.membership, pk))
    with transaction.atomic():
        documents.document_downloaded(actor=request.user, document=document)
    return private_download(default_storage.open(document.key, "rb"), f"{document.number}.pdf", "application/pdf")


def _for_managing(request: HttpRequest, pk: int) -> Document:
    document = access.document_get(request.membership, pk)
    access.require_manage(request.membership)
    return document


@login_required
@require_POST
def document_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    document = _for_managing(request, pk)
    form = ReasonForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _detail(request, document, revoke=form)
    try:
        documents.document_revoke(document=document, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{document.number} is revoked: its verification page now says so, with your reason.")
    return redirect("document_detail", pk=document.pk)


@login_required
@require_POST
def document_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    document = _for_managing(request, pk)
    form = ReasonForm(request.POST, prefix="reissue")
    if not form.is_valid():
        return _detail(request, document, reissue=form)
    try:
        new = documents.document_reissue(document=document, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("document_detail", pk=document.pk)
    messages.success(request, f"{new.number} replaces {document.number}, which is now marked superseded. "
                              "The new PDF is being made.")
    return redirect("document_detail", pk=new.pk)


@login_required
@require_POST
def document_issue_again(request: HttpRequest, pk: int) -> HttpResponse:
    """After a revocation: a new document of the same kind for the same learner."""
    document = _for_managing(request, pk)
    try:
        new = documents.document_issue(line=document.line, kind=document.kind, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("document_detail", pk=document.pk)
    messages.success(request, f"{new.number} is issued to {new.line.registered_name}. The PDF is being made.")
    return redirect("document_detail", pk=new.pk)


# --- runs -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def batch_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's documents: the form that makes them for every learner, the newest run's
    progress and its ZIP. The batch page loads it into its own (htmx); alone, it is a page."""
    batch = access.batch_get(request.membership, pk)
    if request.method == "POST":
        access.require_manage(request.membership)
        form = RunForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            documents.run_request(batch=batch, kinds=form.cleaned_data["kinds"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.info(request, f"The documents for {batch.reference} are being made. This page shows the progress.")
        return redirect("claims_batch_documents", pk=batch.pk)
    # The run's ZIP holds every learner's documents: an EQA gets it only when their grants cover them all.
    panel = documents.batch_panel(membership=request.membership, batch=batch) | {
        "whole": access.may_read_whole_batch(request.membership, batch)}
    template = "certification/documents/panel.html" if request.htmx else "certification/documents/batch.html"
    return render(request, template, {"panel": panel, "batch": batch})


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(access.runs_in_scope(request.membership).select_related("batch"), pk=pk)
    context = {"view": documents.run_view(run), "run": run}
    template = "certification/documents/run_fragment.html" if request.htmx else "certification/documents/run.html"
    return render(request, template, context)


@login_required
@require_GET
def run_zip(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = get_object_or_404(access.runs_in_scope(request.membership).select_related("batch__centre"), pk=pk)
    if run.status != DocumentRun.Status.DONE:
        raise Http404("The ZIP is not ready.")
    with transaction.atomic():
        audit_record(action="document.downloaded", actor=request.user, centre=run.batch.centre, obj=run,
                     payload={"zip": True, "batch": run.batch.reference, "sha256": run.zip_sha256})
    return private_download(default_storage.open(run.zip_key, "rb"), f"documents-{run.batch.reference}.zip",
                            "application/zip")


# --- the public verification page -------------------------------------------------------------


def _declared_length(request: HttpRequest) -> int:
    value = request.META.get("CONTENT_LENGTH") or ""
    return int(value) if value.isascii() and value.isdigit() else 0


@never_cache
@csrf_exempt  # the CSRF check reads the body: it runs in _verify, once the size has been checked
@require_http_methods(["GET", "POST"])
def document_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone with the code (the QR on the document) sees its key facts and whether it is still
    valid; no sign-in, no date of birth, no ULN. A copy's SHA-256 may be compared; one declared
    larger than any document is refused before a byte of it is read."""
    budget = getattr(settings, "CERTIFICATION_VERIFY_RATE_LIMIT", (120, 600))
    if over_budget(request, "certification:verify", budget):
        response = render(request, "429.html", status=429)
    elif request.method == "POST" and _declared_length(request) > MAX_COPY_REQUEST:
        response = _verify_page(request, _made(access.document_by_code(code)), CopyCheckForm.refused(TOO_LARGE), None,
                                status=413)
    else:
        response = _verify(request, code)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_protect
@refuse_nul_in_form  # the middleware leaves this exempt view's form unread: the same refusal here
def _verify(request: HttpRequest, code: str) -> HttpResponse:
    document = _made(access.document_by_code(code))
    form = CopyCheckForm(request.POST, request.FILES) if request.method == "POST" else CopyCheckForm()
    check = (documents.copy_check(document, b"".join(form.cleaned_data["copy"].chunks()))
             if request.method == "POST" and form.is_valid() else None)
    return _verify_page(request, document, form, check)


def _verify_page(request: HttpRequest, document: Document, form: CopyCheckForm, check: documents.CopyCheck | None,
                 *, status: int = 200) -> HttpResponse:
    successor = Document.objects.filter(supersedes=document).exclude(sha256="").only("public_code", "number").first()
    return render(request, "certification/documents/verify.html", {
        "document": document, "f": document.facts, "form": form, "check": check, "successor": successor,
        "not_ao": documents.NOT_AO, "issued_on": documents.as_date(document.facts.get("issued_on", "")),
        "certified_on": documents.as_date(document.facts.get("ao_certificate_date", "")),
    }, status=status)
