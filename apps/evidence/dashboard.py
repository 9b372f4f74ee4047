"""What each role's home page shows about portfolios: progress, drafts, evidence waiting."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from apps.centres.models import Membership
from apps.learners.models import Enrolment, PlannedUnit
from apps.learners.selectors import enrolments_visible
from apps.qualifications.models import AssessmentCriterion

from .models import Evidence


@dataclass
class UnitProgress:
    number: str
    title: str
    criteria: int
    met: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.criteria) if self.criteria else 0


@dataclass
class EnrolmentSummary:
    enrolment: Enrolment
    units: list[UnitProgress] = field(default_factory=list)
    drafts: int = 0
    submitted: int = 0
    chosen_optional: int = 0


def learner_summaries(*, membership: Membership | None) -> list[EnrolmentSummary]:
    """The signed-in learner's own active enrolments with unit progress (a fixed number of queries)."""
    enrolments = list(
        enrolments_visible(membership=membership)
        .filter(learner__user=membership.user_id if membership else None, status=Enrolment.Status.ACTIVE)
        .select_related("qualification")
        .annotate(
            drafts=Count("evidence", filter=Q(evidence__status=Evidence.Status.DRAFT), distinct=True),
            submitted=Count("evidence", filter=Q(evidence__status=Evidence.Status.SUBMITTED), distinct=True),
        )
    )
    if not enrolments:
        return []
    planned = list(
        PlannedUnit.objects.filter(enrolment__in=enrolments)
        .select_related("unit")
        .order_by("unit__position")
    )
    totals = dict(
        AssessmentCriterion.objects.filter(unit__in=[p.unit_id for p in planned])
        .values_list("unit")
        .annotate(n=Count("pk"))
    )
    by_enrolment: dict[int, EnrolmentSummary] = {
        e.pk: EnrolmentSummary(enrolment=e, drafts=e.drafts, submitted=e.submitted) for e in enrolments
    }
    for p in planned:
        summary = by_enrolment[p.enrolment_id]
        summary.units.append(UnitProgress(number=p.unit.number, title=p.unit.title, criteria=totals.get(p.unit_id, 0)))
        if p.source == PlannedUnit.Source.CHOSEN:
            summary.chosen_optional += 1
    return list(by_enrolment.values())


def evidence_waiting_for(*, membership: Membership | None, limit: int = 10) -> tuple[list[Evidence], int]:
    """Submitted evidence of the learners assigned to this assessor, oldest first, and how many in all."""
    if membership is None:
        return [], 0
    qs = (
        Evidence.objects.filter(
            status=Evidence.Status.SUBMITTED,
            enrolment__in=enrolments_visible(membership=membership).filter(assessors=membership.user_id),
        )
        .select_related("current", "enrolment__learner", "enrolment__qualification")
        .order_by("submitted_at", "id")
    )
    rows = list(qs[:limit])
    for row in rows:
        row.waiting_days = (timezone.now() - row.submitted_at).days
    return rows, qs.count()
