"""Live coverage: "are we covered?" for a member's scope and a period, computed on read.

One `coverage(...)` call reads everything the coverage page shows in a fixed number of queries
whatever the number of learners, decisions or samples: the heatmaps of one qualification
(assessors × units, learners × units for one page of learners, assessors × assessment methods),
each assessor's compliance measured on samples **done** (not planned) against the strategy's
rate for their band, and the gaps across the whole scope, each in words with a link.
"""

from __future__ import annotations

import enum
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.assessment.models import Decision, UnitSignOff
from apps.centres.models import Membership
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification, Unit

from . import access, planning
from . import rules as strategy_rules
from .clearance import (
    OPEN_ACTION,
    WAITING_ITEM,
    Clearance,
    State,
    in_force_for,
    strategies_in_force,
    unit_clearance,
)
from .models import AssessorProfile, Band, PlanItem, Sample, SamplingPlan, Stage

NEAR_END = timedelta(weeks=8)
GAPS_SHOWN = 12  # of each kind; the rest are counted
LEARNERS_PER_PAGE = 25
METHODS = list(Evidence.Method)


class Tone(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = "none"


# What a compliance status says besides its colour.
STATUS_WORDS = {Tone.RED: "Red: behind", Tone.AMBER: "Amber: short", Tone.GREEN: "Green: met", Tone.NONE: "No learners"}


class LearnerState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MUST_SAMPLE = "must_sample"
    SAMPLED = "sampled"
    COVERED = "covered"  # signed off, cleared without a sample: the plan's rules cover it


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{_day(self.start)} to {_day(self.end)}"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def default_period(membership: Membership, *, today: date | None = None) -> Period:
    """The current plan period: the member's own active plan covering today (an IQA), else the
    centre's earliest such plan, else the block of the default strategy's period length (a term
    of three months by the template) that holds today."""
    today = today or timezone.localdate()
    plans = SamplingPlan.objects.filter(
        centre_id=membership.centre_id, status=SamplingPlan.Status.ACTIVE, period_start__lte=today,
        period_end__gte=today,
    ).values("iqa_id", "period_start", "period_end").order_by("period_start", "id")
    plans = list(plans)
    own = [p for p in plans if p["iqa_id"] == membership.user_id]
    if own or plans:
        chosen = (own or plans)[0]
        return Period(chosen["period_start"], chosen["period_end"])
    months = in_force_for(strategies_in_force([membership.centre_id]), membership.centre_id, 0).rules.period_months
    # The same periods plans are generated for (from 1 August, the academic year), not calendar blocks.
    return Period(*planning.period_containing(today, months))


# --- what the page shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitColumn:
    id: int
    number: str
    title: str


@dataclass(frozen=True)
class AssessorUnitCell:
    unit_id: int
    sign_offs: int
    summative: int
    interim: int
    in_window: bool  # a summative sample of this assessor and unit within the strategy's window
    tone: Tone
    symbol: str
    words: str

    @property
    def html(self) -> SafeString:
        # Rendered here, not cell by cell in the template: thousands of cells at a college.
        figures = ""
        if self.sign_offs or self.summative or self.interim:
            figures = f" {self.summative}/{self.sign_offs}"
        interim = format_html(" <small>+{} interim</small>", self.interim) if self.interim else ""
        return format_html('<td class="heat heat-{}" title="{}"><span aria-hidden="true">{}</span>{}{}'
                           '<span class="visually-hidden">{}</span></td>', self.tone, self.words, self.symbol, figures,
                           interim, self.words)


@dataclass(frozen=True)
class MethodCell:
    method: str
    label: str
    used: int  # decisions resting on evidence of this method, in the period
    seen: int  # samples in the period that looked at this method
    required: bool  # the strategy says every assessor's samples cover it
    tone: Tone
    symbol: str
    words: str

    @property
    def html(self) -> SafeString:
        figures = f" {self.used}/{self.seen}" if self.used or self.seen else ""
        must = format_html(" <small>{}</small>", "must") if self.required else ""
        return format_html('<td class="heat heat-{}" title="{}"><span aria-hidden="true">{}</span>{}{}'
                           '<span class="visually-hidden">{}</span></td>', self.tone, self.words, self.symbol, figures,
                           must, self.words)


@dataclass(frozen=True)
class Compliance:
    learners: int
    sampled: int
    required: int
    share: int
    unplanned: int
    tone: Tone
    words: str

    @property
    def status(self) -> str:
        return STATUS_WORDS[self.tone]


@dataclass
class AssessorRow:
    id: int
    name: str
    band: str
    band_label: str
    trainee: bool
    compliance: Compliance
    units: list[AssessorUnitCell] = field(default_factory=list)
    methods: list[MethodCell] = field(default_factory=list)


@dataclass(frozen=True)
class LearnerCell:
    unit_id: int
    state: LearnerState
    tone: Tone
    symbol: str
    words: str  # the whole reason
    clearance: Clearance | None
    href: str
    short: str = ""  # a few words for the cell

    @property
    def html(self) -> SafeString:
        text = format_html('<a href="{}">{}</a>', self.href, self.short) if self.href else self.short
        more = format_html('<span class="visually-hidden">: {}</span>', self.words) if self.words != self.short else ""
        return format_html('<td class="heat heat-{}" title="{}"><span aria-hidden="true">{}</span> {}{}</td>',
                           self.tone, self.words, self.symbol, text, more)


@dataclass
class LearnerRow:
    enrolment_id: int
    name: str
    planned_end: date
    href: str
    cells: list[LearnerCell]


@dataclass(frozen=True)
class Gap:
    kind: str
    words: str
    href: str


@dataclass(frozen=True)
class GapGroup:
    kind: str
    heading: str
    gaps: list[Gap]
    more: int  # how many more than shown


@dataclass(frozen=True)
class QualificationChoice:
    id: int
    label: str
    learners: int


@dataclass
class Coverage:
    period: Period
    scope_words: str
    qualifications: list[QualificationChoice]
    qualification: QualificationChoice | None
    strategy_words: str
    units: list[UnitColumn]
    methods: list[tuple[str, str]]
    assessors: list[AssessorRow]
    learners: list[LearnerRow]
    learners_total: int
    page: int
    pages: int
    query: str
    gaps: list[GapGroup]

    @property
    def gap_count(self) -> int:
        return sum(len(group.gaps) + group.more for group in self.gaps)


def _url(name: str, *args) -> str:
    """A link to another area's page; none while that page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _day(day: date) -> str:
    return f"{day:%d %b %Y}".lstrip("0")


def _local(moment) -> date:
    return timezone.localtime(moment).date()


# --- the read -----------------------------------------------------------------------------------


def coverage(
    membership: Membership, *, period: Period, qualification_id: int | None = None, learner_query: str = "",
    page: int = 1, today: date | None = None,
) -> Coverage:
    """Everything the coverage page shows, for this member's scope (an IQA: the assessors
    allocated to them and the learners named to them; the lead IQA and admins: the centre; an EQA:
    the learners their open grants cover)."""
    today = today or timezone.localdate()
    scope = access.enrolments_in_scope(membership).values("pk")
    enrolments = {
        row["id"]: row
        for row in Enrolment.objects.filter(pk__in=scope).exclude(status=Enrolment.Status.WITHDRAWN).values(
            "id", "learner__full_name", "qualification_id", "planned_end_date", "status", "centre_id"
        )
    }
    # The queries below filter on the scope. The whole centre's is a cheap subquery (thousands of
    # ids written into each query cost more to build and parse than PostgreSQL's join); an IQA's
    # goes through their allocations, so it is read once (above) and its ids passed.
    ids: Any = (Enrolment.objects.filter(centre_id=membership.centre_id).exclude(status=Enrolment.Status.WITHDRAWN)
                .values("pk") if access.sees_all(membership) else list(enrolments))
    assessor_ids = access.assessors_in_quality_scope(membership)
    links: dict[int, set[int]] = defaultdict(set)  # enrolment -> its assessors in scope
    for row in Enrolment.assessors.through.objects.filter(enrolment_id__in=ids, user_id__in=assessor_ids).values(
        "enrolment_id", "user_id"
    ):
        if row["enrolment_id"] in enrolments:
            links[row["enrolment_id"]].add(row["user_id"])
    names = dict(User.objects.filter(pk__in=assessor_ids).values_list("id", "full_name"))
    profiles = {
        row["assessor_id"]: row
        for row in AssessorProfile.objects.filter(centre_id=membership.centre_id, assessor_id__in=assessor_ids).values(
            "assessor_id", "band", "status"
        )
    }

    sign_offs = list(
        UnitSignOff.objects.filter(enrolment_id__in=ids, reopening__isnull=True).values(
            "enrolment_id", "unit_id", "signed_by_id", "signed_at"
        )
    )
    sign_offs = [row for row in sign_offs if row["enrolment_id"] in enrolments]
    samples = [
        row for row in Sample.objects.filter(enrolment_id__in=ids, signed_at__isnull=False).values(
            "id", "enrolment_id", "unit_id", "assessor_id", "stage", "outcome", "signed_at", "methods_seen",
            "plan_item_id", "follow_up_of_id",
        ).order_by("signed_at", "id")
        if row["enrolment_id"] in enrolments
    ]
    waiting = {
        (row["enrolment_id"], row["unit_id"]): row
        for row in PlanItem.objects.filter(enrolment_id__in=ids, status__in=WAITING_ITEM).values(
            "enrolment_id", "unit_id", "stage", "plan_id"
        )
    }
    overdue = list(
        access.actions_visible(membership).filter(status__in=OPEN_ACTION, due_on__lt=today)
        .order_by("due_on", "id").values("id", "due_on", "owner__full_name")
    )
    trainee_first = list(
        Decision.objects.filter(enrolment_id__in=ids, provisional=True)
        .order_by("signed_by_id", "criterion__unit_id", "signed_at", "id")
        .distinct("signed_by_id", "criterion__unit_id")
        .values("enrolment_id", "criterion__unit_id", "signed_by__full_name")
    )
    qualification_ids = {row["qualification_id"] for row in enrolments.values()}
    units_by_id = {
        row["id"]: row for row in Unit.objects.filter(qualification_id__in=qualification_ids).values(
            "id", "number", "title", "qualification_id", "position"
        )
    }
    qualification_rows = {
        row["id"]: row for row in Qualification.objects.filter(pk__in=qualification_ids).values("id", "number", "title")
    }
    strategies = strategies_in_force([membership.centre_id])

    # --- the qualification the grids show -------------------------------------------------------
    counts = Counter(row["qualification_id"] for row in enrolments.values())
    choices = sorted(
        (QualificationChoice(q, f"{row['number']} {row['title']}", counts[q]) for q, row in qualification_rows.items()),
        key=lambda c: (-c.learners, c.label),
    )
    chosen = next((c for c in choices if c.id == qualification_id), choices[0] if choices else None)

    in_period = [s for s in samples if period.start <= _local(s["signed_at"]) <= period.end]
    gaps = _gaps(
        enrolments=enrolments, links=links, names=names, sign_offs=sign_offs, samples=samples,
        in_period=in_period, overdue=overdue, trainee_first=trainee_first, units=units_by_id,
        qualifications=qualification_rows, today=today, chosen=chosen,
    )
    scope_words = _scope_words(membership, assessors=len(assessor_ids), learners=len(enrolments))
    result = Coverage(
        period=period, scope_words=scope_words, qualifications=choices, qualification=chosen, strategy_words="",
        units=[], methods=[(m.value, m.label) for m in METHODS], assessors=[], learners=[], learners_total=0,
        page=1, pages=1, query=learner_query, gaps=gaps,
    )
    if chosen is None:
        return result

    in_force = in_force_for(strategies, membership.centre_id, chosen.id)
    rules = in_force.rules
    result.strategy_words = (
        f"Measured against the approved sampling strategy, version {in_force.version}."
        if in_force.strategy_id else
        f"No approved sampling strategy yet: measured against the template's figures ({strategy_rules.TEMPLATE_LABEL.lower()})."
    )
    units = sorted(
        (row for row in units_by_id.values() if row["qualification_id"] == chosen.id),
        key=lambda row: (row["position"], row["id"]),
    )
    result.units = [UnitColumn(row["id"], row["number"], row["title"]) for row in units]
    q_enrolments = {pk for pk, row in enrolments.items() if row["qualification_id"] == chosen.id}
    method_counts: dict[tuple[int, str], int] = {
        (row["signed_by_id"], row["version__method"]): row["n"]
        for row in Decision.objects.filter(
            enrolment_id__in=[pk for pk in enrolments if enrolments[pk]["qualification_id"] == chosen.id]
            if isinstance(ids, list) else ids.filter(qualification_id=chosen.id),
            signed_at__date__gte=period.start, signed_at__date__lte=period.end,
        ).values("signed_by_id", "version__method").annotate(n=Count("id"))
    }
    result.assessors = _assessor_rows(
        assessor_ids=assessor_ids, names=names, profiles=profiles, links=links, enrolments=enrolments,
        q_enrolments=q_enrolments, sign_offs=sign_offs, samples=samples, in_period=in_period, units=result.units,
        rules=rules, period=period, method_counts=method_counts,
    )
    result.learners, result.learners_total, result.page, result.pages = _learner_rows(
        enrolments=enrolments, q_enrolments=q_enrolments, learner_query=learner_query, page=page,
        units=result.units, sign_offs=sign_offs, samples=samples, waiting=waiting,
    )
    return result


def _scope_words(membership: Membership | None, *, assessors: int, learners: int) -> str:
    """Whose sampling the page measures, as the reader's own scope: an EQA quality-assures no
    assessor, they read the learners their grants cover."""
    if access.sees_all(membership):
        return "the whole centre"
    if access.reads_as_eqa_only(membership):
        return f"the {learners} learner{'s' if learners != 1 else ''} your EQA access covers"
    return f"the {assessors} assessor{'s' if assessors != 1 else ''} you quality-assure"


def _band(profiles: dict, assessor_id: int) -> str:
    profile = profiles.get(assessor_id)
    return profile["band"] if profile else Band.HIGH  # no profile yet: sampled as high risk


def _assessor_rows(
    *, assessor_ids, names, profiles, links, enrolments, q_enrolments, sign_offs, samples, in_period, units, rules,
    period: Period, method_counts,
) -> list[AssessorRow]:
    window_start = _add_months(period.end.replace(day=1), -rules.summative_per_assessor_unit_months + 1)
    unit_ids = {u.id for u in units}
    signed: Counter = Counter()
    for row in sign_offs:
        if row["enrolment_id"] in q_enrolments and period.start <= _local(row["signed_at"]) <= period.end:
            signed[(row["signed_by_id"], row["unit_id"])] += 1
    summative: Counter = Counter()
    interim: Counter = Counter()
    window: set[tuple[int, int]] = set()
    sampled_learners: dict[int, set[int]] = defaultdict(set)
    unplanned: Counter = Counter()
    seen: Counter = Counter()
    for row in in_period:
        if row["enrolment_id"] not in q_enrolments:
            continue
        key = (row["assessor_id"], row["unit_id"])
        (summative if row["stage"] == Stage.SUMMATIVE else interim)[key] += 1
        if row["plan_item_id"] is None and row["follow_up_of_id"] is None:
            unplanned[row["assessor_id"]] += 1  # outside any plan: counted apart
        else:
            sampled_learners[row["assessor_id"]].add(row["enrolment_id"])
        for method in set(row["methods_seen"] or []):
            seen[(row["assessor_id"], method)] += 1
    for row in samples:
        if (row["enrolment_id"] in q_enrolments and row["stage"] == Stage.SUMMATIVE
                and window_start <= _local(row["signed_at"]) <= period.end):
            window.add((row["assessor_id"], row["unit_id"]))
    caseload: dict[int, set[int]] = defaultdict(set)
    for enrolment_id in q_enrolments:
        if enrolments[enrolment_id]["status"] == Enrolment.Status.ACTIVE:
            for assessor_id in links.get(enrolment_id, ()):
                caseload[assessor_id].add(enrolment_id)

    rows = []
    for assessor_id in sorted(assessor_ids, key=lambda pk: (names.get(pk, ""), pk)):
        has_work = caseload.get(assessor_id) or any(
            signed[(assessor_id, u)] or summative[(assessor_id, u)] or interim[(assessor_id, u)] for u in unit_ids
        )
        if not has_work:
            continue
        band = _band(profiles, assessor_id)
        profile = profiles.get(assessor_id)
        row = AssessorRow(
            id=assessor_id, name=names.get(assessor_id, "Unknown"), band=band, band_label=Band(band).label,
            trainee=bool(profile and profile["status"] == AssessorProfile.Status.TRAINEE),
            compliance=_compliance(
                learners=len(caseload.get(assessor_id, ())),
                sampled=len(sampled_learners[assessor_id] & caseload.get(assessor_id, set())),
                share=rules.band(band).learner_share, unplanned=unplanned[assessor_id],
            ),
        )
        for unit in units:
            row.units.append(_unit_cell(unit.id, signed[(assessor_id, unit.id)], summative[(assessor_id, unit.id)],
                                        interim[(assessor_id, unit.id)], (assessor_id, unit.id) in window))
        for method in METHODS:
            row.methods.append(_method_cell(method, method_counts.get((assessor_id, method.value), 0),
                                            seen[(assessor_id, method.value)], method.value in rules.methods_must_cover))
        rows.append(row)
    return rows


def _compliance(*, learners: int, sampled: int, share: int, unplanned: int) -> Compliance:
    """Samples done against the band's share of the assessor's learners: green when met, amber at
    half or more, red below half."""
    required = math.ceil(learners * share / 100)
    words = f"{sampled} of {learners} learner{'s' if learners != 1 else ''} sampled, rule {share} %"
    if required:
        words += f" ({required} needed)"
    if unplanned:
        words += f"; plus {unplanned} sample{'s' if unplanned != 1 else ''} outside the plan"
    if required == 0:
        tone = Tone.NONE if learners == 0 else Tone.GREEN
    elif sampled >= required:
        tone = Tone.GREEN
    elif 2 * sampled >= required:
        tone = Tone.AMBER
    else:
        tone = Tone.RED
    return Compliance(learners, sampled, required, share, unplanned, tone, words)


def _unit_cell(unit_id: int, sign_offs: int, summative: int, interim: int, in_window: bool) -> AssessorUnitCell:
    done = f"{summative} summative of {sign_offs} sign-off{'s' if sign_offs != 1 else ''}, {interim} interim"
    if summative or in_window:
        tone, symbol, words = Tone.GREEN, "✓", done + ("" if summative else "; sampled summatively within the window")
    elif interim:
        tone, symbol, words = Tone.AMBER, "~", done + "; no summative sample yet"
    elif sign_offs:
        tone, symbol, words = Tone.RED, "✗", done + "; never sampled summatively in the window"
    else:
        tone, symbol, words = Tone.NONE, "–", "No sign-offs or samples"
    return AssessorUnitCell(unit_id, sign_offs, summative, interim, in_window, tone, symbol, words)


def _method_cell(method, used: int, seen: int, required: bool) -> MethodCell:
    words = f"used in {used} decision{'s' if used != 1 else ''}, seen in {seen} sample{'s' if seen != 1 else ''}"
    if seen:
        tone, symbol = Tone.GREEN, "✓"
    elif used and required:
        tone, symbol, words = Tone.RED, "✗", words + "; the strategy says it must be covered"
    elif used:
        tone, symbol = Tone.AMBER, "~"
    elif required:
        tone, symbol, words = Tone.NONE, "–", "Not used yet; the strategy says it must be covered"
    else:
        tone, symbol, words = Tone.NONE, "–", "Not used"
    return MethodCell(method.value, method.label, used, seen, required, tone, symbol, words)


def _learner_rows(
    *, enrolments, q_enrolments, learner_query: str, page: int, units, sign_offs, samples, waiting,
) -> tuple[list[LearnerRow], int, int, int]:
    needle = " ".join(learner_query.split()).casefold()
    listed = sorted(
        (pk for pk in q_enrolments if needle in enrolments[pk]["learner__full_name"].casefold()),
        key=lambda pk: (enrolments[pk]["learner__full_name"].casefold(), pk),
    )
    total = len(listed)
    pages = max(1, math.ceil(total / LEARNERS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = listed[(page - 1) * LEARNERS_PER_PAGE: page * LEARNERS_PER_PAGE]
    if not shown:
        return [], total, page, pages
    shown_set = set(shown)
    signed = {(row["enrolment_id"], row["unit_id"]) for row in sign_offs if row["enrolment_id"] in shown_set}
    sampled: dict[tuple[int, int], dict] = {}
    for row in samples:
        if row["enrolment_id"] in shown_set:
            sampled[(row["enrolment_id"], row["unit_id"])] = row  # the latest, as they are in signing order
    started = {
        (row["enrolment_id"], row["criterion__unit_id"])
        for row in Decision.objects.filter(enrolment_id__in=shown).values("enrolment_id", "criterion__unit_id").distinct()
    }
    clearances = unit_clearance(enrolment_ids=shown)
    rows = []
    for pk in shown:
        matrix = _url("assessment_matrix", pk)
        cells = []
        for unit in units:
            key = (pk, unit.id)
            cells.append(_learner_cell(pk, unit, key in signed, sampled.get(key), waiting.get(key), key in started,
                                       clearances.get(key)))
        rows.append(LearnerRow(pk, enrolments[pk]["learner__full_name"], enrolments[pk]["planned_end_date"], matrix,
                               cells))
    return rows, total, page, pages


def _learner_cell(enrolment_id: int, unit: UnitColumn, signed_off: bool, sample: dict | None, item: dict | None,
                  started: bool, clearance: Clearance | None) -> LearnerCell:
    href = _url("assessment_unit", enrolment_id, unit.number)
    if signed_off and clearance is not None:
        if clearance.cleared:
            state = LearnerState.SAMPLED if clearance.state == State.SAMPLED else LearnerState.COVERED
            return LearnerCell(unit.id, state, Tone.GREEN, "✓", clearance.reason, clearance, href, clearance.short)
        tone = Tone.RED if clearance.state in (State.DISAGREED, State.OPEN_ACTION) else Tone.AMBER
        return LearnerCell(unit.id, LearnerState.MUST_SAMPLE, tone, "!", clearance.reason, clearance, href,
                           clearance.short)
    if sample is not None:
        stage = Stage(sample["stage"]).label.lower()
        outcome = Sample.Outcome(sample["outcome"]).label.lower()
        tone = Tone.RED if sample["outcome"] == Sample.Outcome.DISAGREE else Tone.GREEN
        return LearnerCell(unit.id, LearnerState.SAMPLED, tone, "✓" if tone == Tone.GREEN else "!",
                           f"Sampled ({stage}, {outcome})", None, href, f"Sampled ({stage})")
    if item is not None:
        stage = Stage(item["stage"]).label.lower()
        return LearnerCell(unit.id, LearnerState.MUST_SAMPLE, Tone.AMBER, "!",
                           f"Must sample: {stage} sample planned in P-{item['plan_id']}", None, href, "Must sample")
    if started:
        return LearnerCell(unit.id, LearnerState.IN_PROGRESS, Tone.NONE, "…", "In progress", None, href, "In progress")
    return LearnerCell(unit.id, LearnerState.NOT_STARTED, Tone.NONE, "–", "Not started", None, "", "Not started")


# --- gaps ---------------------------------------------------------------------------------------


def _group(kind: str, heading: str, gaps: list[Gap]) -> GapGroup:
    return GapGroup(kind, heading, gaps[:GAPS_SHOWN], max(0, len(gaps) - GAPS_SHOWN))


def _gaps(
    *, enrolments, links, names, sign_offs, samples, in_period, overdue, trainee_first, units, qualifications, today,
    chosen,
) -> list[GapGroup]:
    """The gaps across the whole scope, as they stand now, in words with a link."""
    groups = []
    base = _url("iqa_coverage")

    # An assessor with learners and no sample in the period.
    caseload: Counter = Counter()
    for enrolment_id, assessors in links.items():
        if enrolments[enrolment_id]["status"] == Enrolment.Status.ACTIVE:
            for assessor_id in assessors:
                caseload[assessor_id] += 1
    sampled_assessors = {row["assessor_id"] for row in in_period}
    no_sample = [
        Gap("assessor", f"{names.get(a, 'An assessor')} has had no sample this period "
                        f"({n} learner{'s' if n != 1 else ''}).", f"{base}?{_q(chosen)}#assessor-{a}")
        for a, n in sorted(caseload.items(), key=lambda item: names.get(item[0], ""))
        if a not in sampled_assessors
    ]
    groups.append(_group("assessor", "Assessors with no sample this period", no_sample))

    # A unit with sign-offs that has never been sampled summatively.
    signed_units: Counter = Counter()
    for row in sign_offs:
        signed_units[row["unit_id"]] += 1
    summatively = {row["unit_id"] for row in samples if row["stage"] == Stage.SUMMATIVE}
    never = []
    for unit_id, n in sorted(signed_units.items(), key=lambda item: (units[item[0]]["qualification_id"],
                                                                      units[item[0]]["position"])):
        if unit_id in summatively:
            continue
        unit = units[unit_id]
        qualification = qualifications[unit["qualification_id"]]
        never.append(Gap("unit", f"Unit {unit['number']} {unit['title']} ({qualification['number']}) has "
                                 f"{n} sign-off{'s' if n != 1 else ''} and has never been sampled summatively.",
                         f"{base}?qualification={qualification['id']}"))
    groups.append(_group("unit", "Units never sampled", never))

    # A trainee's first decision in a unit, not sampled.
    sampled_units = {(row["enrolment_id"], row["unit_id"]) for row in samples}
    first = []
    for row in trainee_first:
        key = (row["enrolment_id"], row["criterion__unit_id"])
        if key in sampled_units or row["enrolment_id"] not in enrolments:
            continue
        unit = units.get(row["criterion__unit_id"])
        if unit is None:
            continue
        first.append(Gap("trainee", f"{row['signed_by__full_name']}'s first decision in unit {unit['number']} "
                                    f"(for {enrolments[row['enrolment_id']]['learner__full_name']}) has not been sampled.",
                         _url("assessment_unit", row["enrolment_id"], unit["number"])))
    groups.append(_group("trainee", "Trainees' first decisions not sampled", first))

    # A learner within eight weeks of their planned end with no summative sample.
    summative_learners = {row["enrolment_id"] for row in samples if row["stage"] == Stage.SUMMATIVE}
    near = []
    for pk, row in sorted(enrolments.items(), key=lambda item: (item[1]["planned_end_date"], item[0])):
        if (row["status"] != Enrolment.Status.ACTIVE or pk in summative_learners
                or row["planned_end_date"] > today + NEAR_END):
            continue
        days = (row["planned_end_date"] - today).days
        when = (f"in {days} day{'s' if days != 1 else ''}" if days >= 0
                else f"{-days} day{'s' if days != -1 else ''} ago")
        near.append(Gap("near_end", f"{row['learner__full_name']} is due to finish on {_day(row['planned_end_date'])} "
                                    f"({when}) and has no summative sample.", _url("assessment_matrix", pk)))
    groups.append(_group("near_end", "Learners near their planned end with no summative sample", near))

    # Overdue actions.
    late = [
        Gap("action", f"Action A-{row['id']} for {row['owner__full_name']} was due {_day(row['due_on'])}: "
                      f"{(today - row['due_on']).days} day{'s' if (today - row['due_on']).days != 1 else ''} overdue.",
            _url("iqa_action", row["id"]))
        for row in overdue
    ]
    groups.append(_group("action", "Overdue actions", late))
    return groups


def _q(chosen: QualificationChoice | None) -> str:
    return f"qualification={chosen.id}" if chosen else ""



def qualification_choices(membership: Membership) -> list[tuple[int, str]]:
    """The qualifications of the learners in scope, for the page's picker."""
    scope = access.enrolments_in_scope(membership).values("qualification_id")
    return [(row["id"], f"{row['number']} {row['title']}")
            for row in Qualification.objects.filter(pk__in=scope).order_by("number").values("id", "number", "title")]
