"""Reads for assessment: the records of an enrolment, its status, and what each page shows.

Every page resolves its object through the learners' and evidence selectors first (another
centre's object is a 404); the functions here then load what the page needs in a fixed
number of queries, however much evidence or how many criteria there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.evidence.models import Evidence, EvidenceFile, EvidenceVersion
from apps.evidence.selectors import evidence_visible
from apps.learners.models import Enrolment, PlannedUnit, PriorAchievement
from apps.qualifications.models import (
    AssessmentCriterion,
    EvidenceRequirement,
    LearningOutcome,
    Qualification,
    Unit,
)

from . import status as st
from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    Mapping,
    RequirementCoverage,
    UnitSignOff,
)

# --- who may do what ----------------------------------------------------------------------

# Anyone with a working role reads an enrolment's tracking they can see.
TRACKING_READERS = (Cap.OWN_PORTFOLIO, Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.MANAGE_CENTRE, Cap.READ_RECORDS)
# Staff who read the assessor's evidence page (read-only unless they assess the learner).
EVIDENCE_READERS = (Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.READ_RECORDS)


def is_assigned(enrolment: Enrolment, user_id: int) -> bool:
    return enrolment.assessors.filter(pk=user_id).exists()


def can_assess(membership: Membership | None, enrolment: Enrolment) -> bool:
    """An assessor (trainee or qualified) assigned to this learner."""
    return (
        membership is not None
        and membership.can(Cap.ASSESS)
        and membership.centre_id == enrolment.centre_id
        and is_assigned(enrolment, membership.user_id)
    )


def is_qualified_assessor(membership: Membership | None) -> bool:
    return membership is not None and membership.can(Cap.ASSESS) and not membership.is_trainee_assessor


def can_sign_off(membership: Membership | None, enrolment: Enrolment) -> bool:
    """A qualified (not trainee) assessor assigned to this learner."""
    return is_qualified_assessor(membership) and can_assess(membership, enrolment)


def can_reopen(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The learner's qualified assessor, or a centre admin."""
    if membership is None or membership.centre_id != enrolment.centre_id:
        return False
    return membership.can(Cap.MANAGE_CENTRE) or can_sign_off(membership, enrolment)


def is_learner_of(membership: Membership | None, enrolment: Enrolment) -> bool:
    return (
        membership is not None
        and membership.can(Cap.OWN_PORTFOLIO)
        and enrolment.learner.user_id is not None
        and enrolment.learner.user_id == membership.user_id
    )


# --- the catalogue of one qualification ----------------------------------------------------


def criterion_label(c: AssessmentCriterion) -> str:
    return c.number or f"unnumbered criterion {c.position}"


def requirement_label(r: EvidenceRequirement) -> str:
    return r.number or f"“{r.text[:60]}”"


@dataclass
class OutcomeTree:
    outcome: LearningOutcome
    criteria: list[AssessmentCriterion]


@dataclass
class UnitTree:
    unit: Unit
    outcomes: list[OutcomeTree]
    requirements: list[EvidenceRequirement]

    @property
    def criteria(self) -> list[AssessmentCriterion]:
        return [c for o in self.outcomes for c in o.criteria]

    def criterion_infos(self) -> list[st.CriterionInfo]:
        return [st.CriterionInfo(id=c.pk, unit_id=c.unit_id, label=criterion_label(c)) for c in self.criteria]

    def requirement_infos(self) -> list[st.RequirementInfo]:
        return [st.RequirementInfo(id=r.pk, unit_id=r.unit_id, label=requirement_label(r)) for r in self.requirements]


def catalogue_tree(qualification_id: int, *, unit_ids: Iterable[int] | None = None) -> list[UnitTree]:
    """Units (in the source's order) with outcomes, criteria and requirements: four queries."""
    units = Unit.objects.filter(qualification_id=qualification_id).order_by("position")
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    units = list(units.defer("search", "summary"))
    ids = [u.pk for u in units]
    outcomes: dict[int, list[OutcomeTree]] = {}
    by_outcome: dict[int, OutcomeTree] = {}
    for o in LearningOutcome.objects.filter(unit_id__in=ids).order_by("unit_id", "position"):
        tree = OutcomeTree(outcome=o, criteria=[])
        outcomes.setdefault(o.unit_id, []).append(tree)
        by_outcome[o.pk] = tree
    for c in AssessmentCriterion.objects.filter(unit_id__in=ids).defer("search").order_by("outcome_id", "position"):
        by_outcome[c.outcome_id].criteria.append(c)
    requirements: dict[int, list[EvidenceRequirement]] = {}
    for r in EvidenceRequirement.objects.filter(unit_id__in=ids).order_by("unit_id", "position"):
        requirements.setdefault(r.unit_id, []).append(r)
    return [UnitTree(unit=u, outcomes=outcomes.get(u.pk, []), requirements=requirements.get(u.pk, [])) for u in units]


