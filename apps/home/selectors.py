"""What the home page shows about portfolios (progress, drafts, evidence waiting) and an external
quality assurer's access."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Min, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from apps.assessment.models import EvidenceAssessment
from apps.assessment.progress import Progress, enrolment_progress_many
from apps.centres.access import external_access_until
from apps.centres.models import Membership
from apps.evidence.models import Evidence
from apps.learners.access import enrolments_assessed_by, grants_of, open_grants, own_enrolments
from apps.learners.models import Enrolment, ExternalAccess, Learner, PlannedUnit
from apps.qualifications.models import Qualification


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


# --- an external quality assurer's access ---------------------------------------------------------


@dataclass
class GrantLine:
    """One grant as its EQA reads it on the home page."""

    grant: ExternalAccess
    awarding_organisation: str
    qualifications: str  # "600/0000/1 Retail Skills; 603/…"
    learners: list[str]  # named learners; empty: every learner on the qualifications
    ended_on: date | None = None


@dataclass
class EQAAccess:
    open: list[GrantLine] = field(default_factory=list)
    upcoming: list[GrantLine] = field(default_factory=list)
    ended: list[GrantLine] = field(default_factory=list)
    role_ended_on: date | None = None  # the EQA role itself has lapsed (and no grant says more)


ENDED_SHOWN = 5


def eqa_access(membership: Membership | None, today: date | None = None) -> EQAAccess:
    """The member's EQA grants at this centre: open ones, those that start later, and the latest
    that ended (four queries)."""
    today = today or timezone.localdate()
    found = EQAAccess()
    open_ids = set(open_grants(membership, today).values_list("pk", flat=True))
    grants = grants_of(membership).prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.order_by("number")),
        Prefetch("learners", queryset=Learner.objects.order_by("full_name")),
    ).order_by("starts_on", "pk")
    labels = dict(Qualification.AwardingOrganisation.choices)
    for grant in grants:
        line = GrantLine(
            grant=grant, awarding_organisation=labels.get(grant.awarding_organisation, grant.awarding_organisation),
            qualifications="; ".join(f"{q.number} {q.title}" for q in grant.qualifications.all()),
            learners=[learner.full_name for learner in grant.learners.all()],
        )
        if grant.pk in open_ids:
            found.open.append(line)
        elif grant.ended_at is None and today < grant.starts_on:
            found.upcoming.append(line)
        else:
            line.ended_on = timezone.localtime(grant.ended_at).date() if grant.ended_at else min(grant.ends_on, today)
            found.ended.append(line)
    found.ended = sorted(found.ended, key=lambda g: g.ended_on, reverse=True)[:ENDED_SHOWN]
    until = external_access_until(membership)
    if until is not None and until < today and not (found.open or found.upcoming or found.ended):
        found.role_ended_on = until
    return found
