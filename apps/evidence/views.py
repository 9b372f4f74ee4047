"""Portfolio pages: the learner builds evidence; staff who may see the enrolment read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.audit.middleware import client_ip
from apps.centres.roles import Cap
from apps.learners.models import Enrolment
from apps.learners.selectors import enrolment_get, enrolments_visible
from apps.qualifications.models import LearningOutcome, Unit

from . import exports, files, selectors, services
from .forms import EvidenceForm, SubmitForm
from .models import Evidence, EvidenceFile, EvidenceVersion


def _is_owner(request: HttpRequest, enrolment: Enrolment) -> bool:
    """Only the learner whose portfolio it is changes it."""
    return (
        request.membership is not None
        and request.membership.can(Cap.OWN_PORTFOLIO)
        and enrolment.learner.user_id == request.user.pk
    )


def _require_owner(request: HttpRequest, enrolment: Enrolment) -> None:
    if not _is_owner(request, enrolment):
        raise PermissionDenied("Only the learner changes their own portfolio.")


def _learners_own(evidence: Evidence) -> bool:
    """Records an assessor or witness made (observations, testimony) are not the learner's to change."""
    return evidence.created_by_id == evidence.enrolment.learner.user_id


def _require_may_change(request: HttpRequest, evidence: Evidence) -> None:
    _require_owner(request, evidence.enrolment)
    if not _learners_own(evidence):
        raise PermissionDenied("This record was made by your assessor or a witness; only they can change it.")


@login_required
def portfolio_home(request: HttpRequest) -> HttpResponse:
    """A learner's way in: straight to the portfolio when there is one enrolment."""
    enrolments = list(
        enrolments_visible(membership=request.membership)
        .filter(learner__user=request.user)
        .select_related("qualification")
    )
    if len(enrolments) == 1:
        return redirect("portfolio", enrolment=enrolments[0].pk)
    return render(request, "evidence/portfolio_home.html", {"enrolments": enrolments})


