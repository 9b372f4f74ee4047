"""The IQA's reports: ask for a PDF, watch it being made, download it; the plan and the action
log as CSV at once. Thin views: access decides, apps/iqa/reports.py does the work."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.audit.services import audit_record
from apps.core.http import private_download
from apps.qualifications.models import Qualification

from . import access, reports
from .models import Report

NOT_READER = "Only internal quality assurers and centre admins ask for these reports."
# The fields of the request form that are not the report's parameters.
FORM_FIELDS = {"csrfmiddlewaretoken", "kind", "next"}


def _require_reader(request: HttpRequest) -> None:
    if not access.may_request_reports(request.membership):
        raise PermissionDenied(NOT_READER)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "iqa_reports"


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The member's reports, newest first, and the forms for the reports about no one record."""
    _require_reader(request)
    mine = list(access.reports_visible(request.membership).order_by("-created_at", "-id")[:50])
    qualification_ids = access.enrolments_in_scope(request.membership).values_list("qualification_id", flat=True)
    today = timezone.localdate()
    return render(request, "iqa/reports/list.html", {
        "reports": [{"report": r, "title": reports.report_title(r.kind, r.params)} for r in mine],
        "qualifications": Qualification.objects.filter(pk__in=qualification_ids).order_by("number", "version"),
        "default_from": (today - timedelta(days=90)).isoformat(), "default_to": today.isoformat(),
        "Kind": Report.Kind,
    })


@login_required
@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    kind = request.POST.get("kind", "")
    params = {key: value for key, value in request.POST.items() if key not in FORM_FIELDS}
    try:
        report = reports.report_request(actor=request.user, centre=request.membership.centre, kind=kind, params=params)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request))
    messages.info(request, "Your report is being made. This page shows when it is ready; you will also get a notification.")
    return redirect("iqa_report", pk=report.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_get(membership=request.membership, pk=pk)
    context = {"report": report, "title": reports.report_title(report.kind, report.params),
               "waiting": report.status in (Report.Status.QUEUED, Report.Status.RUNNING)}
    template = "iqa/reports/status.html" if getattr(request, "htmx", False) else "iqa/reports/detail.html"
    return render(request, template, context)


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_get(membership=request.membership, pk=pk)
    if report.status != Report.Status.DONE:
        raise Http404("This report is not ready.")
    with transaction.atomic():
        reports.report_download(actor=request.user, report=report)
    return private_download(default_storage.open(report.key, "rb"), report.filename or f"report-{report.pk}.pdf",
                            "application/pdf")


def _csv_response(data: bytes, filename: str) -> HttpResponseBase:
    return private_download(data, filename, "text/csv; charset=utf-8")


@login_required
@require_GET
def plan_csv(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.plan_get(membership=request.membership, pk=pk)
    _require_reader(request)
    data = reports.plan_csv(plan)
    with transaction.atomic():
        audit_record(action="iqa.report_downloaded", actor=request.user, centre=request.membership.centre, obj=plan,
                     payload={"kind": Report.Kind.PLAN, "format": "csv"})
    return _csv_response(data, f"sampling-plan-P-{plan.pk}-{plan.period_start:%Y-%m-%d}.csv")


@login_required
@require_GET
def actions_csv(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    try:
        params = reports.clean_params(Report.Kind.ACTIONS, request.GET)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("iqa_reports")
    data = reports.actions_csv(request.membership, params)
    with transaction.atomic():
        audit_record(action="iqa.report_downloaded", actor=request.user, centre=request.membership.centre,
                     payload={"kind": Report.Kind.ACTIONS, "format": "csv", "params": params})
    return _csv_response(data, f"action-log-{timezone.localdate():%Y-%m-%d}.csv")
