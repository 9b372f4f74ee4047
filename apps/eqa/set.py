"""The EQA set: what an external quality assurer asks a centre for (domain notes §1.7, §4 item
11), as data read for one grant. The on-screen pages (views_pack.py) and the pack's PDFs and
CSVs (packs.py) read the same functions here, so what the EQA browses and what they download
never differ.

The scope is computed from the grant itself, as `learners.access.external_scope` does for a
request: the centre's enrolments on the grant's qualifications and, when the grant names
learners, of those learners only. The pack is built by a worker with no request, so nothing
here reads the acting member; the views check who may see a grant before calling in.

Big tables (the assessment plan, a plan's items, the claim list) are read a page or a chunk at
a time, each chunk in a fixed number of queries; the rest is bounded by the centre's staff and
quality records, not by its learners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.assessment.models import UnitSignOff
from apps.assessment.progress import enrolment_progress_many
from apps.centres.models import IQAAllocation, Membership
from apps.certification.models import ClaimLine, ClaimOutcome, Document
from apps.evidence.models import Evidence
from apps.iqa import rules as iqa_rules
from apps.iqa.forms_strategy import BAND_FIELD_LABELS
from apps.iqa.models import (
    Action,
    AssessorProfile,
    PlanItem,
    Sample,
    SamplingPlan,
    SamplingStrategy,
    StandardisationJudgement,
    StandardisationMeeting,
)
from apps.iqa.quality import JUDGEMENTS, agreement_rate
from apps.iqa.reports import action_state, sample_record_from
from apps.iqa.strategies import strategies_in_force
from apps.learners.access import grant_enrolments
from apps.learners.models import Enrolment, ExternalAccess, PriorAchievement
from apps.qualifications.models import Qualification, Unit

from .models import CentreAction, SampleRequest

PER_PAGE = 50  # rows of a big table on screen
CHUNK = 200  # enrolments (or plan rows) read at a time when a whole table is written out
STANDARDISATION_DAYS = 365  # "standardisation for that qualification in the last 12 months"
PLAN_DAYS = 365  # sampling plans whose period ended within the last twelve months, or runs on
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Part:
    slug: str
    title: str
    what: str  # one sentence: what the part shows, for the set's index and the pack's index PDF


PARTS: tuple[Part, ...] = (
    Part("assessment-plan", "Assessment plan",
         "Each learner's units with their assessors, IQA, start and planned end dates, unit status and sign-off, "
         "the IQA's planned dates and the date each unit was sampled."),
    Part("strategy", "Sampling strategy", "The approved sampling strategy in force for each qualification."),
    Part("plans", "Sampling plans",
         "The IQAs' sampling plans of the last twelve months: the samples planned for these learners and what was done."),
    Part("samples", "Sample records", "Every signed IQA sample record of the learners the EQA asked to see."),
    Part("standardisation", "Standardisation",
         "Standardisation meetings of the last twelve months for these qualifications, with each attendee's judgement."),
    Part("staff", "Staff register",
         "The assessors and IQAs of these learners: their qualification, status, CPD and occupational competence."),
    Part("claims", "Registrations and claims",
         "Each learner's registration, claim batches, the awarding organisation's outcome and the documents issued."),
    Part("actions", "Previous EQA actions", "Actions set by earlier EQA visits for these qualifications, and their closure."),
)
PART_BY_SLUG = {part.slug: part for part in PARTS}


def local_day(value: Any) -> date | None:
    """A stored moment as the centre's local day."""
    return timezone.localtime(value).date() if value else None


def day_words(day: date | None) -> str:
    """A date as people read it: 2 Dec 2026."""
    return f"{day.day} {day:%b %Y}" if day else ""


def _method_label(value: str) -> str:
    return dict(Evidence.Method.choices).get(value, str(value).replace("_", " ").capitalize())


# --- the scope --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A grant and what it covers: its qualifications and, when it names any, its learners."""

    grant: ExternalAccess
    qualifications: tuple[Qualification, ...]
    names_learners: bool

    @property
    def centre_id(self) -> int:
        return self.grant.centre_id

    @property
    def qualification_ids(self) -> list[int]:
        return [q.pk for q in self.qualifications]


