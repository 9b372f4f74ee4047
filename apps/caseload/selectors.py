"""The assessor's caseload: every assigned learner with progress, waiting evidence and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from apps.assessment.models import Decision
from apps.assessment.progress import Progress, enrolment_progress_many
from apps.centres.models import Membership
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment

from .access import caseload_enrolments
from .rag import Rag, rag_status

SUBMITTED = Evidence.Status.SUBMITTED


@dataclass
class CaseloadRow:
    enrolment: Enrolment
    progress: Progress
    waiting: int
    oldest_waiting_id: int | None
    oldest_waiting_days: int | None
    last_activity: datetime | None
    rag: Rag


def caseload(*, membership: Membership, today: date | None = None) -> list[CaseloadRow]:
    """Active enrolments assigned to this assessor, in a fixed number of queries."""
    today = today or timezone.localdate()
    oldest = Evidence.objects.filter(enrolment=OuterRef("pk"), status=SUBMITTED).order_by("submitted_at", "id")
    last_decision = Decision.objects.filter(enrolment=OuterRef("pk")).order_by("-signed_at").values("signed_at")[:1]
    enrolments = list(
        caseload_enrolments(membership)
        .select_related("learner", "qualification")
        .annotate(
            waiting=Count("evidence", filter=Q(evidence__status=SUBMITTED), distinct=True),
            oldest_waiting_at=Min("evidence__submitted_at", filter=Q(evidence__status=SUBMITTED)),
            oldest_waiting_id=Subquery(oldest.values("pk")[:1]),
            last_evidence=Max("evidence__current__created_at"),
            last_decision=Subquery(last_decision),
        )
    )
    progress = enrolment_progress_many(enrolments)
    now = timezone.now()
    rows = []
    for e in enrolments:
        p = progress[e.pk]
        activity = [t for t in (e.last_evidence, e.last_decision) if t is not None]
        rows.append(
            CaseloadRow(
                enrolment=e,
                progress=p,
                waiting=e.waiting,
                oldest_waiting_id=e.oldest_waiting_id,
                oldest_waiting_days=(now - e.oldest_waiting_at).days if e.oldest_waiting_at else None,
                last_activity=max(activity) if activity else None,
                rag=rag_status(start=e.start_date, planned_end=e.planned_end_date, today=today,
                               met=p.criteria_met, total=p.criteria_total),
            )
        )
    return rows


RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
SORTS = {
    "learner": lambda r: r.enrolment.learner.full_name.casefold(),
    "qualification": lambda r: r.enrolment.qualification.number,
    "progress": lambda r: r.progress.percent,
    "waiting": lambda r: -r.waiting,
    "oldest": lambda r: -(r.oldest_waiting_days if r.oldest_waiting_days is not None else -1),
    "activity": lambda r: -(r.last_activity.timestamp() if r.last_activity else 0),
    "end": lambda r: r.enrolment.planned_end_date,
    "status": lambda r: RAG_ORDER[r.rag.colour],
}


def filtered_and_sorted(rows: list[CaseloadRow], *, sort: str, status: str, waiting_only: bool, q: str) -> list[CaseloadRow]:
    if status in RAG_ORDER:
        rows = [r for r in rows if r.rag.colour == status]
    if waiting_only:
        rows = [r for r in rows if r.waiting]
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in r.enrolment.learner.full_name.casefold()
                or needle in r.enrolment.qualification.number.casefold()]
    return sorted(rows, key=SORTS.get(sort, SORTS["status"]))
