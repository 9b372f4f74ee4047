"""Assessment pages: the assessor's evidence page, corrections, countersignatures, units and
the tracking matrix. Views resolve the object through `access` (outside the member's scope
a 404, in scope without the right a 403), call one service and redirect."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from apps.audit.middleware import client_ip
from apps.learners.access import is_own_learner

from . import access, pages, selectors, services
from .facts import _acknowledgement
from .forms import (
    AcknowledgeForm,
    AssessmentForm,
    CorrectionForm,
    CountersignForm,
    ReopenForm,
    SignOffForm,
    WithdrawCoverageForm,
)
from .models import Decision, RequirementCoverage, UnitSignOff

# --- the evidence page ------------------------------------------------------------------------


def _assessment_form(page: pages.EvidencePage, data=None) -> AssessmentForm:
    # Every criterion of the qualification is read, not only those of units in the page: units
    # fetched after it post theirs too. Locked units' criteria are read too: when a unit was
    # signed off while the page was open, the service refuses them with a clear message
    # instead of dropping them silently.
    return AssessmentForm(
        data,
        criterion_ids=set(page.criteria),
        suggested_ids={r.criterion.pk for r in page.suggestions},
        requirement_ids=page.requirement_ids,
        labels=page.criterion_label,
    )


MAX_OPENED = 100  # units a link may ask to open (a qualification has fewer)


def _opened(request: HttpRequest) -> list[int]:
    """Units the page was asked to open with their judgement fields (?open=<unit id>, repeated):
    the links a browser without JavaScript follows instead of fetching a unit's grid."""
    return [int(v) for v in request.GET.getlist("open")[:MAX_OPENED] if v.isdigit() and len(v) < 12]


def _render_evidence(request: HttpRequest, evidence, *, form: AssessmentForm | None = None,
                     correction: tuple[int, CorrectionForm] | None = None,
                     withdrawal: tuple[int, WithdrawCoverageForm] | None = None, status: int = 200) -> HttpResponse:
    page = pages.evidence_page(
        evidence, entered=form.entered if form is not None else None, opened=_opened(request),
        every_unit=request.GET.get("units") == "all",
    )
    membership = request.membership
    assessor = access.may_assess(membership, page.enrolment)
    if form is None:
        form = _assessment_form(page)
    corrections = {}
    withdrawals = {}
    if assessor:
        for version in page.history:
            for d in version.decisions:
                if not d.corrected and not d.locked:
                    corrections[d.decision.pk] = CorrectionForm(prefix=f"correct-{d.decision.pk}")
            for c in version.coverage:
                if not c.superseded and c.coverage.covered and not c.locked:
                    withdrawals[c.coverage.pk] = WithdrawCoverageForm(prefix=f"withdraw-{c.coverage.pk}")
    if correction:
        corrections[correction[0]] = correction[1]
    if withdrawal:
        withdrawals[withdrawal[0]] = withdrawal[1]
    for version in page.history:
        for d in version.decisions:
            d.form = corrections.get(d.decision.pk)
        for c in version.coverage:
            c.form = withdrawals.get(c.coverage.pk)
    return render(
        request,
        "assessment/evidence.html",
        {
            "page": page,
            "evidence": evidence,
            "enrolment": page.enrolment,
            "current": page.current,
            "form": form,
            "outcome_form": form.outcome_form,
            "can_assess": assessor and page.assessable,
            "is_assessor": assessor,
            "is_trainee": assessor and access.decides_provisionally(membership),
            "can_countersign": access.may_countersign(membership),
            "countersign_form": CountersignForm(prefix="countersign"),
            # Query strings of the links that open units without the script (each keeps those open).
            "open_query": urlencode([("open", pk) for pk in page.opened]) + "&" if page.opened else "",
            "fields_query": urlencode([("open", pk) for pk in page.loaded_unit_ids]),
        },
        status=status,
    )


