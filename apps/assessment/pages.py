"""What the assessment pages show: the assessor's evidence page, the unit page, the tracking
matrix and the assessment history on the learner's evidence page. Each loads in a fixed
number of queries, however much evidence or how many criteria there are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Prefetch
from django.http import Http404
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
from .catalogue import criterion_infos, criterion_label, planned_first, planned_unit_ids, requirement_infos
from .facts import Records, VersionRef, _countersignature, _reopening, facts_for, records_for, version_refs
from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    Mapping,
    RequirementCoverage,
    UnitSignOff,
)
from .progress import Progress, progress_of


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


class CriterionRef(NamedTuple):
    """A criterion of the qualification, enough to check a post and name it in a message."""

    id: int
    unit_id: int
    number: str
    position: int


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
    # The judgement fields are in the markup: for what was entered, and in units opened without
    # the script. Elsewhere the page's script adds them once the criterion is ticked (a row
    # without them is a third of the size: the grid of a whole plan stays small).
    fields: bool = False

    @property
    def key(self) -> str:
        return str(self.criterion.pk)

    @property
    def label(self) -> str:
        """How the judgement fields name the criterion: "unit 01, 1.1"."""
        return f"unit {self.unit.number}, {self.criterion.number}"

    @property
    def met_latest(self) -> VersionRef | None:
        return self.met_elsewhere[-1] if self.met_elsewhere else None

    @property
    def met_more(self) -> int:
        """Other pieces of evidence meeting it besides the latest (the unit page lists them all)."""
        return max(len(self.met_elsewhere) - 1, 0)


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
    outcomes: list[GridOutcome]  # empty until loaded
    requirements: list[GridRequirement]
    sign_off: UnitSignOff | None
    met: int
    total: int
    open: bool = False
    loaded: bool = True  # in the page; otherwise fetched when the assessor opens it


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
    # Every criterion and requirement of the qualification, loaded or not: the one post may
    # judge criteria of units fetched after the page, and is checked against all of them.
    criteria: dict[int, CriterionRef] = field(default_factory=dict)
    units_by_id: dict[int, Unit] = field(default_factory=dict)
    requirement_ids: set[int] = field(default_factory=set)
    opened: list[int] = field(default_factory=list)  # units asked for with ?open= (no script)
    every_unit: bool = False

    @property
    def planned_units(self) -> list[GridUnit]:
        return [u for u in self.units if u.planned]

    @property
    def other_units(self) -> list[GridUnit]:
        return [u for u in self.units if not u.planned]

    @property
    def loaded_unit_ids(self) -> list[int]:
        return [u.unit.pk for u in self.units if u.loaded]

    @property
    def history_shown(self) -> list[HistoryVersion]:
        """Versions with records, and earlier versions (what they said is history too)."""
        return [v for v in self.history if v.has_records or v.version.pk != self.current.pk]

    @property
    def pending(self) -> list[HistoryDecision]:
        return [d for v in self.history for d in v.decisions if d.decision.provisional and d.countersignature is None
                and not d.superseded]

    def criterion_label(self, pk: int) -> str:
        c = self.criteria[pk]
        return f"Unit {self.units_by_id[c.unit_id].number}, {criterion_label(c)}"


@dataclass
class EnteredAssessment:
    """What the assessor typed into the grid, kept to show the page again with errors."""

    checked: set[int] = field(default_factory=set)
    choices: dict[int, str] = field(default_factory=dict)
    judgements: dict[int, str] = field(default_factory=dict)
    feedback: dict[int, str] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def criterion_ids(self) -> set[int]:
        return self.checked | set(self.choices) | set(self.judgements) | set(self.feedback) | set(self.errors)


@dataclass
class _Grid:
    """What every row of the grid reads, worked out once per page or fragment."""

    current: EvidenceVersion
    facts: st.Facts
    statuses: dict[int, st.CriterionStatus]
    covered: dict[int, list[int]]
    signed: dict
    sign_off_rows: dict[int, UnitSignOff]
    refs: dict[int, VersionRef]
    suggested_ids: set[int]
    entered: EnteredAssessment


def _grid(enrolment: Enrolment, current: EvidenceVersion, suggested_ids: set[int],
          entered: EnteredAssessment) -> _Grid:
    """The learner's records as plain rows (statuses need every one of them, but no model
    objects), and the sign-offs in force as rows for their lock notes: seven queries."""
    facts = facts_for([enrolment.pk])[enrolment.pk]
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    refs = version_refs(
        {v for s in statuses.values() for v in s.met_by} | {v for vs in covered.values() for v in vs}
    )
    in_force = UnitSignOff.objects.filter(enrolment=enrolment, reopening__isnull=True)
    return _Grid(
        current=current, facts=facts, statuses=statuses, covered=covered, signed=st.active_sign_offs(facts.sign_offs),
        sign_off_rows={s.pk: s for s in in_force}, refs=refs, suggested_ids=suggested_ids, entered=entered,
    )


def _sign_off(unit: Unit, g: _Grid) -> UnitSignOff | None:
    return g.sign_off_rows.get(g.signed[unit.pk].id) if unit.pk in g.signed else None


def _unit_line(unit: Unit, criterion_ids: list[int], g: _Grid, *, planned: bool) -> GridUnit:
    """A unit not in the page: its summary line (title, criteria met), its grid fetched when opened."""
    met = sum(1 for c in criterion_ids if g.statuses.get(c, st.NOT_STARTED_STATUS).is_met)
    return GridUnit(unit=unit, planned=planned, outcomes=[], requirements=[], sign_off=_sign_off(unit, g), met=met,
                    total=len(criterion_ids), loaded=False)


def _grid_unit(ut: UnitTree, g: _Grid, *, planned: bool, fields: bool, opened: bool) -> GridUnit:
    """One unit of the grid with every criterion's row."""
    unit = ut.unit
    locked = unit.pk in g.signed
    sign_off = _sign_off(unit, g)
    criteria = ut.criteria
    met = sum(1 for c in criteria if g.statuses.get(c.pk, st.NOT_STARTED_STATUS).is_met)
    entered, current = g.entered, g.current
    grid_outcomes = []
    for ot in ut.outcomes:
        refusal = st.context_refusal(
            unit_number=unit.number, simulation_allowed=unit.simulation_allowed,
            workplace_evidence_required=unit.workplace_evidence_required,
            outcome_title=ot.outcome.title, context=current.context,
        )
        rows = []
        for c in ot.criteria:
            s = g.statuses.get(c.pk, st.NOT_STARTED_STATUS)
            row = GridCriterion(
                criterion=c, unit=unit, status=s,
                met_elsewhere=[g.refs[v] for v in s.met_by if v != current.pk and v in g.refs],
                suggested=c.pk in g.suggested_ids, locked=locked, refusal=refusal,
                checked=c.pk in entered.checked, choice=entered.choices.get(c.pk, ""),
                judgement=entered.judgements.get(c.pk, ""), feedback=entered.feedback.get(c.pk, ""),
                error=entered.errors.get(c.pk, ""),
            )
            row.fields = fields or row.suggested or bool(row.checked or row.judgement or row.feedback or row.error)
            rows.append(row)
        grid_outcomes.append(GridOutcome(outcome=ot.outcome, criteria=rows))
    requirements = [
        GridRequirement(requirement=r, covered_by=[g.refs[v] for v in g.covered.get(r.pk, ()) if v in g.refs],
                        locked=locked, checked=r.pk in entered.covered)
        for r in ut.requirements
    ]
    return GridUnit(
        unit=unit, planned=planned, outcomes=grid_outcomes, requirements=requirements, sign_off=sign_off, met=met,
        total=len(criteria),
        open=planned or opened or any(q.checked for q in requirements)
        or any(r.suggested or r.checked or r.judgement or r.feedback or r.error for o in grid_outcomes for r in o.criteria),
    )


