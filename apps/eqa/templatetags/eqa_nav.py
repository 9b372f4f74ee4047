"""What the navigation offers of the EQA pages, as decided by apps/eqa/access.py."""

from __future__ import annotations

from django import template

from apps.eqa import access

register = template.Library()


def _membership(context):
    return getattr(context.get("request"), "membership", None)


@register.simple_tag(takes_context=True)
def works_as_eqa(context) -> bool:
    """The "External quality assurance" entry: the EQA's hub."""
    membership = _membership(context)
    return access.works_as_eqa(membership) and not access.is_centre_side(membership)


@register.simple_tag(takes_context=True)
def hosts_eqa(context) -> bool:
    """The "EQA access" entry: admins and the lead IQA, who host the visit."""
    return access.is_centre_side(_membership(context))
