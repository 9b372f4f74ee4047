"""What the home page shows about portfolios: progress, drafts, evidence waiting."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from apps.assessment.models import EvidenceAssessment
from apps.assessment.progress import Progress, enrolment_progress_many
from apps.centres.models import Membership
from apps.evidence.models import Evidence
from apps.learners.access import enrolments_assessed_by, own_enrolments
from apps.learners.models import Enrolment, PlannedUnit


@dataclass
class EnrolmentSummary:
    enrolment: Enrolment
    progress: Progress
    drafts: int = 0
    submitted: int = 0
    referred: int = 0
    unread_feedback: int = 0  # pieces of evidence with feedback not read yet
    unread_evidence_id: int | None = None  # the piece, when there is one
    chosen_optional: int = 0


def learner_summaries(*, membership: Membership | None) -> list[EnrolmentSummary]:
    """The signed-in learner's own active enrolments with unit progress (a fixed number of queries)."""
    unread = EvidenceAssessment.objects.filter(
        enrolment=OuterRef("pk"), superseded_by__isnull=True, read__isnull=True
    ).values("enrolment")
    enrolments = list(
        own_enrolments(membership)
        .filter(status=Enrolment.Status.ACTIVE)
        .select_related("qualification")
        .annotate(
            drafts=Count("evidence", filter=Q(evidence__status=Evidence.Status.DRAFT), distinct=True),
            submitted=Count("evidence", filter=Q(evidence__status=Evidence.Status.SUBMITTED), distinct=True),
            referred=Count("evidence", filter=Q(evidence__status=Evidence.Status.REFERRED), distinct=True),
            chosen=Count("planned_units", filter=Q(planned_units__source=PlannedUnit.Source.CHOSEN), distinct=True),
            unread=Subquery(unread.annotate(n=Count("version__evidence", distinct=True)).values("n")),
            unread_first=Subquery(unread.annotate(first=Min("version__evidence")).values("first")),
        )
    )
    progress = enrolment_progress_many(enrolments)
    return [
        EnrolmentSummary(
            enrolment=e, progress=progress[e.pk], drafts=e.drafts, submitted=e.submitted, referred=e.referred,
            unread_feedback=e.unread or 0, unread_evidence_id=e.unread_first if e.unread == 1 else None,
            chosen_optional=e.chosen,
        )
        for e in enrolments
    ]


def evidence_waiting_for(*, membership: Membership | None, limit: int = 10) -> tuple[list[Evidence], int]:
    """Submitted evidence of the learners assigned to this assessor, oldest first, and how many in all."""
    if membership is None:
        return [], 0
    qs = (
        Evidence.objects.filter(
            status=Evidence.Status.SUBMITTED,
            enrolment__in=enrolments_assessed_by(membership),
        )
        .select_related("current", "enrolment__learner", "enrolment__qualification")
        .order_by("submitted_at", "id")
    )
    rows = list(qs[:limit])
    for row in rows:
        row.waiting_days = (timezone.now() - row.submitted_at).days
    return rows, qs.count()
