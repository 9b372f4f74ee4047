"""Template helpers for assessment: {% load assessment %}.

- {% assessment_history evidence %} shows each assessed version of a piece of evidence with
  its outcome, feedback and decisions (for the learner's evidence page; three queries).
- {% qualification_status progress %} shows the live qualification status of a Progress
  from `progress.enrolment_status` / `enrolment_progress_many`.
"""

from __future__ import annotations

from django import template

from apps.learners.models import PriorAchievement

from .. import pages
from ..status import STATE_LABELS

register = template.Library()

ROUTES = {"assessed": "assessed", **{value: label.lower() for value, label in PriorAchievement.Route.choices}}


@register.filter
def route_label(route: str) -> str:
    return ROUTES.get(route, route)


@register.filter
def prior_route_label(route: str) -> str:
    """How a unit achieved elsewhere counts (credit transfer, RPL, exemption); '' for an assessed unit."""
    return "" if route == "assessed" else ROUTES.get(route, route)


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.inclusion_tag("assessment/includes/version_assessments.html")
def assessment_history(evidence, heading_level: int = 2):
    return {"history": pages.assessment_history(evidence), "h": heading_level, "sub": heading_level + 1}


@register.inclusion_tag("assessment/includes/qualification_status.html", takes_context=True)
def qualification_status(context, progress, heading_level: int = 2):
    return {"progress": progress, "status": progress.qualification, "h": heading_level}
