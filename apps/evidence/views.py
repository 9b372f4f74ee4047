"""Portfolio pages: the learner builds evidence; staff who may see the enrolment read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.audit.middleware import client_ip
from apps.core import once
from apps.core.lists import list_page
from apps.learners.access import enrolment_get
from apps.learners.models import Enrolment
from apps.learners.selectors import own_enrolments

from . import access, exports, services, storage
from .filters import PortfolioFilter
from .forms import EvidenceForm, SubmitForm
from .models import Evidence, EvidenceFile
from .picker import criteria_picker
from .signals import evidence_opened_by_learner
from .upload_views import limit_plain_uploads


@login_required
def portfolio_home(request: HttpRequest) -> HttpResponse:
    """A learner's way in: straight to the portfolio when there is one enrolment."""
    enrolments = list(own_enrolments(membership=request.membership))
    if len(enrolments) == 1:
        return redirect("portfolio", enrolment=enrolments[0].pk)
    return render(request, "evidence/portfolio_home.html", {"enrolments": enrolments})


@login_required
def portfolio(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = enrolment_get(membership=request.membership, pk=enrolment)
    is_owner = access.owns_portfolio(request.membership, enrolment_obj)
    # The learner works on their current versions; everyone else sees what was submitted.
    v = "current" if is_owner else "shared_version"
    filters = PortfolioFilter(
        request.GET,
        queryset=access.evidence_visible(membership=request.membership).filter(enrolment=enrolment_obj),
        version=v,
        qualification_id=enrolment_obj.qualification_id,
    )
    evidence = (
        filters.qs.select_related(v)
        .annotate(file_count=Count(f"{v}__evidence_files"))
        .order_by(f"-{v}__evidence_date", "-id")
    )
    listed = list_page(request, evidence, per_page=25)
    page = listed.page
    for row in page:
        row.shown = getattr(row, v)
    return render(
        request,
        "evidence/portfolio.html",
        {
            "enrolment": enrolment_obj,
            "page": page,
            "is_owner": is_owner,
            "can_export": access.may_export(request.membership, enrolment_obj),
            # Staff read each piece's assessment there; its assessors assess what is waiting.
            "can_assess": access.may_assess(request.membership, enrolment_obj),
            "form": filters.form,
            "filtering": filters.form.has_changed(),
            "query": listed.query,
        },
    )


SAVED_DRAFT = "Evidence saved as a draft. Submit it when it is ready for your assessor."


def _evidence_form_page(request, *, enrolment: Enrolment, evidence: Evidence | None) -> HttpResponse:
    if request.method == "POST":
        token, sent = once.token_of(request), once.fingerprint(request)

        def repeat() -> HttpResponse | None:
            """The same form again (a double click) that the first send saved: show what it saved."""
            earlier = once.earlier_result(token=token, user=request.user, fingerprint=sent)
            if earlier is None:
                return None
            messages.success(request, SAVED_DRAFT if evidence is None else "Changes saved.")
            return redirect("evidence_detail", pk=earlier)

        if answer := repeat():
            return answer
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
                pk, _ = once.do_once(
                    token=token, user=request.user, fingerprint=sent,
                    work=lambda: services.evidence_create(enrolment=enrolment, actor=request.user, content=form.content()).pk,
                )
                messages.success(request, SAVED_DRAFT)
                return redirect("evidence_detail", pk=pk)
            was_locked = evidence.current.is_locked
            once.do_once(
                token=token, user=request.user, fingerprint=sent,
                work=lambda: services.evidence_update(evidence=evidence, actor=request.user, content=form.content()).pk,
            )
            evidence.refresh_from_db()
            messages.success(
                request,
                f"Saved as version {evidence.current.number}; the earlier version stays in the history."
                if was_locked else "Changes saved.",
            )
            return redirect("evidence_detail", pk=evidence.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    if request.method == "POST":
        # Refused, perhaps only because the first send committed meanwhile (its files are now
        # "already in the portfolio"): a repeat is still shown what the first saved.
        if answer := repeat():
            return answer
        chosen_files = form.chosen_files
    else:
        chosen_files = list(evidence.current.files.all()) if evidence is not None else []
    selected = {str(pk) for pk in (request.POST.getlist("criteria") if request.method == "POST" else initial.get("criteria", []))}
    return render(
        request,
        "evidence/evidence_form.html",
        {
            "form": form, "enrolment": enrolment, "evidence": evidence, "picker": criteria_picker(enrolment=enrolment, selected=selected, query=request.GET),
            "about_fields": [form[name] for name in ("title", "evidence_date", "method", "context", "description", "text")],
            "selected": selected, "chosen_files": chosen_files, "show_confirm": form.needs_confirmation,
            # Referred back (or being changed since): the assessor's feedback stays beside the form.
            # A piece withdrawn before anyone assessed it has no feedback to show.
            "revising": evidence is not None and (
                evidence.status == Evidence.Status.REFERRED
                or (evidence.status == Evidence.Status.DRAFT and evidence.shared_version is not None
                    and evidence.shared_version.withdrawn_at is None)
            ),
        },
    )


def _with_plain_uploads(request: HttpRequest, enrolment: Enrolment):
    """Without JavaScript the files arrive with the form: store each, then treat them as uploaded.
    A refused file is reported and nothing is saved until the learner fixes the form."""
    data = request.POST.copy()
    errors = []
    for uploaded in request.FILES.getlist("upload"):
        try:
            stored = storage.store_upload(uploaded_file=uploaded, centre=enrolment.centre, uploaded_by=request.user)
        except storage.FileRejected as exc:
            errors.append(exc.reason)
        else:
            data.appendlist("files", str(stored.pk))
    return data, errors


@limit_plain_uploads
@login_required
def evidence_new(request: HttpRequest, enrolment: int) -> HttpResponse:
    enrolment_obj = enrolment_get(membership=request.membership, pk=enrolment)
    if not access.owns_portfolio(request.membership, enrolment_obj):
        raise PermissionDenied("Only the learner adds evidence to their portfolio.")
    return _evidence_form_page(request, enrolment=enrolment_obj, evidence=None)


@limit_plain_uploads
@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access.evidence_get_for_changing(membership=request.membership, pk=pk)
    if evidence.status == Evidence.Status.SUBMITTED:
        messages.info(request, "Submitted evidence waits for your assessor. Withdraw it first to change it.")
        return redirect("evidence_detail", pk=evidence.pk)
    return _evidence_form_page(request, enrolment=evidence.enrolment, evidence=evidence)


@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access.evidence_get(membership=request.membership, pk=pk)
    membership = request.membership
    versions = list(
        access.versions_shown(membership, evidence)
        .prefetch_related(
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")),
            Prefetch("suggested_criteria", queryset=_criteria_with_units()),
        )
        .order_by("-number")
    )
    shown = access.version_shown(membership, evidence)
    is_owner = access.is_owner(membership, evidence)
    if is_owner:
        evidence_opened_by_learner.send(sender=Evidence, evidence=evidence, user=request.user)
    return render(
        request,
        "evidence/evidence_detail.html",
        {
            "evidence": evidence,
            "enrolment": evidence.enrolment,
            "current": next(v for v in versions if v.pk == shown.pk),
            "history": [v for v in versions if v.pk != shown.pk],
            "is_owner": is_owner,
            "may_change": access.may_change(membership, evidence),
            "learners_own": access.learners_own(evidence),
            "can_assess": access.may_assess(membership, evidence.enrolment),
            # The learner is changing a referred or withdrawn piece: others see what was submitted.
            "being_revised": not is_owner and shown.pk != evidence.current_id,
        },
    )


def _criteria_with_units():
    from apps.qualifications.models import AssessmentCriterion

    return AssessmentCriterion.objects.select_related("unit", "outcome").order_by("unit__position", "outcome__position", "position")


@login_required
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access.evidence_get_for_changing(membership=request.membership, pk=pk)
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
    evidence = access.evidence_get_for_changing(membership=request.membership, pk=pk)
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
    if not access.may_export(request.membership, enrolment_obj):
        raise PermissionDenied("Only the learner or a centre admin exports a portfolio.")
    export = exports.portfolio_export_request(
        enrolment=enrolment_obj, actor=request.user, base_url=request.build_absolute_uri("/")
    )
    messages.info(request, "The export is being built. This page shows its progress; you will also get an email.")
    return redirect("portfolio_export", pk=export.pk)


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = access.export_get(membership=request.membership, pk=pk)
    template = "evidence/export_status.html" if request.htmx else "evidence/export.html"
    return render(request, template, {"export": export})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    export = access.export_get(membership=request.membership, pk=pk)
    if export.status != export.Status.READY:
        raise Http404("This export is not ready.")
    name = f"portfolio-{export.enrolment.learner.full_name}-{export.created_at:%Y-%m-%d}.zip".replace(" ", "-")
    response = FileResponse(default_storage.open(export.key, "rb"), as_attachment=True, filename=name,
                            content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response
