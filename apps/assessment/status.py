"""What an enrolment's assessment records add up to: pure functions over plain rows.

No Django here: selectors turn database rows into the dataclasses below, and pages,
services and the caseload all derive status the same way from them.

The rules, precisely:

- Records are append-only chains. A row that another row `supersedes` no longer counts;
  only the head of each chain (a row nothing supersedes) does.
- A version's *assessment outcome* is the head of its EvidenceAssessment chain (the latest
  when, unusually, there are several heads); a version with none is not yet assessed.
- A decision is *confirmed* when it is not provisional or it has been countersigned. In
  each decision chain the *decision in force* is the latest confirmed one: a trainee's
  correction is provisional, so until it is countersigned the decision it would replace
  stays in force (and both are shown).
- A decision *counts* when it is in force and its version's outcome is not "referred"
  (referred evidence went back to the learner: nothing judged on it counts until a new
  version is accepted).
- A criterion is **met** when a counting decision on it says "met" (from any evidence: a
  later "not yet met" from other evidence does not undo it; a correction does). It has
  **evidence mapped** when it is not met but a head mapping maps it or a head decision or
  decision in force of any kind is on it (including provisional ones and those on referred
  versions). Otherwise
  it is **not started**.
- An evidence requirement is **covered** when a head coverage row with covered=True is on a
  version whose outcome is not "referred".
- A unit is **ready for sign-off** when it has criteria, every one is met, and every
  evidence requirement is covered; otherwise the readiness lists what is missing.
- A unit is **signed off** when its latest sign-off has not been reopened.
- Where the unit's rules forbid it, evidence from the wrong context cannot meet a
  *performance* criterion (see `context_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from apps.qualifications.engine import (
    NOT_DETERMINABLE,
    Achieved,
    QualificationRules,
    evaluate,
)

NOT_STARTED = "not_started"
MAPPED = "mapped"
MET = "met"
STATE_LABELS = {NOT_STARTED: "Not started", MAPPED: "Evidence mapped", MET: "Met"}

ACCEPTED = "accepted"
REFERRED = "referred"

READY_FOR_QA = "Rules of combination met — ready for quality assurance"


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    unit_id: int
    label: str  # the printed number, e.g. "1.2" (or "criterion 3" where none is printed)


@dataclass(frozen=True)
class RequirementInfo:
    id: int
    unit_id: int
    label: str


@dataclass(frozen=True)
class MappingRow:
    id: int
    version_id: int
    criterion_id: int
    verdict: str  # "mapped" or "rejected"
    supersedes_id: int | None = None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    version_id: int
    criterion_id: int
    outcome: str  # "met" or "not_yet_met"
    provisional: bool = False
    countersigned: bool = False
    supersedes_id: int | None = None


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    version_id: int
    outcome: str  # "accepted" or "referred"
    supersedes_id: int | None = None


@dataclass(frozen=True)
class CoverageRow:
    id: int
    version_id: int
    requirement_id: int
    covered: bool = True
    supersedes_id: int | None = None


@dataclass(frozen=True)
class SignOffRow:
    id: int
    unit_id: int
    signed_at: datetime
    reopened: bool = False
    acknowledged: bool = False


@dataclass
class Facts:
    """Every assessment record of one enrolment."""

    mappings: list[MappingRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    sign_offs: list[SignOffRow] = field(default_factory=list)


class _Chained(Protocol):
    id: int
    supersedes_id: int | None


C = TypeVar("C", bound=_Chained)


def heads(rows: Iterable[C]) -> list[C]:
    """The rows nothing supersedes: the ones that count."""
    rows = list(rows)
    replaced = {r.supersedes_id for r in rows if r.supersedes_id is not None}
    return [r for r in rows if r.id not in replaced]


def version_outcomes(assessments: Iterable[AssessmentRow]) -> dict[int, str]:
    """Each assessed version's outcome: the head of its chain (the latest if several)."""
    out: dict[int, tuple[int, str]] = {}
    for row in heads(assessments):
        if row.version_id not in out or row.id > out[row.version_id][0]:
            out[row.version_id] = (row.id, row.outcome)
    return {version: outcome for version, (_, outcome) in out.items()}


def is_confirmed(decision: DecisionRow) -> bool:
    return not decision.provisional or decision.countersigned