def scope_of(grant: ExternalAccess) -> Scope:
    qualifications = tuple(Qualification.objects.filter(pk__in=grant.qualifications.through.objects.filter(
        externalaccess_id=grant.pk).values("qualification_id")).order_by("number", "version"))
    names = grant.learners.through.objects.filter(externalaccess_id=grant.pk).exists()
    return Scope(grant=grant, qualifications=qualifications, names_learners=names)


def enrolments(scope: Scope) -> QuerySet[Enrolment]:
    """The enrolments the grant covers (learners.access decides it, for pages and pack alike)."""
    return grant_enrolments(scope.grant)


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _enrolments_by_id(ids: Iterable[int]) -> dict[int, Enrolment]:
    from apps.accounts.models import User

    return {
        e.pk: e for e in Enrolment.objects.filter(pk__in=set(ids))
        .select_related("learner", "qualification", "iqa")
        .prefetch_related(Prefetch("assessors", queryset=User.objects.order_by("full_name", "pk")))
    }


# --- 1. the assessment plan -------------------------------------------------------------------

PLAN_HEADER = [
    "Learner", "ULN", "Registration number", "Qualification", "Unit", "Unit title", "Assessors", "IQA", "Start date",
    "Planned end date", "Unit status", "Signed off on", "IQA planned (stage: from to by)", "Sampled on",
]


@dataclass(frozen=True)
class PlanRow:
    """One learner's unit: who assesses and quality-assures it, and when (NCFE's and Pearson's
    assessment plan). A learner with no units planned has one row without a unit."""

    enrolment: Enrolment
    unit: Unit | None
    status: str
    signed_off_on: date | None
    iqa_planned: list[tuple[str, date, date]]  # (stage, due from, due by) of the plan items
    sampled_on: date | None

    @property
    def assessors(self) -> str:
        return ", ".join(u.full_name for u in self.enrolment.assessors.all())

    @property
    def iqa(self) -> str:
        return self.enrolment.iqa.full_name if self.enrolment.iqa_id else ""

    @property
    def iqa_planned_words(self) -> str:
        return "; ".join(f"{stage}: {day_words(start)} to {day_words(end)}" for stage, start, end in self.iqa_planned)

    def cells(self) -> list[Any]:
        e, unit = self.enrolment, self.unit
        return [
            e.learner.full_name, e.learner.uln or "", e.registration_number, f"{e.qualification.number} {e.qualification.title}",
            unit.number if unit else "", unit.title if unit else "No units planned", self.assessors, self.iqa,
            e.start_date, e.planned_end_date, self.status, self.signed_off_on or "",
            "; ".join(f"{stage}: {start.isoformat()} to {end.isoformat()}" for stage, start, end in self.iqa_planned),
            self.sampled_on or "",
        ]


def plan_pairs(scope: Scope) -> QuerySet:
    """(enrolment id, unit id) of every row of the assessment plan, in the plan's order: by
    learner, then unit. The join is an outer one: a learner without units planned has one pair
    with no unit."""
    return (enrolments(scope)
            .order_by("learner__full_name", "learner_id", "pk", "planned_units__unit__position", "planned_units__unit_id")
            .values_list("pk", "planned_units__unit_id"))