def _units_with_records(facts: st.Facts, unit_of_criterion: dict[int, int],
                        unit_of_requirement: dict[int, int]) -> set[int]:
    return (
        {unit_of_criterion.get(m.criterion_id) for m in facts.mappings}
        | {unit_of_criterion.get(d.criterion_id) for d in facts.decisions}
        | {unit_of_requirement.get(c.requirement_id) for c in facts.coverage}
        | {s.unit_id for s in facts.sign_offs}
    ) - {None}


def evidence_page(evidence: Evidence, *, entered: EnteredAssessment | None = None, opened: Iterable[int] = (),
                  every_unit: bool = False) -> EvidencePage:
    """Everything the assessor's evidence page shows, in a fixed number of queries.

    The grid carries the suggestions' units, the planned units and every unit with a record on
    this learner, those with something entered, and those asked for (`opened`, or `every_unit`);
    the others are a line each, their grid fetched when opened (`evidence_unit`). A learner with
    no plan and no records yet gets every unit, as the tracking matrix does."""
    entered = entered or EnteredAssessment()
    opened = set(opened)
    enrolment = evidence.enrolment
    qualification_id = enrolment.qualification_id
    versions = evidence_versions(evidence)
    current = next(v for v in versions if v.pk == (evidence.shared_version_id or evidence.current_id))
    planned = set(planned_unit_ids(enrolment))
    suggested_ids = {c.pk for c in current.suggested_criteria.all()}
    g = _grid(enrolment, current, suggested_ids, entered)
    facts = g.facts
    # Every unit, criterion and requirement as light rows (the form checks a post against all
    # of them); the full tree only for the units in the page.
    units = list(Unit.objects.filter(qualification_id=qualification_id).order_by("position").defer("search", "summary"))
    criteria = {
        row[0]: CriterionRef(*row)
        for row in AssessmentCriterion.objects.filter(unit__qualification_id=qualification_id)
        .order_by("outcome_id", "position").values_list("id", "unit_id", "number", "position")
    }
    unit_of_requirement = dict(
        EvidenceRequirement.objects.filter(unit__qualification_id=qualification_id).values_list("id", "unit_id")
    )
    unit_of_criterion = {c.id: c.unit_id for c in criteria.values()}
    active = planned | _units_with_records(facts, unit_of_criterion, unit_of_requirement)
    entered_units = (
        {unit_of_criterion[c] for c in entered.criterion_ids | suggested_ids if c in unit_of_criterion}
        | {unit_of_requirement[r] for r in entered.covered if r in unit_of_requirement}
    )
    unit_ids = {u.pk for u in units}
    loaded = unit_ids if every_unit or not active else (active | entered_units | opened) & unit_ids
    trees = {ut.unit.pk: ut for ut in qualification_tree(qualification_id, unit_ids=sorted(loaded))}
    criteria_of_unit: dict[int, list[int]] = {}
    for c in criteria.values():
        criteria_of_unit.setdefault(c.unit_id, []).append(c.id)
    grid_units = [
        _grid_unit(trees[u.pk], g, planned=u.pk in planned, fields=every_unit or u.pk in opened, opened=u.pk in opened)
        if u.pk in trees else _unit_line(u, criteria_of_unit.get(u.pk, []), g, planned=u.pk in planned)
        for u in sorted(units, key=lambda u: u.pk not in planned)  # the plan's units first, in order
    ]
    # Records are on units in the page: their criteria and requirements are all here.
    criteria_by_id = {c.pk: c for ut in trees.values() for c in ut.criteria}
    requirements_by_id = {r.pk: r for ut in trees.values() for r in ut.requirements}
    units_by_id = {u.pk: u for u in units}
    suggestions = [r for u in grid_units for o in u.outcomes for r in o.criteria if r.suggested]
    signed = g.signed
    corrected_decisions = {d.supersedes_id for d in facts.decisions if d.supersedes_id}
    in_force = {d.id for d in st.decisions_in_force(facts.decisions)}
    counting = st.counting_decisions(facts)
    superseded_coverage = {c.supersedes_id for c in facts.coverage if c.supersedes_id}
    # The history shows this evidence's records only: those are read as model rows.
    shown = [v.pk for v in versions]
    records_decisions = list(
        Decision.objects.filter(version_id__in=shown).select_related("countersignature").order_by("id")
    )
    records_assessments = list(EvidenceAssessment.objects.filter(version_id__in=shown).order_by("id"))
    records_coverage = list(RequirementCoverage.objects.filter(version_id__in=shown).order_by("id"))
    history = []
    for v in versions:
        decisions = []
        for d in records_decisions:
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
        for c in records_coverage:
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
            for m in st.heads([m for m in facts.mappings if m.version_id == v.pk])
            if m.verdict == Mapping.Verdict.REJECTED and m.criterion_id in criteria_by_id
        ]
        history.append(
            HistoryVersion(
                version=v, assessments=[a for a in records_assessments if a.version_id == v.pk],
                decisions=sorted(decisions, key=lambda h: _criterion_order(h.criterion, h.unit)),
                coverage=coverage, rejected=rejected,
            )
        )
    return EvidencePage(
        evidence=evidence, enrolment=enrolment, current=current, versions=versions, suggestions=suggestions,
        units=grid_units, history=history,
        assessable=evidence.status == Evidence.Status.SUBMITTED and current.submitted_at is not None,
        criteria=criteria, units_by_id=units_by_id, requirement_ids=set(unit_of_requirement),
        opened=sorted(opened & set(units_by_id)), every_unit=every_unit,
    )


