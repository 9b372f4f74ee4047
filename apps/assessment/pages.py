"""What the assessment pages show: the assessor's evidence page, the unit page, the tracking
matrix and the assessment history on the learner's evidence page. Each loads in a fixed
number of queries, however much evidence or how many criteria there are."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from apps.evidence.models import Evidence, EvidenceFile, EvidenceVersion
from apps.learners.models import Enrolment, PlannedUnit, PriorAchievement
from apps.qualifications.models import (
    AssessmentCriterion,
    EvidenceRequirement,
    LearningOutcome,
    Unit,
)
from apps.qualifications.selectors import UnitTree, qualification_tree

from . import status as st
from .catalogue import criterion_infos, planned_first, planned_unit_ids, requirement_infos
from .facts import VersionRef, _countersignature, records_for, version_refs
from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    Mapping,
    RequirementCoverage,
    UnitSignOff,
)
from .progress import Progress, enrolment_status


def evidence_versions(evidence: Evidence) -> list[EvidenceVersion]:
    """The submitted versions (every version while there is none), newest first, with files and
    suggested criteria (three queries). A draft the learner is revising is theirs alone."""
    versions = EvidenceVersion.objects.filter(evidence=evidence)
    if evidence.shared_version_id is not None:
        versions = versions.filter(submitted_at__isnull=False)
    return list(
        versions
        .prefetch_related(
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")),
            Prefetch("suggested_criteria", queryset=AssessmentCriterion.objects.defer("search").order_by("pk")),
        )
        .order_by("-number")
    )


@dataclass
class GridCriterion:
    criterion: AssessmentCriterion
    unit: Unit
    status: st.CriterionStatus
    met_elsewhere: list[VersionRef]  # counting "met" decisions from other versions
    suggested: bool = False
    locked: bool = False
    refusal: str | None = None
    # what the assessor has entered (kept when the page is shown again with errors)
    checked: bool = False
    choice: str = ""  # for suggestions: "confirm" or "reject"
    judgement: str = ""
    feedback: str = ""
    error: str = ""

    @property
    def key(self) -> str:
        return str(self.criterion.pk)


@dataclass
class GridOutcome:
    outcome: LearningOutcome
    criteria: list[GridCriterion]

    @property
    def refusal(self) -> str | None:
        """Why this evidence cannot meet the outcome's criteria (the same for each of them)."""
        return next((c.refusal for c in self.criteria if c.refusal), None)


@dataclass
class GridRequirement:
    requirement: EvidenceRequirement
    covered_by: list[VersionRef]
    locked: bool = False
    checked: bool = False


@dataclass
class GridUnit:
    unit: Unit
    planned: bool
    outcomes: list[GridOutcome]
    requirements: list[GridRequirement]
    sign_off: UnitSignOff | None
    met: int
    total: int
    open: bool = False


@dataclass
class HistoryDecision:
    decision: Decision
    criterion: AssessmentCriterion | None
    unit: Unit | None
    countersignature: Countersignature | None
    corrected: bool  # a later decision points at it (the latest of a chain is the one to correct)
    superseded: bool  # replaced by a confirmed decision: no longer in force
    counts: bool
    locked: bool

    @property
    def correction_pending(self) -> bool:
        """Corrected by a trainee whose correction is not countersigned yet: still in force."""
        return self.corrected and not self.superseded


@dataclass
class HistoryCoverage:
    coverage: RequirementCoverage
    requirement: EvidenceRequirement | None
    unit: Unit | None
    superseded: bool
    locked: bool


@dataclass
class HistoryVersion:
    version: EvidenceVersion
    assessments: list[EvidenceAssessment]
    decisions: list[HistoryDecision]
    coverage: list[HistoryCoverage]
    rejected: list[AssessmentCriterion]

    @property
    def outcome(self) -> EvidenceAssessment | None:
        return self.assessments[-1] if self.assessments else None

    @property
    def referred(self) -> bool:
        return self.outcome is not None and self.outcome.outcome == EvidenceAssessment.Outcome.REFERRED

    @property
    def has_records(self) -> bool:
        return bool(self.assessments or self.decisions or self.coverage or self.rejected)