def plan_rows(pairs: Iterable[tuple[int, int | None]]) -> list[PlanRow]:
    """The rows for these pairs, in a fixed number of queries however many there are."""
    pairs = list(pairs)
    enrolment_ids = {e for e, _ in pairs}
    unit_ids = {u for _, u in pairs if u is not None}
    by_id = _enrolments_by_id(enrolment_ids)
    units = Unit.objects.in_bulk(unit_ids)
    signed = {(e, u): local_day(at) for e, u, at in UnitSignOff.objects.filter(
        enrolment_id__in=enrolment_ids, unit_id__in=unit_ids, reopening__isnull=True)
        .values("enrolment_id", "unit_id").annotate(at=Max("signed_at")).values_list("enrolment_id", "unit_id", "at")}
    routes = dict(PriorAchievement.Route.choices)
    prior = {(e, u): routes.get(r, r) for e, u, r in PriorAchievement.objects.filter(
        enrolment_id__in=enrolment_ids, unit_id__in=unit_ids).values_list("enrolment_id", "unit_id", "route")}
    progress = enrolment_progress_many(by_id.values())
    criteria = {(pk, u.unit_id): (u.criteria_met, u.criteria_total) for pk, p in progress.items() for u in p.units}
    planned: dict[tuple[int, int], list[tuple[str, date, date]]] = defaultdict(list)
    stages = {"interim": "Interim", "summative": "Summative"}
    for e, u, stage, start, end in (PlanItem.objects.filter(enrolment_id__in=enrolment_ids, unit_id__in=unit_ids)
                                    .exclude(status=PlanItem.Status.DROPPED).order_by("due_from", "pk")
                                    .values_list("enrolment_id", "unit_id", "stage", "due_from", "due_by")):
        planned[(e, u)].append((stages.get(stage, stage), start, end))
    sampled = {(e, u): local_day(at) for e, u, at in Sample.objects.filter(
        enrolment_id__in=enrolment_ids, unit_id__in=unit_ids, signed_at__isnull=False)
        .values("enrolment_id", "unit_id").annotate(at=Max("signed_at")).values_list("enrolment_id", "unit_id", "at")}
    rows = []
    for enrolment_id, unit_id in pairs:
        key = (enrolment_id, unit_id)
        if unit_id is None:
            status = ""
        elif key in prior:
            status = prior[key]
        elif key in signed:
            status = "Signed off"
        else:
            met, total = criteria.get(key, (0, 0))
            status = ("All criteria met, not signed off yet" if met and met == total else
                      f"In progress: {met} of {total} criteria met" if met else "Not started")
        rows.append(PlanRow(enrolment=by_id[enrolment_id], unit=units.get(unit_id), status=status,
                            signed_off_on=signed.get(key), iqa_planned=planned.get(key, []), sampled_on=sampled.get(key)))
    return rows


def iter_plan_rows(scope: Scope) -> Iterator[PlanRow]:
    """Every row of the assessment plan, a chunk at a time (the pack's CSV and spreadsheet)."""
    for pairs in _chunks(plan_pairs(scope).iterator(chunk_size=CHUNK)):
        yield from plan_rows(pairs)


# --- 2. the sampling strategy -----------------------------------------------------------------


@dataclass(frozen=True)
class StrategyView:
    strategy: SamplingStrategy
    applies_to: list[Qualification]
    band_rows: list[tuple[str, list[Any]]]
    methods: list[str]
    band_headings: list[str] = field(default_factory=lambda: list(BAND_FIELD_LABELS.values()))


def strategies(scope: Scope) -> tuple[list[StrategyView], list[Qualification]]:
    """The approved strategy in force for each of the grant's qualifications (its own, else the
    centre's default), each strategy once; and the qualifications with none."""
    in_force = strategies_in_force(scope.centre_id)
    chosen: dict[int, tuple[SamplingStrategy, list[Qualification]]] = {}
    uncovered = []
    for qualification in scope.qualifications:
        strategy = in_force.get(qualification.pk) or in_force.get(None)
        if strategy is None:
            uncovered.append(qualification)
            continue
        chosen.setdefault(strategy.pk, (strategy, []))[1].append(qualification)
    qualifications = Qualification.objects.in_bulk({s.qualification_id for s, _ in chosen.values() if s.qualification_id})
    views = []
    for strategy, applies_to in chosen.values():
        strategy.qualification = qualifications.get(strategy.qualification_id)
        bands = strategy.rules.get("bands") or {}
        views.append(StrategyView(
            strategy=strategy, applies_to=applies_to,
            band_rows=[(iqa_rules.BAND_WORDS[b], [(bands.get(b) or {}).get(f) for f in iqa_rules.BAND_FIELDS])
                       for b in iqa_rules.BANDS],
            methods=[_method_label(m) for m in strategy.rules.get("methods_must_cover", [])],
        ))
    return views, uncovered


def strategy_context(scope: Scope) -> dict[str, Any]:
    """What the strategy page and its PDF show."""
    views, uncovered = strategies(scope)
    return {"views": views, "uncovered": uncovered, "template_label": iqa_rules.TEMPLATE_LABEL}