@login_required
def evidence_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the evidence with its files, the learner's suggestions and the mapping grid.
    POST: map, judge, accept or refer, signed: one post."""
    if request.method != "POST":
        return _render_evidence(request, access.evidence_get_for_reading(membership=request.membership, pk=pk))
    evidence = access.evidence_get_for_assessing(membership=request.membership, pk=pk)
    page = pages.evidence_page(evidence)
    form = _assessment_form(page, request.POST)
    if form.is_valid():
        try:
            assessment = services.evidence_assess(
                evidence=evidence, actor=request.user, judgement=form.judgement(), signed_name=form.signed_name,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            form.errors.extend(exc.messages)
        else:
            if assessment.outcome == "accepted":
                messages.success(request, "Evidence accepted; the learner has been told.")
            else:
                messages.success(request, "Evidence referred back to the learner with your feedback.")
            return redirect("assessment_evidence", pk=evidence.pk)
    return _render_evidence(request, evidence, form=form)


@require_safe
@login_required
def evidence_unit(request: HttpRequest, pk: int, unit: int) -> HttpResponse:
    """One unit's grid of the evidence page, fetched (htmx) when the assessor opens the unit.
    Whoever may read the page may read it; only who may assess gets tick boxes."""
    evidence = access.evidence_get_for_reading(membership=request.membership, pk=pk)
    grid_unit = pages.evidence_unit(evidence, unit_id=unit)
    assessor = access.may_assess(request.membership, evidence.enrolment)
    return render(
        request,
        "assessment/includes/grid_body.html",
        {"u": grid_unit, "evidence": evidence, "enrolment": evidence.enrolment,
         "can_assess": assessor and evidence.status == evidence.Status.SUBMITTED},
    )


@require_POST
@login_required
def decision_correct(request: HttpRequest, pk: int, decision: int) -> HttpResponse:
    evidence = access.evidence_get_for_assessing(membership=request.membership, pk=pk)
    decision_obj = get_object_or_404(Decision, pk=decision, version__evidence=evidence)
    form = CorrectionForm(request.POST, prefix=f"correct-{decision_obj.pk}")
    if form.is_valid():
        try:
            services.decision_correct(
                decision=decision_obj, actor=request.user, outcome=form.cleaned_data["outcome"],
                feedback=form.cleaned_data["feedback"], reason=form.cleaned_data["reason"],
                signed_name=form.cleaned_data["signed_name"], ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Decision corrected; the earlier decision stays on record.")
            return redirect(reverse("assessment_evidence", args=[evidence.pk]) + "#history-h")
    return _render_evidence(request, evidence, correction=(decision_obj.pk, form))


@require_POST
@login_required
def coverage_withdraw(request: HttpRequest, pk: int, coverage: int) -> HttpResponse:
    evidence = access.evidence_get_for_assessing(membership=request.membership, pk=pk)
    coverage_obj = get_object_or_404(RequirementCoverage, pk=coverage, version__evidence=evidence)
    form = WithdrawCoverageForm(request.POST, prefix=f"withdraw-{coverage_obj.pk}")
    if form.is_valid():
        try:
            services.requirement_coverage_withdraw(
                coverage=coverage_obj, actor=request.user, reason=form.cleaned_data["reason"],
                signed_name=form.cleaned_data["signed_name"], ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Tick withdrawn; the earlier tick stays on record.")
            return redirect(reverse("assessment_evidence", args=[evidence.pk]) + "#history-h")
    return _render_evidence(request, evidence, withdrawal=(coverage_obj.pk, form))


# --- countersignatures ----------------------------------------------------------------------------


@access.assessor_required
def countersign_queue(request: HttpRequest) -> HttpResponse:
    """Qualified assessors: trainees' provisional decisions in the centre, and countersigning them."""
    membership = request.membership
    if not access.may_countersign(membership):
        raise PermissionDenied("Trainee assessors do not countersign decisions.")
    queue = selectors.countersign_queue(membership=membership)
    form = CountersignForm(request.POST or None, prefix="countersign")
    if request.method == "POST":
        ids = []
        for value in request.POST.getlist("decision"):
            try:
                ids.append(int(value))
            except ValueError:
                continue
        chosen = list(queue.filter(pk__in=ids))
        next_url = request.POST.get("next", "")
        if form.is_valid():
            try:
                if len(chosen) != len(set(ids)):
                    raise ValidationError("Some of these decisions are no longer waiting for a countersignature.")
                done = services.decisions_countersign(
                    decisions=chosen, actor=request.user, signed_name=form.cleaned_data["signed_name"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"{len(done)} decision{'s' if len(done) != 1 else ''} countersigned.")
                if next_url.startswith("/assessment/evidence/"):
                    return redirect(next_url)
                return redirect("assessment_countersign")
        if next_url.startswith("/assessment/evidence/"):
            for error in form.non_field_errors() + form.errors.get("signed_name", []):
                messages.error(request, error)
            return redirect(next_url)
    groups: dict[int, dict] = {}
    for d in queue:
        group = groups.setdefault(d.version_id, {"version": d.version, "enrolment": d.enrolment, "decisions": []})
        group["decisions"].append(d)
    visible = set(
        selectors.enrolments_visible_ids(membership=membership, ids={g["enrolment"].pk for g in groups.values()})
    )
    for g in groups.values():
        g["can_open"] = g["enrolment"].pk in visible
    return render(request, "assessment/countersign.html", {"groups": list(groups.values()), "form": form})


# --- units -----------------------------------------------------------------------------------------


def _unit_page(request: HttpRequest, enrolment, unit, *, sign_off_form=None, acknowledge_form=None,
               reopen_form=None) -> HttpResponse:
    membership = request.membership
    view = pages.unit_view(enrolment, unit)
    is_learner = is_own_learner(membership, enrolment)
    assessor = access.may_assess(membership, enrolment)
    can_sign = assessor and access.may_sign_off(membership, enrolment)
    return render(
        request,
        "assessment/unit.html",
        {
            "enrolment": enrolment,
            "view": view,
            "unit": unit,
            "is_learner": is_learner,
            "staff_view": not is_learner,
            "is_assessor": assessor,
            "can_sign_off": can_sign and view.sign_off is None and enrolment.status == "active",
            "is_trainee": assessor and access.decides_provisionally(membership),
            "can_acknowledge": is_learner and view.sign_off is not None and not _acknowledged(view.sign_off),
            "can_reopen": view.sign_off is not None and access.may_reopen(membership, enrolment),
            "sign_off_form": sign_off_form or SignOffForm(prefix="signoff"),
            "acknowledge_form": acknowledge_form or AcknowledgeForm(prefix="ack"),
            "reopen_form": reopen_form or ReopenForm(prefix="reopen"),
        },
    )


def _acknowledged(sign_off: UnitSignOff) -> bool:
    return _acknowledgement(sign_off) is not None


@login_required
def unit_detail(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    enrolment = access.enrolment_get_for_tracking(membership=request.membership, pk=pk)
    unit = pages.unit_get(enrolment, number)
    return _unit_page(request, enrolment, unit)


def _unit_url(enrolment, unit) -> str:
    return reverse("assessment_unit", args=[enrolment.pk, unit.number])


@require_POST
@login_required
def unit_sign_off(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    enrolment = access.enrolment_get_for_signing_off(membership=request.membership, pk=pk)
    unit = pages.unit_get(enrolment, number)
    form = SignOffForm(request.POST, prefix="signoff")
    if form.is_valid():
        try:
            services.unit_sign_off(
                enrolment=enrolment, unit=unit, actor=request.user, signed_name=form.cleaned_data["signed_name"],
                comment=form.cleaned_data["comment"], ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Unit {unit.number} signed off. The learner has been asked to acknowledge it.")
            return redirect(_unit_url(enrolment, unit))
    return _unit_page(request, enrolment, unit, sign_off_form=form)


def _sign_off_in_force(enrolment, unit) -> UnitSignOff | None:
    return (
        UnitSignOff.objects.filter(enrolment=enrolment, unit=unit, reopening__isnull=True)
        .order_by("-signed_at", "-id")
        .first()
    )


@require_POST
@login_required
def unit_acknowledge(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    enrolment = access.enrolment_get_for_acknowledging(membership=request.membership, pk=pk)
    unit = pages.unit_get(enrolment, number)
    sign_off = _sign_off_in_force(enrolment, unit)
    if sign_off is None:
        messages.error(request, f"Unit {unit.number} is not signed off: there is nothing to acknowledge.")
        return redirect(_unit_url(enrolment, unit))
    form = AcknowledgeForm(request.POST, prefix="ack")
    if form.is_valid():
        try:
            services.unit_sign_off_acknowledge(
                sign_off=sign_off, actor=request.user, signed_name=form.cleaned_data["signed_name"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Thank you: you have acknowledged the sign-off of unit {unit.number}.")
            return redirect(_unit_url(enrolment, unit))
    return _unit_page(request, enrolment, unit, acknowledge_form=form)


@require_POST
@login_required
def unit_reopen(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    enrolment = access.enrolment_get_for_reopening(membership=request.membership, pk=pk)
    unit = pages.unit_get(enrolment, number)
    sign_off = _sign_off_in_force(enrolment, unit)
    if sign_off is None:
        messages.error(request, f"Unit {unit.number} is not signed off: there is nothing to reopen.")
        return redirect(_unit_url(enrolment, unit))
    form = ReopenForm(request.POST, prefix="reopen")
    if form.is_valid():
        try:
            services.unit_reopen(
                sign_off=sign_off, actor=request.user, reason=form.cleaned_data["reason"],
                signed_name=form.cleaned_data["signed_name"], ip_address=client_ip(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Unit {unit.number} reopened: it can be assessed again.")
            return redirect(_unit_url(enrolment, unit))
    return _unit_page(request, enrolment, unit, reopen_form=form)


# --- the tracking matrix ----------------------------------------------------------------------------


@login_required
def matrix(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = access.enrolment_get_for_tracking(membership=request.membership, pk=pk)
    show_all = request.GET.get("units") == "all"
    data = pages.matrix(enrolment, show_all=show_all)
    is_learner = is_own_learner(request.membership, enrolment)
    return render(
        request,
        "assessment/matrix.html",
        {"enrolment": enrolment, "matrix": data, "is_learner": is_learner, "staff_view": not is_learner},
    )