@dataclass
class EvidencePage:
    evidence: Evidence
    enrolment: Enrolment
    current: EvidenceVersion
    versions: list[EvidenceVersion]
    suggestions: list[GridCriterion]
    units: list[GridUnit]
    history: list[HistoryVersion]
    assessable: bool  # waiting for judgement

    @property
    def planned_units(self) -> list[GridUnit]:
        return [u for u in self.units if u.planned]

    @property
    def other_units(self) -> list[GridUnit]:
        return [u for u in self.units if not u.planned]

    @property
    def history_shown(self) -> list[HistoryVersion]:
        """Versions with records, and earlier versions (what they said is history too)."""
        return [v for v in self.history if v.has_records or v.version.pk != self.current.pk]

    @property
    def pending(self) -> list[HistoryDecision]:
        return [d for v in self.history for d in v.decisions if d.decision.provisional and d.countersignature is None
                and not d.superseded]


@dataclass
class EnteredAssessment:
    """What the assessor typed into the grid, kept to show the page again with errors."""

    checked: set[int] = field(default_factory=set)
    choices: dict[int, str] = field(default_factory=dict)
    judgements: dict[int, str] = field(default_factory=dict)
    feedback: dict[int, str] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)
    errors: dict[int, str] = field(default_factory=dict)


def evidence_page(evidence: Evidence, *, entered: EnteredAssessment | None = None) -> EvidencePage:
    """Everything the assessor's evidence page shows, in a fixed number of queries."""
    entered = entered or EnteredAssessment()
    enrolment = evidence.enrolment
    versions = evidence_versions(evidence)
    current = next(v for v in versions if v.pk == (evidence.shared_version_id or evidence.current_id))
    tree = planned_first(qualification_tree(enrolment.qualification_id), planned := planned_unit_ids(enrolment))
    records = records_for(enrolment)
    facts = records.facts
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    signed = st.active_sign_offs(facts.sign_offs)
    sign_off_rows = {s.pk: s for s in records.sign_offs}
    refs = version_refs(
        {v for s in statuses.values() for v in s.met_by} | {v for vs in covered.values() for v in vs}
    )
    suggested_ids = {c.pk for c in current.suggested_criteria.all()}
    criteria_by_id: dict[int, AssessmentCriterion] = {}
    units_by_id: dict[int, Unit] = {}
    requirements_by_id: dict[int, EvidenceRequirement] = {}
    grid_units: list[GridUnit] = []
    suggestions: list[GridCriterion] = []
    for ut in tree:
        unit = ut.unit
        units_by_id[unit.pk] = unit
        locked = unit.pk in signed
        grid_outcomes = []
        met = 0
        for ot in ut.outcomes:
            rows = []
            for c in ot.criteria:
                criteria_by_id[c.pk] = c
                s = statuses.get(c.pk, st.NOT_STARTED_STATUS)
                met += s.is_met
                row = GridCriterion(
                    criterion=c, unit=unit, status=s,
                    met_elsewhere=[refs[v] for v in s.met_by if v != current.pk and v in refs],
                    suggested=c.pk in suggested_ids, locked=locked,
                    refusal=st.context_refusal(
                        unit_number=unit.number, simulation_allowed=unit.simulation_allowed,
                        workplace_evidence_required=unit.workplace_evidence_required,
                        outcome_title=ot.outcome.title, context=current.context,
                    ),
                    checked=c.pk in entered.checked, choice=entered.choices.get(c.pk, ""),
                    judgement=entered.judgements.get(c.pk, ""), feedback=entered.feedback.get(c.pk, ""),
                    error=entered.errors.get(c.pk, ""),
                )
                rows.append(row)
                if row.suggested:
                    suggestions.append(row)
            grid_outcomes.append(GridOutcome(outcome=ot.outcome, criteria=rows))
        requirements = []
        for r in ut.requirements:
            requirements_by_id[r.pk] = r
            requirements.append(
                GridRequirement(requirement=r, covered_by=[refs[v] for v in covered.get(r.pk, ()) if v in refs],
                                locked=locked, checked=r.pk in entered.covered)
            )
        total = sum(len(o.criteria) for o in ut.outcomes)
        grid_units.append(
            GridUnit(
                unit=unit, planned=unit.pk in planned, outcomes=grid_outcomes, requirements=requirements,
                sign_off=sign_off_rows.get(signed[unit.pk].id) if locked else None, met=met, total=total,
                open=any(r.suggested or r.checked or r.error for o in grid_outcomes for r in o.criteria),
            )
        )
    corrected_decisions = {d.supersedes_id for d in records.decisions if d.supersedes_id}
    in_force = {d.id for d in st.decisions_in_force(facts.decisions)}
    counting = st.counting_decisions(facts)
    superseded_coverage = {c.supersedes_id for c in records.coverage if c.supersedes_id}
    history = []
    for v in versions:
        decisions = []
        for d in records.decisions:
            if d.version_id != v.pk:
                continue
            criterion = criteria_by_id.get(d.criterion_id)
            corrected = d.pk in corrected_decisions
            decisions.append(
                HistoryDecision(
                    decision=d, criterion=criterion, unit=units_by_id.get(criterion.unit_id) if criterion else None,
                    countersignature=_countersignature(d), corrected=corrected,
                    superseded=corrected and d.pk not in in_force, counts=d.pk in counting,
                    locked=criterion is not None and criterion.unit_id in signed,
                )
            )
        coverage = []
        for c in records.coverage:
            if c.version_id != v.pk:
                continue
            requirement = requirements_by_id.get(c.requirement_id)
            coverage.append(
                HistoryCoverage(
                    coverage=c, requirement=requirement,
                    unit=units_by_id.get(requirement.unit_id) if requirement else None,
                    superseded=c.pk in superseded_coverage,
                    locked=requirement is not None and requirement.unit_id in signed,
                )
            )
        rejected = [
            criteria_by_id[m.criterion_id]
            for m in st.heads([st.MappingRow(m.pk, m.version_id, m.criterion_id, m.verdict, m.supersedes_id)
                               for m in records.mappings if m.version_id == v.pk])
            if m.verdict == Mapping.Verdict.REJECTED and m.criterion_id in criteria_by_id
        ]
        history.append(
            HistoryVersion(
                version=v, assessments=[a for a in records.assessments if a.version_id == v.pk],
                decisions=sorted(decisions, key=lambda h: _criterion_order(h.criterion, h.unit)),
                coverage=coverage, rejected=rejected,
            )
        )
    return EvidencePage(
        evidence=evidence, enrolment=enrolment, current=current, versions=versions, suggestions=suggestions,
        units=grid_units, history=history,
        assessable=evidence.status == Evidence.Status.SUBMITTED and current.submitted_at is not None,
    )


