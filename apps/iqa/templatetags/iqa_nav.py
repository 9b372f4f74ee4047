"""What the navigation offers of the IQA pages, as decided by apps/iqa/access.py."""

from __future__ import annotations

from django import template

from apps.iqa import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_read_quality(context) -> bool:
    """The "Quality assurance" entry: IQAs, the lead IQA, admins and EQAs read the coverage page."""
    request = context.get("request")
    return access.may_read_quality(getattr(request, "membership", None))


@register.simple_tag(takes_context=True)
def may_request_reports(context) -> bool:
    """The "Reports" tab: those who may ask for IQA reports (never an EQA)."""
    request = context.get("request")
    return access.may_request_reports(getattr(request, "membership", None))