def evidence_unit(evidence: Evidence, *, unit_id: int) -> GridUnit:
    """One unit's grid for the evidence page, fetched when the assessor opens it, in a fixed
    number of queries whatever the unit or the records. 404 for a unit of another qualification."""
    enrolment = evidence.enrolment
    tree = qualification_tree(enrolment.qualification_id, unit_ids=[unit_id])
    if not tree:
        raise Http404("This unit is not part of the learner's qualification.")
    current = EvidenceVersion.objects.only("id", "context").get(pk=evidence.shared_version_id or evidence.current_id)
    suggested_ids = set(current.suggested_criteria.filter(unit_id=unit_id).values_list("pk", flat=True))
    g = _grid(enrolment, current, suggested_ids, EnteredAssessment())
    planned = PlannedUnit.objects.filter(enrolment=enrolment, unit_id=unit_id).exists()
    return _grid_unit(tree[0], g, planned=planned, fields=False, opened=True)


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

    @property
    def suspended(self) -> bool:
        """The latest sign-off was suspended by an IQA for a quality check (not signed off again yet)."""
        if self.sign_off is not None or not self.sign_offs:
            return False
        reopening = _reopening(self.sign_offs[-1])
        return reopening is not None and reopening.reason == st.SUSPENSION_REASON

    @property
    def suspension_reason(self) -> str:
        return st.SUSPENSION_REASON