def _criterion_order(criterion: AssessmentCriterion | None, unit: Unit | None) -> tuple:
    if criterion is None or unit is None:
        return (10**9, 0, 0)
    return (unit.position, criterion.outcome_id, criterion.position)


# --- the unit page and the tracking matrix ---------------------------------------------------------


@dataclass
class CriterionLine:
    criterion: AssessmentCriterion
    status: st.CriterionStatus
    met_by: list[VersionRef]
    mapped_by: list[VersionRef]


@dataclass
class OutcomeLines:
    outcome: LearningOutcome
    criteria: list[CriterionLine]


@dataclass
class RequirementLine:
    requirement: EvidenceRequirement
    covered_by: list[VersionRef]


@dataclass
class UnitView:
    unit: Unit
    planned: bool
    outcomes: list[OutcomeLines]
    requirements: list[RequirementLine]
    readiness: st.Readiness
    sign_off: UnitSignOff | None  # in force
    sign_offs: list[UnitSignOff]  # every one, oldest first (reopened ones too)
    prior: PriorAchievement | None

    @property
    def met(self) -> int:
        return sum(1 for o in self.outcomes for c in o.criteria if c.status.is_met)

    @property
    def total(self) -> int:
        return sum(len(o.criteria) for o in self.outcomes)

    @property
    def covered(self) -> int:
        return sum(1 for r in self.requirements if r.covered_by)