# --- 3. sampling plans ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    plan: SamplingPlan
    items: int  # items of the grant's learners


def plans(scope: Scope, today: date | None = None) -> list[PlanView]:
    """The plans with items for the grant's learners whose period ended within twelve months (or
    runs on), newest first."""
    since = (today or timezone.localdate()) - timedelta(days=PLAN_DAYS)
    counts = dict(PlanItem.objects.filter(enrolment__in=enrolments(scope), plan__period_end__gte=since,
                                          centre_id=scope.centre_id)
                  .values("plan_id").annotate(n=Count("id")).values_list("plan_id", "n"))
    found = SamplingPlan.objects.filter(pk__in=counts).select_related("iqa").order_by("-period_start", "-pk")
    return [PlanView(plan=p, items=counts[p.pk]) for p in found]


def plan_items(scope: Scope, plan: SamplingPlan) -> QuerySet[PlanItem]:
    """The plan's items for the grant's learners, in the order of the IQA's plan record."""
    return (PlanItem.objects.filter(plan=plan, enrolment__in=enrolments(scope))
            .order_by("assessor__full_name", "enrolment__learner__full_name", "unit__position", "stage", "id"))


def plan_item_rows(items: Iterable[PlanItem], centre_id: int) -> list[dict[str, Any]]:
    """Rows in the shape of apps/iqa/reports.py's `plan_rows` (templates/iqa/reports/pdf_plan.html
    reads them): the item, the assessor's band, the methods, the sample that did it."""
    items = list(items)
    ids = [i.pk for i in items]
    loaded = {i.pk: i for i in PlanItem.objects.filter(pk__in=ids)
              .select_related("enrolment__learner", "enrolment__qualification", "unit", "assessor")
              .prefetch_related(Prefetch("samples", queryset=Sample.objects.select_related("signed_by")
                                         .order_by("started_at")))}
    bands = dict(AssessorProfile.objects.filter(centre_id=centre_id, assessor_id__in={i.assessor_id for i in items})
                 .values_list("assessor_id", "band"))
    band_labels = dict(AssessorProfile._meta.get_field("band").choices)
    rows = []
    for pk in ids:
        item = loaded[pk]
        samples = list(item.samples.all())
        done = next((s for s in reversed(samples) if s.signed_at), None)
        rows.append({"item": item, "band": band_labels.get(bands.get(item.assessor_id), "No profile"),
                     "methods": [_method_label(m) for m in item.methods or []],
                     "sample": done or (samples[-1] if samples else None), "signed": done})
    return rows


PLAN_ITEMS_HEADER = [
    "Assessor", "Risk band", "Learner", "ULN", "Unit", "Unit title", "Stage", "Methods", "Reason selected",
    "Reason detail", "Due from", "Due by", "Status", "Sample ref", "Sampled on", "Outcome", "IQA signature",
]


def plan_item_cells(row: dict[str, Any]) -> list[Any]:
    """One plan row as the CSV writes it (the columns of apps/iqa/reports.py's plan CSV)."""
    item, sample, signed = row["item"], row["sample"], row["signed"]
    return [
        item.assessor.full_name, row["band"], item.enrolment.learner.full_name, item.enrolment.learner.uln or "",
        item.unit.number, item.unit.title, item.get_stage_display(), "; ".join(row["methods"]),
        item.get_reason_display(), item.reason_detail, item.due_from, item.due_by, item.get_status_display(),
        f"S-{sample.pk}" if sample else "", local_day(signed.signed_at) if signed else "",
        signed.get_outcome_display() if signed else "", signed.signed_name if signed else "",
    ]


def iter_plan_item_rows(scope: Scope, plan: SamplingPlan) -> Iterator[dict[str, Any]]:
    """Every row of the plan for the grant's learners, a chunk at a time."""
    for items in _chunks(plan_items(scope, plan).only("pk").iterator(chunk_size=CHUNK)):
        yield from plan_item_rows(items, scope.centre_id)