def planned_unit_ids(enrolment: Enrolment) -> list[int]:
    return list(PlannedUnit.objects.filter(enrolment=enrolment).values_list("unit_id", flat=True))


def planned_first(tree: list[UnitTree], planned: Iterable[int]) -> list[UnitTree]:
    planned = set(planned)
    return [u for u in tree if u.unit.pk in planned] + [u for u in tree if u.unit.pk not in planned]


# --- the records of enrolments -----------------------------------------------------------------


def facts_for(enrolment_ids: Iterable[int]) -> dict[int, st.Facts]:
    """Every assessment record of these enrolments as plain rows: five queries in all."""
    ids = list(enrolment_ids)
    facts = {pk: st.Facts() for pk in ids}
    if not ids:
        return facts
    for pk, version, criterion, verdict, supersedes, enrolment in Mapping.objects.filter(
        version__evidence__enrolment_id__in=ids
    ).values_list("id", "version_id", "criterion_id", "verdict", "supersedes_id", "version__evidence__enrolment_id"):
        facts[enrolment].mappings.append(st.MappingRow(pk, version, criterion, verdict, supersedes))
    for pk, version, criterion, outcome, provisional, supersedes, enrolment, countersigned in Decision.objects.filter(
        enrolment_id__in=ids
    ).values_list(
        "id", "version_id", "criterion_id", "outcome", "provisional", "supersedes_id", "enrolment_id", "countersignature__id"
    ):
        facts[enrolment].decisions.append(
            st.DecisionRow(pk, version, criterion, outcome, provisional, countersigned is not None, supersedes)
        )
    for pk, version, outcome, supersedes, enrolment in EvidenceAssessment.objects.filter(
        version__evidence__enrolment_id__in=ids
    ).values_list("id", "version_id", "outcome", "supersedes_id", "version__evidence__enrolment_id"):
        facts[enrolment].assessments.append(st.AssessmentRow(pk, version, outcome, supersedes))
    for pk, version, requirement, covered, supersedes, enrolment in RequirementCoverage.objects.filter(
        enrolment_id__in=ids
    ).values_list("id", "version_id", "requirement_id", "covered", "supersedes_id", "enrolment_id"):
        facts[enrolment].coverage.append(st.CoverageRow(pk, version, requirement, covered, supersedes))
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
    """One enrolment's assessment records as model rows, for pages that show them."""

    mappings: list[Mapping]
    decisions: list[Decision]
    assessments: list[EvidenceAssessment]
    coverage: list[RequirementCoverage]
    sign_offs: list[UnitSignOff]

    @property
    def facts(self) -> st.Facts:
        return st.Facts(
            mappings=[st.MappingRow(m.pk, m.version_id, m.criterion_id, m.verdict, m.supersedes_id) for m in self.mappings],
            decisions=[
                st.DecisionRow(d.pk, d.version_id, d.criterion_id, d.outcome, d.provisional,
                               _countersignature(d) is not None, d.supersedes_id)
                for d in self.decisions
            ],
            assessments=[st.AssessmentRow(a.pk, a.version_id, a.outcome, a.supersedes_id) for a in self.assessments],
            coverage=[
                st.CoverageRow(c.pk, c.version_id, c.requirement_id, c.covered, c.supersedes_id) for c in self.coverage
            ],
            sign_offs=[
                st.SignOffRow(s.pk, s.unit_id, s.signed_at, reopened=_reopening(s) is not None,
                              acknowledged=_acknowledgement(s) is not None)
                for s in self.sign_offs
            ],
        )


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
    """Five queries, whatever the number of records."""
    return Records(
        mappings=list(Mapping.objects.filter(version__evidence__enrolment=enrolment).order_by("id")),
        decisions=list(
            Decision.objects.filter(enrolment=enrolment).select_related("countersignature").order_by("id")
        ),
        assessments=list(EvidenceAssessment.objects.filter(version__evidence__enrolment=enrolment).order_by("id")),
        coverage=list(RequirementCoverage.objects.filter(enrolment=enrolment).order_by("id")),
        sign_offs=list(
            UnitSignOff.objects.filter(enrolment=enrolment)
            .select_related("reopening", "acknowledgement")
            .order_by("signed_at", "id")
        ),
    )


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


# --- progress: the caseload, home pages and the qualification status -------------------------


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


# --- the assessor's evidence page -----------------------------------------------------------


