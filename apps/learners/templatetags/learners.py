"""{% load learners %}{% own_enrolments %}: the signed-in learner's enrolments with links to
their unit plans, for the learner's home page."""

from __future__ import annotations

from django import template

from ..selectors import own_enrolments as select_own_enrolments

register = template.Library()


@register.inclusion_tag("learners/includes/own_enrolments.html", takes_context=True)
def own_enrolments(context) -> dict:
    return {"enrolments": list(select_own_enrolments(membership=context.get("membership")))}
