"""Progress of enrolments: what the caseload, home pages and qualification status show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch

from apps.learners.models import Enrolment, PlannedUnit, PriorAchievement
from apps.qualifications.models import (
    AssessmentCriterion,
    EvidenceRequirement,
    Qualification,
    Unit,
)

from . import status as st
from .facts import facts_for


@dataclass
class UnitProgress:
    unit_id: int
    number: str
    title: str
    credits: int
    planned: bool
    criteria_total: int
    criteria_met: int
    requirements_total: int
    requirements_covered: int
    signed_off: bool = False
    acknowledged: bool = False
    ready: bool = False
    prior_route: str = ""  # credit transfer, RPL or exemption, when recorded

    @property
    def percent(self) -> int:
        return round(100 * self.criteria_met / self.criteria_total) if self.criteria_total else 0


@dataclass
class Progress:
    """What the caseload and home pages show of one enrolment."""

    enrolment_id: int
    criteria_met: int  # over the planned units (all units when there is no plan)
    criteria_total: int
    units_signed_off: int
    units_planned: int
    pending_countersignature: int
    qualification: st.QualificationStatus
    units: list[UnitProgress] = field(default_factory=list)  # planned units first, then any with records

    @property
    def percent(self) -> int:
        return round(100 * self.criteria_met / self.criteria_total) if self.criteria_total else 0


def _progress(
    enrolment_id: int,
    units: list[Unit],
    rules,
    criteria: dict[int, list[st.CriterionInfo]],
    requirements: dict[int, list[st.RequirementInfo]],
    planned: set[int],
    prior: dict[int, str],
    facts: st.Facts,
) -> Progress:
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    signed = st.active_sign_offs(facts.sign_offs)
    touched = set(statuses)
    rows = []
    for unit in units:
        crits = criteria.get(unit.pk, [])
        reqs = requirements.get(unit.pk, [])
        active = unit.pk in planned or unit.pk in signed or unit.pk in prior or any(c.id in touched for c in crits)
        if not active:
            continue
        readiness = st.unit_readiness(crits, reqs, statuses, covered)
        rows.append(
            UnitProgress(
                unit_id=unit.pk, number=unit.number, title=unit.title, credits=unit.credits, planned=unit.pk in planned,
                criteria_total=len(crits),
                criteria_met=sum(1 for c in crits if statuses.get(c.id, st.NOT_STARTED_STATUS).is_met),
                requirements_total=len(reqs), requirements_covered=sum(1 for r in reqs if r.id in covered),
                signed_off=unit.pk in signed, acknowledged=unit.pk in signed and signed[unit.pk].acknowledged,
                ready=readiness.ready, prior_route=prior.get(unit.pk, ""),
            )
        )
    rows.sort(key=lambda r: (not r.planned,))  # stable: the source's order within each
    counted = [r for r in rows if r.planned] if planned else [
        UnitProgress(u.pk, u.number, u.title, u.credits, False, len(criteria.get(u.pk, [])),
                     sum(1 for c in criteria.get(u.pk, []) if statuses.get(c.id, st.NOT_STARTED_STATUS).is_met), 0, 0)
        for u in units
    ]
    by_id = {u.pk: u for u in units}
    verdict = st.qualification_status(
        rules,
        [by_id[u].number for u in signed if u in by_id],
        {by_id[u].number: route for u, route in prior.items() if u in by_id},
    )
    return Progress(
        enrolment_id=enrolment_id,
        criteria_met=sum(r.criteria_met for r in counted),
        criteria_total=sum(r.criteria_total for r in counted),
        units_signed_off=len(signed),
        units_planned=len(planned),
        pending_countersignature=sum(len(s.pending) for s in statuses.values()),
        qualification=verdict,
        units=rows,
    )


def enrolment_progress_many(enrolments: Iterable[Enrolment]) -> dict[int, Progress]:
    """Progress of many enrolments in a constant number of queries (eleven at most, however
    many enrolments, evidence or criteria): for the caseload and home pages."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.pk for e in enrolments]
    qualification_ids = {e.qualification_id for e in enrolments}
    qualifications = {
        q.pk: q
        for q in Qualification.objects.filter(pk__in=qualification_ids).prefetch_related(
            Prefetch("units", queryset=Unit.objects.defer("search", "summary").order_by("position"))
        )
    }
    units_by_q = {qid: list(q.units.all()) for qid, q in qualifications.items()}
    unit_ids = [u.pk for units in units_by_q.values() for u in units]
    criteria: dict[int, list[st.CriterionInfo]] = {}
    for pk, unit, number, position in AssessmentCriterion.objects.filter(unit_id__in=unit_ids).order_by(
        "outcome__position", "position"
    ).values_list("id", "unit_id", "number", "position"):
        criteria.setdefault(unit, []).append(st.CriterionInfo(pk, unit, number or f"unnumbered criterion {position}"))
    requirements: dict[int, list[st.RequirementInfo]] = {}
    for pk, unit, number, text in EvidenceRequirement.objects.filter(unit_id__in=unit_ids).order_by(
        "position"
    ).values_list("id", "unit_id", "number", "text"):
        requirements.setdefault(unit, []).append(st.RequirementInfo(pk, unit, number or f"“{text[:60]}”"))
    planned: dict[int, set[int]] = {pk: set() for pk in ids}
    for enrolment, unit in PlannedUnit.objects.filter(enrolment_id__in=ids).values_list("enrolment_id", "unit_id"):
        planned[enrolment].add(unit)
    prior: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for enrolment, unit, route in PriorAchievement.objects.filter(enrolment_id__in=ids).values_list(
        "enrolment_id", "unit_id", "route"
    ):
        prior[enrolment][unit] = route
    facts = facts_for(ids)
    rules = {qid: q.rules() for qid, q in qualifications.items()}
    return {
        e.pk: _progress(
            e.pk, units_by_q[e.qualification_id], rules[e.qualification_id], criteria, requirements,
            planned[e.pk], prior[e.pk], facts[e.pk],
        )
        for e in enrolments
    }


def enrolment_status(enrolment: Enrolment) -> Progress:
    """One enrolment's progress and live qualification status."""
    return enrolment_progress_many([enrolment])[enrolment.pk]