def _unit_views(
    enrolment: Enrolment, tree: list[UnitTree], planned: set[int], records: Records, prior: dict[int, PriorAchievement]
) -> list[UnitView]:
    facts = records.facts
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    signed = st.active_sign_offs(facts.sign_offs)
    refs = version_refs(
        {v for s in statuses.values() for v in (*s.met_by, *s.mapped_by)} | {v for vs in covered.values() for v in vs}
    )
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
    return _unit_views(enrolment, tree, planned, records_for(enrolment), _prior(enrolment))[0]


def _prior(enrolment: Enrolment) -> dict[int, PriorAchievement]:
    return {p.unit_id: p for p in PriorAchievement.objects.filter(enrolment=enrolment)}


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
    records, prior = records_for(enrolment), _prior(enrolment)
    # The truth from the records already loaded: no second reading of them, no summary to trust.
    progress = progress_of(enrolment, tree=tree, planned=planned,
                           prior={pk: p.route for pk, p in prior.items()}, facts=records.facts)
    active = {u.unit_id for u in progress.units}
    showing_all = show_all or not active
    # Only the units shown are built: a qualification may have a hundred optional units.
    shown_tree = tree if showing_all else [u for u in tree if u.unit.pk in active]
    shown = _unit_views(enrolment, shown_tree, planned, records, prior)
    return Matrix(units=shown, progress=progress, showing_all=showing_all, hidden=len(tree) - len(shown))



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