def plan_strategies(plan: SamplingPlan) -> list[SamplingStrategy]:
    ids = [v for v in (plan.strategies or {}).values() if isinstance(v, int)]
    return list(SamplingStrategy.objects.filter(pk__in=ids, centre_id=plan.centre_id)
                .select_related("qualification").order_by("version"))


def plan_status_counts(scope: Scope, plan: SamplingPlan) -> list[tuple[str, int]]:
    labels = dict(PlanItem.Status.choices)
    counted = plan_items(scope, plan).order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    return sorted((labels.get(status, status), n) for status, n in counted)


# --- 4. sample records of the requested learners -------------------------------------------


def sample_request_for(scope: Scope, pk: int | None = None) -> SampleRequest | None:
    """The grant's sample request with this pk (any status), else its newest open one."""
    requests = SampleRequest.objects.filter(grant=scope.grant)
    if pk is not None:
        return requests.filter(pk=pk).first()
    return requests.filter(status=SampleRequest.Status.OPEN).order_by("-requested_at", "-pk").first()


def requested_enrolments(scope: Scope, request: SampleRequest | None) -> QuerySet[Enrolment]:
    if request is None:
        return Enrolment.objects.none()
    return enrolments(scope).filter(pk__in=request.learners.values("enrolment_id"))


def requested_learners(scope: Scope, request: SampleRequest | None) -> list[dict[str, Any]]:
    """The learners asked for, with why, and how many signed samples each has."""
    if request is None:
        return []
    in_scope = set(requested_enrolments(scope, request).values_list("pk", flat=True))
    counts = dict(Sample.objects.filter(enrolment_id__in=in_scope, signed_at__isnull=False)
                  .values("enrolment_id").annotate(n=Count("id")).values_list("enrolment_id", "n"))
    return [{"enrolment": r.enrolment, "reason": r.reason, "samples": counts.get(r.enrolment_id, 0)}
            for r in request.learners.select_related("enrolment__learner", "enrolment__qualification")
            .order_by("enrolment__learner__full_name", "pk") if r.enrolment_id in in_scope]


def requested_samples(scope: Scope, request: SampleRequest | None) -> QuerySet[Sample]:
    """The signed IQA samples of the requested learners (drafts of samples are never shown)."""
    return (Sample.objects.filter(centre_id=scope.centre_id, enrolment__in=requested_enrolments(scope, request),
                                  signed_at__isnull=False)
            .select_related("enrolment__learner", "unit", "assessor", "iqa")
            .order_by("enrolment__learner__full_name", "enrolment_id", "unit__position", "signed_at", "pk"))


def sample_record(scope: Scope, sample_id: int) -> dict[str, Any]:
    """One signed sample of a requested learner, in the context templates/iqa/reports/pdf_sample.html
    reads (apps/iqa/reports.py's, over the grant's signed samples instead of a member's)."""
    signed = Sample.objects.filter(centre_id=scope.centre_id, enrolment__in=enrolments(scope), signed_at__isnull=False)
    return sample_record_from(signed, sample_id)


# --- 5. standardisation -----------------------------------------------------------------------


def meetings(scope: Scope, today: date | None = None) -> QuerySet[StandardisationMeeting]:
    """The centre's standardisation meetings of the last twelve months for the grant's
    qualifications (or one of their units), and those for every qualification."""
    since = (today or timezone.localdate()) - timedelta(days=STANDARDISATION_DAYS)
    ids = scope.qualification_ids
    return (StandardisationMeeting.objects.filter(centre_id=scope.centre_id, held_on__gte=since)
            .filter(Q(qualification_id__in=ids) | Q(unit__qualification_id__in=ids)
                    | Q(qualification__isnull=True, unit__isnull=True))
            .select_related("facilitator", "qualification", "unit").order_by("-held_on", "-pk"))


