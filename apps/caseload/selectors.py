"""The assessor's caseload: every assigned learner with progress, waiting evidence and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from apps.assessment.models import Decision
from apps.assessment.progress import enrolment_progress_many
from apps.centres.models import Membership
from apps.evidence.models import Evidence

from .access import caseload_enrolments
from .rag import Rag, rag_status

SUBMITTED = Evidence.Status.SUBMITTED


@dataclass(frozen=True)
class CaseloadRow:
    """One learner's line, in plain values: the rows are rendered as a cached fragment
    keyed by these values (apps.core.fragments)."""

    enrolment_id: int
    learner_name: str
    qualification_number: str
    qualification_title: str
    planned_end_date: date
    criteria_met: int
    criteria_total: int
    units_signed_off: int
    units_planned: int
    percent: int
    waiting: int
    oldest_waiting_id: int | None
    oldest_waiting_days: int | None
    last_activity: datetime | None
    rag: Rag


def caseload(*, membership: Membership, today: date | None = None) -> list[CaseloadRow]:
    """Active enrolments assigned to this assessor, in a fixed number of queries.

    The figures come from narrow grouped queries over the caseload's ids rather than one
    query joining everything: grouping the wide enrolment rows by evidence cost most of
    the page's time at a college's size."""
    today = today or timezone.localdate()
    enrolments = list(
        caseload_enrolments(membership)
        .select_related("learner", "qualification")
        .only(*CASELOAD_FIELDS)
    )
    ids = [e.pk for e in enrolments]
    waiting = {
        row["enrolment_id"]: row
        for row in Evidence.objects.filter(enrolment_id__in=ids)
        .values("enrolment_id")
        .annotate(
            waiting=Count("pk", filter=Q(status=SUBMITTED)),
            oldest_waiting_at=Min("submitted_at", filter=Q(status=SUBMITTED)),
            last_evidence=Max("current__created_at"),
        )
    }
    oldest_waiting = dict(
        Evidence.objects.filter(enrolment_id__in=ids, status=SUBMITTED)
        .order_by("enrolment_id", "submitted_at", "pk")
        .distinct("enrolment_id")
        .values_list("enrolment_id", "pk")
    )
    last_decision = dict(
        Decision.objects.filter(enrolment_id__in=ids).values("enrolment_id")
        .annotate(last=Max("signed_at")).values_list("enrolment_id", "last")
    )
    progress = enrolment_progress_many(enrolments)
    now = timezone.now()
    rows = []
    for e in enrolments:
        p = progress[e.pk]
        ev = waiting.get(e.pk, {})
        oldest_at = ev.get("oldest_waiting_at")
        activity = [t for t in (ev.get("last_evidence"), last_decision.get(e.pk)) if t is not None]
        rows.append(
            CaseloadRow(
                enrolment_id=e.pk,
                learner_name=e.learner.full_name,
                qualification_number=e.qualification.number,
                qualification_title=e.qualification.title,
                planned_end_date=e.planned_end_date,
                criteria_met=p.criteria_met,
                criteria_total=p.criteria_total,
                units_signed_off=p.units_signed_off,
                units_planned=p.units_planned,
                percent=p.percent,
                waiting=ev.get("waiting", 0),
                oldest_waiting_id=oldest_waiting.get(e.pk),
                oldest_waiting_days=(now - oldest_at).days if oldest_at else None,
                last_activity=max(activity) if activity else None,
                rag=rag_status(start=e.start_date, planned_end=e.planned_end_date, today=today,
                               met=p.criteria_met, total=p.criteria_total),
            )
        )
    return rows


# What the page shows of each enrolment; the qualification's rules and text stay in the database.
CASELOAD_FIELDS = (
    "start_date", "planned_end_date", "qualification_id", "learner_id", "centre_id", "status",
    "learner__full_name", "qualification__number", "qualification__title",
)


RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
SORTS = {
    "learner": lambda r: r.learner_name.casefold(),
    "qualification": lambda r: r.qualification_number,
    "progress": lambda r: r.percent,
    "waiting": lambda r: -r.waiting,
    "oldest": lambda r: -(r.oldest_waiting_days if r.oldest_waiting_days is not None else -1),
    "activity": lambda r: -(r.last_activity.timestamp() if r.last_activity else 0),
    "end": lambda r: r.planned_end_date,
    "status": lambda r: RAG_ORDER[r.rag.colour],
}


def filtered_and_sorted(rows: list[CaseloadRow], *, sort: str, status: str, waiting_only: bool, q: str) -> list[CaseloadRow]:
    if status in RAG_ORDER:
        rows = [r for r in rows if r.rag.colour == status]
    if waiting_only:
        rows = [r for r in rows if r.waiting]
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in r.learner_name.casefold()
                or needle in r.qualification_number.casefold()]
    return sorted(rows, key=SORTS.get(sort, SORTS["status"]))
