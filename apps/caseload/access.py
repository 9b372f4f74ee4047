"""Who has a caseload: assessors, over the learners assigned to them (the scope is the
learners app's; a person is never on their own caseload)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.centres.access import capability_required
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.learners.access import enrolments_assessed_by
from apps.learners.models import Enrolment

caseload_required = capability_required(Cap.ASSESS)


def caseload_enrolments(membership: Membership | None) -> QuerySet[Enrolment]:
    """Active enrolments assigned to this assessor, their own excluded."""
    return enrolments_assessed_by(membership).filter(status=Enrolment.Status.ACTIVE)