@login_required
def portfolio(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = enrolment_get(membership=request.membership, pk=enrolment)
    evidence = (
        Evidence.objects.filter(enrolment=enrolment_obj)
        .select_related("current")
        .annotate(file_count=Count("current__evidence_files"))
        .order_by("-current__evidence_date", "-id")
    )
    q = request.GET.get("q", "").strip()
    method = request.GET.get("method", "")
    status = request.GET.get("status", "")
    unit = request.GET.get("unit", "")
    if q:
        evidence = evidence.filter(
            Q(current__title__icontains=q) | Q(current__description__icontains=q) | Q(current__text__icontains=q)
        )
    if method in Evidence.Method.values:
        evidence = evidence.filter(current__method=method)
    if status in Evidence.Status.values:
        evidence = evidence.filter(status=status)
    if unit.isdigit():
        evidence = evidence.filter(current__suggested_criteria__unit_id=int(unit)).distinct()
    page = Paginator(evidence, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evidence/portfolio.html",
        {
            "enrolment": enrolment_obj,
            "page": page,
            "is_owner": _is_owner(request, enrolment_obj),
            "can_export": exports.can_export(request.membership, enrolment_obj),
            "units": Unit.objects.filter(qualification=enrolment_obj.qualification_id).only("id", "number", "title"),
            "methods": Evidence.Method.choices,
            "statuses": Evidence.Status.choices,
            "filters": {"q": q, "method": method, "status": status, "unit": unit},
            "query": query.urlencode(),
        },
    )


def _criteria_tree(enrolment: Enrolment):
    """Units of the qualification with outcomes and criteria, for the suggestion checkboxes."""
    return Unit.objects.filter(qualification=enrolment.qualification_id).prefetch_related(
        Prefetch("outcomes", queryset=LearningOutcome.objects.prefetch_related("criteria"))
    )


def _evidence_form_page(request, *, enrolment: Enrolment, evidence: Evidence | None) -> HttpResponse:
    initial = {}
    if evidence is not None:
        v = evidence.current
        initial = {
            "title": v.title, "evidence_date": v.evidence_date, "method": v.method, "context": v.context,
            "description": v.description, "text": v.text, "criteria": list(v.suggested_criteria.values_list("pk", flat=True)),
        }
    data, upload_errors = _with_plain_uploads(request, enrolment) if request.method == "POST" else (None, [])
    form = EvidenceForm(data, initial=initial, enrolment=enrolment, user=request.user, evidence=evidence)
    for message in upload_errors:
        form.add_error(None, message)
    if request.method == "POST" and form.is_valid():
        try:
            if evidence is None:
                evidence = services.evidence_create(enrolment=enrolment, actor=request.user, content=form.content())
                messages.success(request, "Evidence saved as a draft. Submit it when it is ready for your assessor.")
            else:
                was_locked = evidence.current.is_locked
                evidence = services.evidence_update(evidence=evidence, actor=request.user, content=form.content())
                messages.success(
                    request,
                    f"Saved as version {evidence.current.number}; the earlier version stays in the history."
                    if was_locked else "Changes saved.",
                )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect("evidence_detail", pk=evidence.pk)
    if request.method == "POST":
        chosen_files = form.chosen_files
    else:
        chosen_files = list(evidence.current.files.all()) if evidence is not None else []
    selected = {str(pk) for pk in (request.POST.getlist("criteria") if request.method == "POST" else initial.get("criteria", []))}
    return render(
        request,
        "evidence/evidence_form.html",
        {
            "form": form, "enrolment": enrolment, "evidence": evidence, "units": _criteria_tree(enrolment),
            "about_fields": [form[name] for name in ("title", "evidence_date", "method", "context", "description", "text")],
            "selected": selected, "chosen_files": chosen_files, "show_confirm": form.needs_confirmation,
        },
    )


def _with_plain_uploads(request: HttpRequest, enrolment: Enrolment):
    """Without JavaScript the files arrive with the form: store each, then treat them as uploaded.
    A refused file is reported and nothing is saved until the learner fixes the form."""
    data = request.POST.copy()
    errors = []
    for uploaded in request.FILES.getlist("upload"):
        try:
            stored = files.store_upload(uploaded_file=uploaded, centre=enrolment.centre, uploaded_by=request.user)
        except files.FileRejected as exc:
            errors.append(exc.reason)
        else:
            data.appendlist("files", str(stored.pk))
    return data, errors


@login_required
def evidence_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = enrolment_get(membership=request.membership, pk=enrolment)
    _require_owner(request, enrolment_obj)
    return _evidence_form_page(request, enrolment=enrolment_obj, evidence=None)


@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(membership=request.membership, pk=pk)
    _require_may_change(request, evidence)
    if evidence.status == Evidence.Status.SUBMITTED:
        messages.info(request, "Submitted evidence waits for your assessor. Withdraw it first to change it.")
        return redirect("evidence_detail", pk=evidence.pk)
    return _evidence_form_page(request, enrolment=evidence.enrolment, evidence=evidence)


@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(membership=request.membership, pk=pk)
    versions = (
        EvidenceVersion.objects.filter(evidence=evidence)
        .prefetch_related(
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")),
            Prefetch("suggested_criteria", queryset=_criteria_with_units()),
        )
        .order_by("-number")
    )
    versions = list(versions)
    if _is_owner(request, evidence.enrolment):
        from apps.assessment.services import feedback_mark_read

        feedback_mark_read(evidence=evidence, actor=request.user)
    return render(
        request,
        "evidence/evidence_detail.html",
        {
            "evidence": evidence,
            "enrolment": evidence.enrolment,
            "current": next(v for v in versions if v.pk == evidence.current_id),
            "history": [v for v in versions if v.pk != evidence.current_id],
            "is_owner": _is_owner(request, evidence.enrolment),
            "may_change": _is_owner(request, evidence.enrolment) and _learners_own(evidence),
            "learners_own": _learners_own(evidence),
        },
    )


def _criteria_with_units():
    from apps.qualifications.models import AssessmentCriterion

    return AssessmentCriterion.objects.select_related("unit", "outcome").order_by("unit__position", "outcome__position", "position")


@login_required
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(membership=request.membership, pk=pk)
    _require_may_change(request, evidence)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_submit(
                evidence=evidence, actor=request.user, declared_name=form.cleaned_data["declared_name"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Submitted. Your assessor has been told it is waiting.")
            return redirect("evidence_detail", pk=evidence.pk)
    return render(request, "evidence/evidence_submit.html", {"evidence": evidence, "form": form})


@require_POST
@login_required
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(membership=request.membership, pk=pk)
    _require_may_change(request, evidence)
    try:
        services.evidence_withdraw(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Withdrawn. You can change it and submit it again.")
    return redirect("evidence_detail", pk=evidence.pk)


# --- portfolio export ---------------------------------------------------------------


@require_POST
@login_required
def export_request(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = enrolment_get(membership=request.membership, pk=enrolment)
    if not exports.can_export(request.membership, enrolment_obj):
        raise PermissionDenied("Only the learner or a centre admin exports a portfolio.")
    export = exports.portfolio_export_request(
        enrolment=enrolment_obj, membership=request.membership, base_url=request.build_absolute_uri("/")
    )
    messages.info(request, "The export is being built. This page shows its progress; you will also get an email.")
    return redirect("portfolio_export", pk=export.pk)


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = exports.export_get(membership=request.membership, pk=pk)
    template = "evidence/export_status.html" if request.htmx else "evidence/export.html"
    return render(request, template, {"export": export})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import FileResponse, Http404
    from django.core.files.storage import default_storage

    export = exports.export_get(membership=request.membership, pk=pk)
    if export.status != export.Status.READY:
        raise Http404("This export is not ready.")
    name = f"portfolio-{export.enrolment.learner.full_name}-{export.created_at:%Y-%m-%d}.zip".replace(" ", "-")
    response = FileResponse(default_storage.open(export.key, "rb"), as_attachment=True, filename=name,
                            content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response