def meeting_views(found: Iterable[StandardisationMeeting]) -> list[dict[str, Any]]:
    """Each meeting with its judgements, agreement and actions (three queries for them all)."""
    found = list(found)
    judgements: dict[int, list[StandardisationJudgement]] = defaultdict(list)
    for j in (StandardisationJudgement.objects.filter(meeting__in=found).select_related("attendee")
              .order_by("attendee__full_name", "pk")):
        judgements[j.meeting_id].append(j)
    actions: dict[int, list[Action]] = defaultdict(list)
    for a in Action.objects.filter(meeting__in=found).select_related("owner").order_by("due_on", "pk"):
        actions[a.meeting_id].append(a)
    today = timezone.localdate()
    return [{
        "meeting": m, "agreed": JUDGEMENTS.get(m.agreed_judgement, "—"),
        "judgements": [{"judgement": j, "words": JUDGEMENTS.get(j.judgement, j.judgement),
                        "agrees": j.judgement == m.agreed_judgement} for j in judgements[m.pk]],
        "rate": agreement_rate([j.judgement for j in judgements[m.pk]], m.agreed_judgement),
        "actions": [{"action": a, "state": action_state(a, today)} for a in actions[m.pk]],
    } for m in found]


# --- 6. the staff register ------------------------------------------------------------------

STAFF_HEADER = [
    "Name", "Role", "Learners in this scope", "Assessor or IQA qualification", "Qualified on", "Status",
    "CPD", "Occupational competence",
]


@dataclass(frozen=True)
class StaffRow:
    name: str
    works_as: str
    learners: int
    profile: AssessorProfile | None

    @property
    def qualification(self) -> str:
        return (self.profile.assessor_qualification if self.profile else "") or NOT_RECORDED

    @property
    def qualified_on(self) -> date | None:
        return self.profile.qualified_on if self.profile else None

    @property
    def status(self) -> str:
        return self.profile.get_status_display() if self.profile else NOT_RECORDED

    @property
    def cpd(self) -> str:
        return (self.profile.cpd_notes if self.profile else "") or NOT_RECORDED

    @property
    def competence(self) -> str:
        return (self.profile.occupational_competence if self.profile else "") or NOT_RECORDED

    def cells(self) -> list[Any]:
        return [self.name, self.works_as, self.learners, self.qualification, self.qualified_on or NOT_RECORDED,
                self.status, self.cpd, self.competence]


def staff(scope: Scope) -> list[StaffRow]:
    """The assessors and IQAs of the grant's learners (the IQAs named on their enrolments and
    those the lead IQA allocated their assessors to), by name, in five queries."""
    from apps.accounts.models import User

    covered = enrolments(scope)
    assessing = dict(Enrolment.assessors.through.objects.filter(enrolment__in=covered)
                     .values("user_id").annotate(n=Count("enrolment_id")).values_list("user_id", "n"))
    assuring = dict(covered.exclude(iqa__isnull=True).order_by().values("iqa_id").annotate(n=Count("id"))
                    .values_list("iqa_id", "n"))
    allocated = set(IQAAllocation.objects.filter(centre_id=scope.centre_id, assessor_id__in=list(assessing))
                    .values_list("iqa_id", flat=True))
    people = set(assessing) | set(assuring) | allocated
    members = {m.user_id: m for m in Membership.objects.filter(centre_id=scope.centre_id, user_id__in=people)}
    profiles = {p.assessor_id: p for p in AssessorProfile.objects.filter(centre_id=scope.centre_id,
                                                                         assessor_id__in=people)}
    rows = []
    for user in User.objects.filter(pk__in=people).order_by("full_name", "pk"):
        member = members.get(user.pk)
        # Their roles as the centre records them (trainee, lead), only those that assess or assure.
        works_as = [label for label in (member.roleset.labels() if member else [])
                    if "assessor" in label.lower() or "quality assurer" in label.lower()]
        if not works_as:
            works_as = ["Assessor"] if user.pk in assessing else ["Internal quality assurer"]
        if member is None or not member.is_active:
            works_as.append("no longer at the centre")
        rows.append(StaffRow(name=user.full_name or user.email, works_as=", ".join(works_as),
                             learners=max(assessing.get(user.pk, 0), assuring.get(user.pk, 0)),
                             profile=profiles.get(user.pk)))
    return rows


# --- 7. registrations and claims ------------------------------------------------------------

CLAIMS_HEADER = [
    "Learner", "ULN", "Qualification", "Registration number", "Registered on", "Enrolment status", "Claim batches",
    "AO outcome", "Documents",
]