def evidence_for_assessment(*, membership: Membership | None, pk: int) -> Evidence:
    """Evidence the member may see, with what the page needs; anything else is a 404."""
    return get_object_or_404(
        evidence_visible(membership=membership).select_related(
            "current", "enrolment__learner", "enrolment__qualification", "enrolment__centre"
        ),
        pk=pk,
    )


def evidence_versions(evidence: Evidence) -> list[EvidenceVersion]:
    """Every version, newest first, with files and suggested criteria (three queries)."""
    return list(
        EvidenceVersion.objects.filter(evidence=evidence)
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
    superseded: bool
    counts: bool
    locked: bool


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
    current = next(v for v in versions if v.pk == evidence.current_id)
    tree = planned_first(catalogue_tree(enrolment.qualification_id), planned := planned_unit_ids(enrolment))
    records = records_for(enrolment)
    facts = records.facts
    statuses = st.criterion_statuses(facts)
    covered = st.covered_requirements(facts)
    signed = st.active_sign_offs(facts.sign_offs)
    sign_off_rows = {s.pk: s for s in records.sign_offs}
    outcomes = st.version_outcomes(facts.assessments)
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
    superseded_decisions = {d.supersedes_id for d in records.decisions if d.supersedes_id}
    superseded_coverage = {c.supersedes_id for c in records.coverage if c.supersedes_id}
    history = []
    for v in versions:
        decisions = []
        for d in records.decisions:
            if d.version_id != v.pk:
                continue
            criterion = criteria_by_id.get(d.criterion_id)
            row = st.DecisionRow(d.pk, d.version_id, d.criterion_id, d.outcome, d.provisional,
                                 _countersignature(d) is not None, d.supersedes_id)
            decisions.append(
                HistoryDecision(
                    decision=d, criterion=criterion, unit=units_by_id.get(criterion.unit_id) if criterion else None,
                    countersignature=_countersignature(d), superseded=d.pk in superseded_decisions,
                    counts=d.pk not in superseded_decisions and st.decision_counts(row, outcomes),
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
                readiness=st.unit_readiness(ut.criterion_infos(), ut.requirement_infos(), statuses, covered),
                sign_off=next((s for s in sign_offs if in_force and s.pk == in_force.id), None),
                sign_offs=sign_offs, prior=prior.get(ut.unit.pk),
            )
        )
    return views


def unit_get(enrolment: Enrolment, number: str) -> Unit:
    return get_object_or_404(Unit.objects.defer("search"), qualification_id=enrolment.qualification_id, number=number)


def unit_view(enrolment: Enrolment, unit: Unit) -> UnitView:
    """One unit of an enrolment with each criterion's status and the evidence behind it."""
    tree = catalogue_tree(enrolment.qualification_id, unit_ids=[unit.pk])
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
    tree = planned_first(catalogue_tree(enrolment.qualification_id), planned)
    views = _unit_views(enrolment, tree, planned)
    progress = enrolment_status(enrolment)
    active = {u.unit_id for u in progress.units}
    shown = views if show_all or not active else [v for v in views if v.unit.pk in active]
    return Matrix(units=shown, progress=progress, showing_all=show_all or not active, hidden=len(views) - len(shown))


# --- countersignatures ---------------------------------------------------------------------------


def countersign_queue(*, membership: Membership) -> QuerySet[Decision]:
    """Trainees' provisional decisions in this centre waiting for a qualified assessor:
    not countersigned, not corrected, and not the member's own."""
    return (
        Decision.objects.filter(
            centre_id=membership.centre_id, provisional=True, countersignature__isnull=True,
            superseded_by__isnull=True,
        )
        .exclude(signed_by_id=membership.user_id)
        .select_related("criterion__unit", "criterion__outcome", "version__evidence__enrolment__learner",
                        "enrolment__qualification")
        .order_by("signed_at", "id")
    )


# --- what the learner's evidence page shows -----------------------------------------------------------


@dataclass
class VersionAssessments:
    version: EvidenceVersion
    assessments: list[EvidenceAssessment]
    decisions: list[Decision]  # with .criterion, .is_superseded, .is_countersigned


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
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    for d in decisions:
        d.is_superseded = d.pk in superseded
        d.is_countersigned = _countersignature(d) is not None
    out = []
    for v in versions:
        rows = [a for a in assessments if a.version_id == v.pk]
        if rows:
            out.append(VersionAssessments(version=v, assessments=rows, decisions=[d for d in decisions if d.version_id == v.pk]))
    return out


def enrolments_visible_ids(*, membership: Membership | None, ids: Iterable[int]) -> list[int]:
    from apps.learners.selectors import enrolments_visible

    return list(enrolments_visible(membership=membership).filter(pk__in=list(ids)).values_list("pk", flat=True))
