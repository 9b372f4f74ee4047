"""Every assessment record of enrolments, as model rows or as the plain rows `status` reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apps.evidence.models import EvidenceVersion
from apps.learners.models import Enrolment

from . import status as st
from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    Mapping,
    RequirementCoverage,
    UnitSignOff,
)


def facts_for(enrolment_ids: Iterable[int], *, sign_offs: bool = True) -> dict[int, st.Facts]:
    """Every assessment record of these enrolments as plain rows, oldest first: five queries in
    all (four without the sign-offs)."""
    ids = list(enrolment_ids)
    facts = {pk: st.Facts() for pk in ids}
    if not ids:
        return facts
    for pk, version, criterion, verdict, supersedes, enrolment in Mapping.objects.filter(
        enrolment_id__in=ids
    ).order_by("id").values_list("id", "version_id", "criterion_id", "verdict", "supersedes_id", "enrolment_id"):
        facts[enrolment].mappings.append(st.MappingRow(pk, version, criterion, verdict, supersedes))
    for pk, version, criterion, outcome, provisional, supersedes, enrolment, countersigned in Decision.objects.filter(
        enrolment_id__in=ids
    ).order_by("id").values_list(
        "id", "version_id", "criterion_id", "outcome", "provisional", "supersedes_id", "enrolment_id", "countersignature__id"
    ):
        facts[enrolment].decisions.append(
            st.DecisionRow(pk, version, criterion, outcome, provisional, countersigned is not None, supersedes)
        )
    for pk, version, outcome, supersedes, enrolment in EvidenceAssessment.objects.filter(
        enrolment_id__in=ids
    ).order_by("id").values_list("id", "version_id", "outcome", "supersedes_id", "enrolment_id"):
        facts[enrolment].assessments.append(st.AssessmentRow(pk, version, outcome, supersedes))
    for pk, version, requirement, covered, supersedes, enrolment in RequirementCoverage.objects.filter(
        enrolment_id__in=ids
    ).order_by("id").values_list("id", "version_id", "requirement_id", "covered", "supersedes_id", "enrolment_id"):
        facts[enrolment].coverage.append(st.CoverageRow(pk, version, requirement, covered, supersedes))
    if not sign_offs:
        return facts
    for pk, unit, signed_at, reopening, acknowledgement, enrolment in UnitSignOff.objects.filter(
        enrolment_id__in=ids
    ).values_list("id", "unit_id", "signed_at", "reopening__id", "acknowledgement__id", "enrolment_id"):
        facts[enrolment].sign_offs.append(
            st.SignOffRow(pk, unit, signed_at, reopened=reopening is not None, acknowledged=acknowledgement is not None)
        )
    return facts


def _countersignature(decision: Decision) -> Countersignature | None:
    try:
        return decision.countersignature
    except Countersignature.DoesNotExist:
        return None


@dataclass
class Records:
    """One enrolment's assessment records: the plain rows `status` reads, and the sign-offs as
    model rows too (pages show who signed and when)."""

    facts: st.Facts
    sign_offs: list[UnitSignOff]


def _reopening(sign_off: UnitSignOff):
    from .models import UnitReopening

    try:
        return sign_off.reopening
    except UnitReopening.DoesNotExist:
        return None


def _acknowledgement(sign_off: UnitSignOff):
    from .models import SignOffAcknowledgement

    try:
        return sign_off.acknowledgement
    except SignOffAcknowledgement.DoesNotExist:
        return None


def records_for(enrolment: Enrolment) -> Records:
    """Five queries, whatever the number of records; only the sign-offs become model objects
    (hundreds of decisions as models cost a page more than its SQL)."""
    facts = facts_for([enrolment.pk], sign_offs=False)[enrolment.pk]
    sign_offs = list(
        UnitSignOff.objects.filter(enrolment=enrolment)
        .select_related("reopening", "acknowledgement")
        .order_by("signed_at", "id")
    )
    facts.sign_offs.extend(
        st.SignOffRow(s.pk, s.unit_id, s.signed_at, reopened=_reopening(s) is not None,
                      acknowledged=_acknowledgement(s) is not None)
        for s in sign_offs
    )
    return Records(facts=facts, sign_offs=sign_offs)


@dataclass(frozen=True)
class VersionRef:
    """A version of evidence, to link to from a criterion."""

    version_id: int
    evidence_id: int
    number: int
    title: str


def version_refs(version_ids: Iterable[int]) -> dict[int, VersionRef]:
    ids = set(version_ids)
    if not ids:
        return {}
    return {
        pk: VersionRef(pk, evidence, number, title)
        for pk, evidence, number, title in EvidenceVersion.objects.filter(pk__in=ids).values_list(
            "id", "evidence_id", "number", "title"
        )
    }
