"""`{% report_buttons_for kind params ref as rb %}`: what templates/iqa/includes/report_buttons.html
shows: whether the member may ask for the report (access decides), its hidden fields, its CSV link."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from apps.iqa import access
from apps.iqa.models import Report

register = template.Library()

REF_KEYS = {Report.Kind.SAMPLE: "sample", Report.Kind.PLAN: "plan"}


@register.simple_tag(takes_context=True)
def report_buttons_for(context: template.Context, kind: str, params: Any = None, ref: Any = None) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    fields = dict(params or {})
    if ref not in (None, "") and kind in REF_KEYS:
        fields[REF_KEYS[kind]] = ref
    csv_url = ""
    if kind == Report.Kind.PLAN and fields.get("plan"):
        csv_url = reverse("iqa_plan_csv", args=[fields["plan"]])
    elif kind == Report.Kind.ACTIONS:
        csv_url = reverse("iqa_actions_csv") + ("?" + urlencode(fields) if fields else "")
    return {
        "can": kind in Report.Kind.values and access.may_request_reports(membership),
        "kind": kind, "label": dict(Report.Kind.choices).get(kind, ""),
        "fields": sorted((str(k), "" if v is None else str(v)) for k, v in fields.items()),
        "csv_url": csv_url, "next": request.get_full_path() if request else "",
    }
