"""Reads of assessment records, scoped through the enrolments the acting member may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.models import Membership
from apps.evidence.models import EvidenceFile, EvidenceVersion
from apps.learners.access import enrolments_visible, own_enrolments
from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion

from .models import Observation, ProfessionalDiscussion, QuestionAnswer, Questioning, WitnessRequest


def criteria_ordered() -> QuerySet[AssessmentCriterion]:
    return AssessmentCriterion.objects.select_related("unit", "outcome").order_by(
        "unit__position", "outcome__position", "position"
    )


def _version_details() -> Prefetch:
    return Prefetch(
        "version",
        queryset=EvidenceVersion.objects.select_related("evidence").prefetch_related(
            Prefetch("suggested_criteria", queryset=criteria_ordered()),
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")),
        ),
    )


def observations_visible(*, membership: Membership | None) -> QuerySet[Observation]:
    return Observation.objects.filter(enrolment__in=enrolments_visible(membership=membership))


def observation_get(*, membership: Membership | None, pk: int) -> Observation:
    return get_object_or_404(
        observations_visible(membership=membership)
        .select_related("enrolment__learner", "enrolment__qualification", "confirmation", "created_by")
        .prefetch_related(_version_details()),
        pk=pk,
    )


def questioning_get(*, membership: Membership | None, pk: int) -> Questioning:
    return get_object_or_404(
        Questioning.objects.filter(enrolment__in=enrolments_visible(membership=membership))
        .select_related("enrolment__learner", "enrolment__qualification", "created_by")
        .prefetch_related(_version_details(), Prefetch("pairs", queryset=QuestionAnswer.objects.order_by("position"))),
        pk=pk,
    )


def discussion_get(*, membership: Membership | None, pk: int) -> ProfessionalDiscussion:
    return get_object_or_404(
        ProfessionalDiscussion.objects.filter(enrolment__in=enrolments_visible(membership=membership))
        .select_related("enrolment__learner", "enrolment__qualification", "created_by")
        .prefetch_related(_version_details()),
        pk=pk,
    )


def witness_request_get(*, membership: Membership | None, pk: int) -> WitnessRequest:
    return get_object_or_404(
        WitnessRequest.objects.filter(enrolment__in=enrolments_visible(membership=membership))
        .select_related("enrolment__learner", "enrolment__qualification", "requested_by", "cancelled_by", "version")
        .prefetch_related(Prefetch("criteria", queryset=criteria_ordered())),
        pk=pk,
    )


@dataclass
class EnrolmentRecords:
    observations: list[Observation]
    questioning: list[Questioning]
    discussions: list[ProfessionalDiscussion]
    witness_requests: list[WitnessRequest]

    @property
    def records(self) -> list[tuple[str, object]]:
        """The assessor's records of every kind, newest first, each with its kind."""
        rows = [("observation", r) for r in self.observations]
        rows += [("questioning", r) for r in self.questioning]
        rows += [("discussion", r) for r in self.discussions]
        return sorted(rows, key=lambda row: (row[1].created_at, row[1].pk), reverse=True)


def enrolment_records(*, enrolment: Enrolment) -> EnrolmentRecords:
    """Every record and witness request of one enrolment, newest first, in a fixed number of
    queries whatever their number (the caller has already resolved the enrolment with scoping)."""
    version = ("version", "version__evidence")
    return EnrolmentRecords(
        observations=list(
            Observation.objects.filter(enrolment=enrolment).select_related(*version, "confirmation", "created_by")
        ),
        questioning=list(
            Questioning.objects.filter(enrolment=enrolment).select_related(*version, "created_by")
        ),
        discussions=list(
            ProfessionalDiscussion.objects.filter(enrolment=enrolment).select_related(*version, "created_by")
        ),
        witness_requests=list(
            WitnessRequest.objects.filter(enrolment=enrolment).select_related("requested_by", "version__evidence")
        ),
    )


def record_for_version(version: EvidenceVersion):
    """The assessment record a version of evidence came from, or None (one query at most).

    The version's method says which kind to look for, so learners' own evidence costs nothing
    more than one empty lookup of that kind.
    """
    from apps.evidence.models import Evidence

    method = version.method
    if method == Evidence.Method.OBSERVATION:
        model = Observation
    elif method == Evidence.Method.QUESTIONING:
        model = Questioning
    elif method == Evidence.Method.PROFESSIONAL_DISCUSSION:
        model = ProfessionalDiscussion
    elif method == Evidence.Method.WITNESS_TESTIMONY:
        return (
            WitnessRequest.objects.filter(version=version)
            .select_related("requested_by", "enrolment__learner", "version").first()
        )
    else:
        return None
    related = ["created_by", "enrolment__learner", "version"] + (["confirmation"] if model is Observation else [])
    return model.objects.filter(version=version).select_related(*related).first()


def observations_awaiting_confirmation(*, membership: Membership | None) -> QuerySet[Observation]:
    """The signed-in learner's observations they have not confirmed yet (for their home page)."""
    return (
        Observation.objects.filter(enrolment__in=own_enrolments(membership), confirmation__isnull=True)
        .select_related("version")
        .order_by("created_at")
    )
