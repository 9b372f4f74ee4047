"""Pieces of assessment records that other apps' pages show.

    {% load records %}
    {% record_summary version %}     on the evidence page: the record this version came from
    {% new_record_menu enrolment %}  for the assessors assigned to the enrolment
"""

from __future__ import annotations

from django import template

from apps.learners.access import is_learner_of
from apps.learners.models import Enrolment

from .. import access, selectors

register = template.Library()

KIND_OF_MODEL = {
    "observation": "observation",
    "questioning": "questioning",
    "professionaldiscussion": "discussion",
    "witnessrequest": "witness",
}


@register.inclusion_tag("records/includes/record_summary.html", takes_context=True)
def record_summary(context, version) -> dict:
    """The assessment record behind a version of evidence, if any (one query)."""
    record = selectors.record_for_version(version) if version is not None else None
    if record is None:
        return {"record": None}
    request = context.get("request")
    user_id = getattr(getattr(request, "user", None), "pk", None)
    return {
        "record": record,
        "kind": KIND_OF_MODEL[record._meta.model_name],
        "is_learner": is_learner_of(user_id, record.enrolment),
    }


@register.inclusion_tag("records/includes/new_record_menu.html", takes_context=True)
def new_record_menu(context, enrolment: Enrolment) -> dict:
    """Links to create each kind of record, shown only to an assessor assigned to the enrolment."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    return {"enrolment": enrolment, "show": access.may_record(membership, enrolment)}