def decisions_in_force(decisions: Iterable[DecisionRow]) -> list[DecisionRow]:
    """In each chain, the latest confirmed decision: one a provisional correction has not yet
    replaced (see the module's rules)."""
    decisions = list(decisions)
    by_id = {d.id: d for d in decisions}
    successor = {d.supersedes_id: d.id for d in decisions if d.supersedes_id is not None}

    def replaced(decision: DecisionRow) -> bool:
        later = successor.get(decision.id)
        while later is not None:
            if is_confirmed(by_id[later]):
                return True
            later = successor.get(later)
        return False

    return [d for d in decisions if is_confirmed(d) and not replaced(d)]


def counting_decisions(facts: Facts) -> set[int]:
    """Ids of the decisions that count towards status (see the module's rules)."""
    outcomes = version_outcomes(facts.assessments)
    return {d.id for d in decisions_in_force(facts.decisions) if outcomes.get(d.version_id) != REFERRED}


# --- criteria -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionStatus:
    state: str
    met_by: tuple[int, ...] = ()  # versions with a counting "met" decision
    mapped_by: tuple[int, ...] = ()  # versions mapped to it (or judged on it), met or not
    pending: tuple[int, ...] = ()  # provisional decisions waiting for a countersignature

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_met(self) -> bool:
        return self.state == MET

    @property
    def is_mapped(self) -> bool:
        return self.state == MAPPED


NOT_STARTED_STATUS = CriterionStatus(NOT_STARTED)


def criterion_statuses(facts: Facts) -> dict[int, CriterionStatus]:
    """Status of every criterion with any record; criteria absent are not started."""
    outcomes = version_outcomes(facts.assessments)
    met: dict[int, list[int]] = {}
    mapped: dict[int, list[int]] = {}
    pending: dict[int, list[int]] = {}
    for m in heads(facts.mappings):
        if m.verdict == "mapped":
            mapped.setdefault(m.criterion_id, []).append(m.version_id)
    for d in heads(facts.decisions):
        mapped.setdefault(d.criterion_id, []).append(d.version_id)
        if not is_confirmed(d):
            pending.setdefault(d.criterion_id, []).append(d.id)
    for d in decisions_in_force(facts.decisions):
        mapped.setdefault(d.criterion_id, []).append(d.version_id)
        if d.outcome == MET and outcomes.get(d.version_id) != REFERRED:
            met.setdefault(d.criterion_id, []).append(d.version_id)
    out = {}
    for cid in mapped.keys() | met.keys():
        out[cid] = CriterionStatus(
            state=MET if cid in met else MAPPED,
            met_by=tuple(dict.fromkeys(met.get(cid, []))),
            mapped_by=tuple(dict.fromkeys(mapped.get(cid, []))),
            pending=tuple(pending.get(cid, [])),
        )
    return out


def covered_requirements(facts: Facts) -> dict[int, tuple[int, ...]]:
    """Requirement id -> the versions covering it (only requirements covered appear)."""
    outcomes = version_outcomes(facts.assessments)
    out: dict[int, list[int]] = {}
    for row in heads(facts.coverage):
        if row.covered and outcomes.get(row.version_id) != REFERRED:
            out.setdefault(row.requirement_id, []).append(row.version_id)
    return {rid: tuple(dict.fromkeys(versions)) for rid, versions in out.items()}


# --- units --------------------------------------------------------------------------------

# The reason an IQA's suspension of a sign-off records (apps/iqa): the same words on the
# learner's matrix and unit page, blaming no one.
SUSPENSION_REASON = "Suspended for an internal quality check: the assessor is reviewing these decisions"


def active_sign_offs(sign_offs: Iterable[SignOffRow]) -> dict[int, SignOffRow]:
    """Unit id -> its sign-off in force (the latest, if it has not been reopened)."""
    latest: dict[int, SignOffRow] = {}
    for row in sign_offs:
        if row.unit_id not in latest or (row.signed_at, row.id) > (latest[row.unit_id].signed_at, latest[row.unit_id].id):
            latest[row.unit_id] = row
    return {unit: row for unit, row in latest.items() if not row.reopened}


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Readiness:
    ready: bool
    criteria_missing: tuple[CriterionInfo, ...] = ()
    requirements_missing: tuple[RequirementInfo, ...] = ()
    no_criteria: bool = False

    def problems(self) -> list[str]:
        """What stands between the unit and its sign-off, in plain words."""
        out = []
        if self.no_criteria:
            out.append("the catalogue lists no assessment criteria for this unit")
        if self.criteria_missing:
            labels = [c.label for c in self.criteria_missing]
            out.append(f"{'criterion' if len(labels) == 1 else 'criteria'} {join(labels)} "
                       f"{'is' if len(labels) == 1 else 'are'} not met yet")
        if self.requirements_missing:
            labels = [r.label for r in self.requirements_missing]
            out.append(f"evidence {'requirement' if len(labels) == 1 else 'requirements'} {join(labels)} "
                       f"{'is' if len(labels) == 1 else 'are'} not covered yet")
        return out