def _unit_views(enrolment: Enrolment, tree: list[UnitTree], planned: set[int]) -> list[UnitView]:
    records = records_for(enrolment)
    facts = records.facts
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    signed = st.active_sign_offs(facts.sign_offs)
    refs = version_refs(
        {v for s in statuses.values() for v in (*s.met_by, *s.mapped_by)} | {v for vs in covered.values() for v in vs}
    )
    prior = {p.unit_id: p for p in PriorAchievement.objects.filter(enrolment=enrolment)}
    views = []
    for ut in tree:
        outcomes = []
        for ot in ut.outcomes:
            lines = []
            for c in ot.criteria:
                s = statuses.get(c.pk, st.NOT_STARTED_STATUS)
                lines.append(
                    CriterionLine(
                        criterion=c, status=s, met_by=[refs[v] for v in s.met_by if v in refs],
                        mapped_by=[refs[v] for v in s.mapped_by if v in refs and v not in s.met_by],
                    )
                )
            outcomes.append(OutcomeLines(outcome=ot.outcome, criteria=lines))
        sign_offs = [s for s in records.sign_offs if s.unit_id == ut.unit.pk]
        in_force = signed.get(ut.unit.pk)
        views.append(
            UnitView(
                unit=ut.unit, planned=ut.unit.pk in planned, outcomes=outcomes,
                requirements=[
                    RequirementLine(requirement=r, covered_by=[refs[v] for v in covered.get(r.pk, ()) if v in refs])
                    for r in ut.requirements
                ],
                readiness=st.unit_readiness(criterion_infos(ut), requirement_infos(ut), statuses, covered),
                sign_off=next((s for s in sign_offs if in_force and s.pk == in_force.id), None),
                sign_offs=sign_offs, prior=prior.get(ut.unit.pk),
            )
        )
    return views


def unit_get(enrolment: Enrolment, number: str) -> Unit:
    return get_object_or_404(Unit.objects.defer("search"), qualification_id=enrolment.qualification_id, number=number)


def unit_view(enrolment: Enrolment, unit: Unit) -> UnitView:
    """One unit of an enrolment with each criterion's status and the evidence behind it."""
    tree = qualification_tree(enrolment.qualification_id, unit_ids=[unit.pk])
    planned = set(PlannedUnit.objects.filter(enrolment=enrolment, unit=unit).values_list("unit_id", flat=True))
    return _unit_views(enrolment, tree, planned)[0]


@dataclass
class Matrix:
    units: list[UnitView]
    progress: Progress
    showing_all: bool
    hidden: int  # units of the qualification not shown


def matrix(enrolment: Enrolment, *, show_all: bool = False) -> Matrix:
    """The tracking matrix: planned units (and any unit with records), or every unit."""
    planned = set(planned_unit_ids(enrolment))
    tree = planned_first(qualification_tree(enrolment.qualification_id), planned)
    views = _unit_views(enrolment, tree, planned)
    progress = enrolment_status(enrolment)
    active = {u.unit_id for u in progress.units}
    shown = views if show_all or not active else [v for v in views if v.unit.pk in active]
    return Matrix(units=shown, progress=progress, showing_all=show_all or not active, hidden=len(views) - len(shown))



@dataclass
class VersionAssessments:
    version: EvidenceVersion
    assessments: list[EvidenceAssessment]
    decisions: list[Decision]  # with .criterion, .is_superseded, .is_correction_pending, .is_countersigned


def assessment_history(evidence: Evidence) -> list[VersionAssessments]:
    """Each assessed version of this evidence (newest first) with its outcome, feedback and
    decisions: three queries."""
    versions = list(EvidenceVersion.objects.filter(evidence=evidence).only("id", "number", "title").order_by("-number"))
    ids = [v.pk for v in versions]
    assessments = list(EvidenceAssessment.objects.filter(version_id__in=ids).order_by("id"))
    decisions = list(
        Decision.objects.filter(version_id__in=ids)
        .select_related("criterion__unit", "countersignature")
        .order_by("criterion__unit__position", "criterion__outcome_id", "criterion__position", "id")
    )
    corrected = {d.supersedes_id for d in decisions if d.supersedes_id}
    in_force = {
        row.id for row in st.decisions_in_force(
            st.DecisionRow(d.pk, d.version_id, d.criterion_id, d.outcome, d.provisional,
                           _countersignature(d) is not None, d.supersedes_id)
            for d in decisions
        )
    }
    for d in decisions:
        d.is_superseded = d.pk in corrected and d.pk not in in_force
        d.is_correction_pending = d.pk in corrected and d.pk in in_force
        d.is_countersigned = _countersignature(d) is not None
    out = []
    for v in versions:
        rows = [a for a in assessments if a.version_id == v.pk]
        if rows:
            out.append(VersionAssessments(version=v, assessments=rows, decisions=[d for d in decisions if d.version_id == v.pk]))
    return out