@dataclass(frozen=True)
class ClaimRow:
    enrolment: Enrolment
    batches: list[str]  # "CB-2026-0001 (Submitted)"
    outcomes: list[str]  # "Certificated, certificate 123 of 2 Dec 2026"
    documents: list[str]  # document numbers, with their status when not valid

    def cells(self) -> list[Any]:
        e = self.enrolment
        return [e.learner.full_name, e.learner.uln or "", f"{e.qualification.number} {e.qualification.title}",
                e.registration_number or "Not registered", e.registered_on or "", e.get_status_display(),
                "; ".join(self.batches), "; ".join(self.outcomes), "; ".join(self.documents)]


def claim_enrolments(scope: Scope) -> QuerySet[Enrolment]:
    return enrolments(scope).order_by("learner__full_name", "learner_id", "pk")


def claim_rows(found: Iterable[Enrolment]) -> list[ClaimRow]:
    """The claim list's rows for these enrolments, in five queries however many."""
    ids = [e.pk for e in found]
    by_id = _enrolments_by_id(ids)
    lines: dict[int, list[ClaimLine]] = defaultdict(list)
    line_list = list(ClaimLine.objects.filter(enrolment_id__in=ids).select_related("batch")
                     .order_by("batch__created_at", "pk"))
    for line in line_list:
        lines[line.enrolment_id].append(line)
    newest: dict[int, ClaimOutcome] = {}
    for outcome in ClaimOutcome.objects.filter(line__in=line_list).order_by("line_id", "-recorded_at", "-pk"):
        newest.setdefault(outcome.line_id, outcome)
    documents: dict[int, list[str]] = defaultdict(list)
    kinds, statuses = dict(Document.Kind.choices), dict(Document.Status.choices)
    for number, status, enrolment_id, kind in (Document.objects.filter(line__in=line_list).exclude(sha256="")
                                               .order_by("number").values_list("number", "status", "line__enrolment_id",
                                                                                 "kind")):
        documents[enrolment_id].append(f"{number} {kinds.get(kind, kind)}"
                                       + ("" if status == Document.Status.VALID else f" ({statuses[status].lower()})"))
    rows = []
    for pk in ids:
        outcomes = []
        for line in lines[pk]:
            outcome = newest.get(line.pk)
            if outcome is None:
                continue
            words = outcome.get_status_display()
            if outcome.certificate_number:
                words += f", certificate {outcome.certificate_number} of {day_words(outcome.certificate_date)}"
            outcomes.append(f"{line.batch.reference}: {words}")
        rows.append(ClaimRow(
            enrolment=by_id[pk],
            batches=[f"{line.batch.reference} ({line.batch.get_status_display()})" for line in lines[pk]],
            outcomes=outcomes, documents=documents[pk]))
    return rows


def iter_claim_rows(scope: Scope) -> Iterator[ClaimRow]:
    for batch in _chunks(claim_enrolments(scope).only("pk").iterator(chunk_size=CHUNK)):
        yield from claim_rows(batch)


# --- 8. previous EQA actions -----------------------------------------------------------------


def previous_actions(scope: Scope) -> QuerySet[CentreAction]:
    """The EQA actions set for the grant's qualifications at earlier visits, newest visit first
    (as apps/eqa/access.py lets the EQA read them)."""
    return (CentreAction.objects.filter(centre_id=scope.centre_id, outcome__qualification_id__in=scope.qualification_ids)
            .select_related("outcome__qualification", "responded_by", "closed_by")
            .order_by("-outcome__visited_on", "due_on", "pk"))


# --- the set's summary (the first page, and the index PDF) ---------------------------------


def summary(scope: Scope, request: SampleRequest | None) -> dict[str, Any]:
    """What the set covers, in a fixed number of queries."""
    covered = enrolments(scope)
    return {
        "grant": scope.grant, "qualifications": scope.qualifications, "names_learners": scope.names_learners,
        "learners": covered.values("learner_id").distinct().count(),
        "enrolments": covered.count(),
        "request": request,
        "requested": requested_learners(scope, request),
        "awarding_organisation": dict(Qualification.AwardingOrganisation.choices).get(
            scope.grant.awarding_organisation, scope.grant.awarding_organisation),
    }