def unit_readiness(
    criteria: Iterable[CriterionInfo],
    requirements: Iterable[RequirementInfo],
    statuses: dict[int, CriterionStatus],
    covered: dict[int, tuple[int, ...]],
) -> Readiness:
    """Whether one unit (its criteria and requirements given) can be signed off."""
    criteria = list(criteria)
    missing_c = tuple(c for c in criteria if not statuses.get(c.id, NOT_STARTED_STATUS).is_met)
    missing_r = tuple(r for r in requirements if r.id not in covered)
    return Readiness(
        ready=bool(criteria) and not missing_c and not missing_r,
        criteria_missing=missing_c,
        requirements_missing=missing_r,
        no_criteria=not criteria,
    )


# --- the rules on where evidence may come from -----------------------------------------------

CONTEXT_LABELS = {"real_work": "real work", "rwe": "a realistic work environment", "simulation": "a simulation"}
# Knowledge outcomes ("Know …", "Understand …") may be evidenced any way; the
# specifications' bans on simulation are on *performance* evidence.
KNOWLEDGE_PREFIXES = ("know ", "know,", "understand ", "understand,")


def is_performance_outcome(outcome_title: str) -> bool:
    return not outcome_title.strip().casefold().startswith(KNOWLEDGE_PREFIXES)


def context_refusal(
    *,
    unit_number: str,
    simulation_allowed: bool | None,
    workplace_evidence_required: bool | None,
    outcome_title: str,
    context: str,
) -> str | None:
    """Why evidence from `context` cannot be judged to meet a criterion of this outcome
    (None when it can). The same words appear on the page and in the service's refusal."""
    if not is_performance_outcome(outcome_title):
        return None
    if workplace_evidence_required and context != "real_work":
        return (
            f"Unit {unit_number} requires evidence from real work for its performance criteria, "
            f"and this evidence comes from {CONTEXT_LABELS.get(context, context)}."
        )
    if simulation_allowed is False and context == "simulation":
        return (
            f"Unit {unit_number} does not allow simulation for its performance criteria, "
            "and this evidence comes from a simulation."
        )
    return None


# --- the qualification --------------------------------------------------------------------


@dataclass(frozen=True)
class QualificationStatus:
    achieved: bool | None  # None: not determinable from the source
    headline: str
    needed: tuple[str, ...] = ()  # what is still needed, in plain words
    counted: tuple[tuple[str, str, str], ...] = ()  # (unit number, title, route) of units that count
    notes: tuple[str, ...] = ()


def qualification_status(
    rules: QualificationRules, signed_off: Iterable[str], prior: dict[str, str]
) -> QualificationStatus:
    """The live verdict: signed-off units (assessed) and prior achievements (their route)
    through the rules engine. A unit both signed off and recorded as prior counts once, by
    its prior route."""
    achieved = [Achieved(unit=number, via=route) for number, route in prior.items()]  # type: ignore[arg-type]
    achieved += [Achieved(unit=number) for number in dict.fromkeys(signed_off) if number not in prior]
    verdict = evaluate(rules, achieved)
    counted = tuple((c.number, c.title, c.via) for c in verdict.counted)
    notes = tuple(verdict.notes) + tuple(f"Unit {label} does not count: {reason}" for label, reason in verdict.ignored)
    if verdict.achieved is None:
        return QualificationStatus(
            achieved=None, headline=NOT_DETERMINABLE[0].upper() + NOT_DETERMINABLE[1:] + ".", counted=counted, notes=notes
        )
    if verdict.achieved:
        return QualificationStatus(achieved=True, headline=READY_FOR_QA, counted=counted, notes=notes)
    return QualificationStatus(
        achieved=False, headline="Not achieved yet.", needed=tuple(verdict.unmet), counted=counted, notes=notes
    )
