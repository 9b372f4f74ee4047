"""What the navigation offers of the certification pages, as decided by apps/certification/access.py."""

from __future__ import annotations

from django import template

from apps.certification import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_read_claims(context) -> bool:
    """The "Claims" entry: centre admins, the lead IQA and the centre's EQA."""
    request = context.get("request")
    return access.may_read_claims(getattr(request, "membership", None))


@register.simple_tag(takes_context=True)
def may_read_ready(context) -> bool:
    """The "Ready to claim" tab, and where "Claims" leads: centre admins and the lead IQA (an
    EQA starts at the batches)."""
    request = context.get("request")
    return access.may_read_ready(getattr(request, "membership", None))
