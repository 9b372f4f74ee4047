"""Progress of enrolments: what the caseload, home pages and qualification status show.

The truth is computed from every assessment record (`progress_compute_many`). Pages read a
summary of it instead (`EnrolmentProgress`, one row per enrolment), which every write that
changes the records refreshes in its own transaction (`progress_refresh`), and which
`progress_verify` checks against the truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.utils import timezone

from apps.learners.models import Enrolment, PlannedUnit, PriorAchievement
from apps.qualifications.models import (
    Unit,
)
from apps.qualifications.selectors import UnitTree, qualification_rules, qualification_tree

from . import status as st
from .catalogue import criterion_infos, requirement_infos
from .facts import facts_for
from .models import EnrolmentProgress


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


def progress_compute_many(enrolments: Iterable[Enrolment]) -> dict[int, Progress]:
    """The truth: progress of many enrolments from their records, in a constant number of
    queries (seven at most, however many enrolments, evidence or criteria)."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.pk for e in enrolments]
    # Each version's catalogue and rules are read once per process (they never change).
    trees = {qid: qualification_tree(qid) for qid in {e.qualification_id for e in enrolments}}
    units_by_q = {qid: [ut.unit for ut in tree] for qid, tree in trees.items()}
    criteria = {ut.unit.pk: criterion_infos(ut) for tree in trees.values() for ut in tree}
    requirements = {ut.unit.pk: requirement_infos(ut) for tree in trees.values() for ut in tree}
    planned: dict[int, set[int]] = {pk: set() for pk in ids}
    for enrolment, unit in PlannedUnit.objects.filter(enrolment_id__in=ids).values_list("enrolment_id", "unit_id"):
        planned[enrolment].add(unit)
    prior: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for enrolment, unit, route in PriorAchievement.objects.filter(enrolment_id__in=ids).values_list(
        "enrolment_id", "unit_id", "route"
    ):
        prior[enrolment][unit] = route
    facts = facts_for(ids)
    return {
        e.pk: _progress(
            e.pk, units_by_q[e.qualification_id], qualification_rules(e.qualification_id), criteria, requirements,
            planned[e.pk], prior[e.pk], facts[e.pk],
        )
        for e in enrolments
    }


def progress_of(
    enrolment: Enrolment, *, tree: list[UnitTree], planned: set[int], prior: dict[int, str], facts: st.Facts
) -> Progress:
    """One enrolment's progress from records and catalogue a page has already loaded (the
    tracking matrix): the same truth as `progress_compute_many`, with one query for the rules."""
    units = sorted((ut.unit for ut in tree), key=lambda u: u.position)
    criteria = {ut.unit.pk: criterion_infos(ut) for ut in tree}
    requirements = {ut.unit.pk: requirement_infos(ut) for ut in tree}
    return _progress(enrolment.pk, units, qualification_rules(enrolment.qualification_id), criteria, requirements,
                     planned, prior, facts)


def enrolment_status(enrolment: Enrolment) -> Progress:
    """One enrolment's progress and live qualification status, from its records."""
    return progress_compute_many([enrolment])[enrolment.pk]


# --- the summary pages read -----------------------------------------------------------------------


def as_summary(progress: Progress) -> dict:
    return asdict(progress)


def from_summary(data: dict) -> Progress:
    verdict = data["qualification"]
    return Progress(
        **{key: data[key] for key in ("enrolment_id", "criteria_met", "criteria_total", "units_signed_off",
                                      "units_planned", "pending_countersignature")},
        qualification=st.QualificationStatus(
            achieved=verdict["achieved"], headline=verdict["headline"], needed=tuple(verdict["needed"]),
            counted=tuple(tuple(row) for row in verdict["counted"]), notes=tuple(verdict["notes"]),
        ),
        units=[UnitProgress(**row) for row in data["units"]],
    )


def enrolment_progress_many(enrolments: Iterable[Enrolment]) -> dict[int, Progress]:
    """Progress of many enrolments for the caseload and home pages: one query for their
    summaries; an enrolment without one yet (made before summaries existed) is computed."""
    enrolments = list(enrolments)
    stored = {
        pk: from_summary(summary)
        for pk, summary in EnrolmentProgress.objects.filter(enrolment_id__in=[e.pk for e in enrolments])
        .values_list("enrolment_id", "summary")
    }
    missing = [e for e in enrolments if e.pk not in stored]
    return stored | progress_compute_many(missing)


def progress_refresh(enrolment_ids: Iterable[int]) -> None:
    """Recompute these enrolments' summaries from their records and store them. Called by every
    write that changes what they add up to, inside its transaction, so a page never shows a
    summary out of step with the records."""
    enrolments = list(Enrolment.objects.filter(pk__in=set(enrolment_ids)))
    now = timezone.now()
    for pk, progress in progress_compute_many(enrolments).items():
        EnrolmentProgress.objects.update_or_create(enrolment_id=pk, defaults={"summary": as_summary(progress),
                                                                              "updated_at": now})


def progress_verify(enrolment_ids: Iterable[int] | None = None, *, batch: int = 500) -> list[int]:
    """The enrolments whose stored summary differs from (or lacks) the recomputed truth."""
    enrolments = Enrolment.objects.order_by("pk")
    if enrolment_ids is not None:
        enrolments = enrolments.filter(pk__in=list(enrolment_ids))
    wrong = []
    rows = list(enrolments)
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        stored = dict(EnrolmentProgress.objects.filter(enrolment__in=chunk).values_list("enrolment_id", "summary"))
        for pk, truth in progress_compute_many(chunk).items():
            if stored.get(pk) != json.loads(json.dumps(as_summary(truth))):
                wrong.append(pk)
    return wrong
