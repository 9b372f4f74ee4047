"""Who is ready to claim, what for, and every pre-check that stops or warns, in plain words.

The one selector the claim pages and batch services call: `candidates(...)`. A unit is ready
when its sign-off is in force (not reopened or suspended), the learner has acknowledged it, no
trainee's decision in it waits for a countersignature, and internal quality assurance has
cleared it (`iqa.clearance.unit_clearance`, the claim gate). A unit achieved elsewhere (credit
transfer, RPL, exemption) is ready by its route once its evidence is recorded. A unit already on
a claim whose latest outcome is not "rejected" (in any batch, drafts included) is not offered
again; the units the AO has certificated still count towards the rules of combination.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.assessment import status as st
from apps.assessment.facts import facts_for
from apps.assessment.models import UnitSignOff
from apps.evidence.models import EvidenceFile, EvidenceVersion
from apps.iqa.clearance import Clearance, State, unit_clearance
from apps.iqa.models import Sample, SamplingPlan
from apps.learners.models import Enrolment, PriorAchievement
from apps.qualifications.models import Unit
from apps.qualifications.selectors import qualification_rules, qualification_tree

from . import prechecks
from .aos import ao_for
from .models import AOCentreNumber, ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit, newest_outcomes
from .prechecks import Problem

__all__ = ["Candidate", "Problem", "ReadyPage", "ReadyUnit", "candidates", "enrolments_with_unclaimed_units", "ready_page"]

ASSESSED = ClaimUnit.Route.ASSESSED.value
# Routes that are the centre's own work: a claim needs at least one such unit.
OWN_WORK = {ClaimUnit.Route.ASSESSED.value, ClaimUnit.Route.RPL.value}
IQA_ACTION_STATES = {State.OPEN_ACTION, State.DISAGREED}


@dataclass(frozen=True)
class ReadyUnit:
    unit_id: int
    number: str
    urn: str | None  # None where the catalogue does not know the unit's own reference number
    title: str
    level: int
    credits: int
    route: str  # ClaimUnit.Route value
    achieved_on: date
    assessor_name: str = ""
    assessor_signed_at: datetime | None = None
    iqa_name: str = ""
    iqa_sampled: bool = False
    iqa_signed_at: datetime | None = None
    prior_reference: str = ""
    # {"title", "version", "sha256"} and the file's name ("file"; empty for a written account,
    # whose sha256 is that of its text).
    evidence: tuple[dict, ...] = ()

    @property
    def achieved_elsewhere(self) -> bool:
        return self.route != ASSESSED

    @property
    def route_label(self) -> str:
        return ClaimUnit.Route(self.route).label


@dataclass(frozen=True)
class Candidate:
    enrolment_id: int
    learner_name: str
    awarding_organisation: str
    qualification_number: str
    qualification_title: str
    claim_type: str | None  # ClaimLine.ClaimType value, or None when not one whole unit is ready
    rules_met: bool
    rules_reason: str  # the engine's words on the rules of combination
    ready_units: tuple[ReadyUnit, ...] = ()
    waiting_units: tuple[tuple[str, str], ...] = ()  # (unit number and title, why it is not ready)
    problems: tuple[Problem, ...] = field(default=())
    # (unit number and title, where it is: "On claim CB-2026-0001 (draft)" or the AO's certificate)
    claimed_units: tuple[tuple[str, str], ...] = ()
    qualification_id: int = 0

    @property
    def claimable(self) -> bool:
        return self.claim_type is not None and not any(p.blocking for p in self.problems)

    @property
    def refusals(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.blocking)

    @property
    def is_full(self) -> bool:
        return self.claim_type == ClaimLine.ClaimType.FULL

    @property
    def is_unit_claim(self) -> bool:
        return self.claim_type == ClaimLine.ClaimType.UNIT

    @property
    def ready_credits(self) -> int:
        return sum(u.credits for u in self.ready_units)


# --- which enrolments have anything left to claim ---------------------------------------------


def _still_claimed() -> QuerySet[ClaimUnit]:
    """Claim units of the outer row's (enrolment_id, unit_id) whose latest outcome is not a
    rejection: a unit on them is not offered again."""
    latest = newest_outcomes(OuterRef("line_id")).values("status")[:1]
    return (
        ClaimUnit.objects.filter(line__enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"))
        .annotate(latest=Subquery(latest))
        .filter(Q(latest__isnull=True) | ~Q(latest=ClaimOutcome.Status.REJECTED))
    )


def enrolments_with_unclaimed_units(centre_id: int) -> QuerySet[Enrolment]:
    """The centre's enrolments with a unit signed off (sign-off not reopened) or achieved
    elsewhere that is not on a claim still standing: the only ones with anything to show."""
    signed = UnitSignOff.objects.filter(enrolment_id=OuterRef("pk"), reopening__isnull=True).exclude(
        Exists(_still_claimed()))
    prior = PriorAchievement.objects.filter(enrolment_id=OuterRef("pk")).exclude(Exists(_still_claimed()))
    return Enrolment.objects.filter(centre_id=centre_id).filter(Exists(signed) | Exists(prior))


# --- the selector -----------------------------------------------------------------------------


def candidates(
    *, centre_id: int, today: date, enrolment_ids: Iterable[int] | None = None,
    awarding_organisation: str | None = None, ignoring_batch_id: int | None = None,
) -> list[Candidate]:
    """One Candidate per enrolment of the centre (those given, or every one with a unit left to
    claim), in a fixed number of queries whatever their number. The caller has scoped the ids.

    A unit on a claim is never offered again; `ignoring_batch_id` sets one batch's own claim
    aside, so that a batch can ask whether its learners are still claimable."""
    enrolments = (
        Enrolment.objects.filter(centre_id=centre_id) if enrolment_ids is not None
        else enrolments_with_unclaimed_units(centre_id)
    )
    if enrolment_ids is not None:
        enrolments = enrolments.filter(pk__in=list(enrolment_ids))
    if awarding_organisation:
        enrolments = enrolments.filter(qualification__awarding_organisation=awarding_organisation)
    rows = list(enrolments.select_related("learner", "qualification").order_by(
        "qualification__awarding_organisation", "qualification__number", "learner__full_name", "pk"))
    if not rows:
        return []
    ids = [e.pk for e in rows]
    numbers = set(AOCentreNumber.objects.filter(centre_id=centre_id).values_list("awarding_organisation", flat=True))
    gathered = _Gathered.read(ids, {e.qualification_id for e in rows}, ignoring_batch_id=ignoring_batch_id)
    return [_candidate(e, gathered, has_centre_number=e.qualification.awarding_organisation in numbers, today=today)
            for e in rows]


@dataclass
class _Gathered:
    """Everything the candidates need, read in bulk."""

    units: dict[int, Unit]
    criterion_unit: dict[int, int]
    clearance: dict[tuple[int, int], Clearance]
    sign_offs: dict[tuple[int, int], dict]  # the latest sign-off per unit, reopened or not
    statuses: dict[int, dict[int, st.CriterionStatus]]  # enrolment -> criterion -> status
    prior: dict[int, list[dict]]
    claimed: dict[tuple[int, int], dict]
    certificated: dict[int, dict[int, str]]  # enrolment -> unit -> route
    evidence: dict[int, tuple[dict, ...]]  # version -> entries
    samples: dict[int, dict]
    plan_iqas: dict[int, str]

    @classmethod
    def read(cls, ids: list[int], qualification_ids: set[int], *, ignoring_batch_id: int | None = None) -> _Gathered:
        units: dict[int, Unit] = {}
        criterion_unit: dict[int, int] = {}
        for qid in qualification_ids:
            for ut in qualification_tree(qid):
                units[ut.unit.pk] = ut.unit
                criterion_unit.update({c.pk: ut.unit.pk for c in ut.criteria})
        clearance = unit_clearance(enrolment_ids=ids)
        sign_offs: dict[tuple[int, int], dict] = {}
        for row in UnitSignOff.objects.filter(enrolment_id__in=ids).order_by("signed_at", "id").values(
            "enrolment_id", "unit_id", "signed_name", "signed_at", "reopening__id", "reopening__reason",
            "acknowledgement__id",
        ):
            sign_offs[(row["enrolment_id"], row["unit_id"])] = row
        statuses = {pk: st.criterion_statuses(facts) for pk, facts in facts_for(ids, sign_offs=False).items()}
        prior: dict[int, list[dict]] = defaultdict(list)
        for row in PriorAchievement.objects.filter(enrolment_id__in=ids).order_by("id").values(
            "enrolment_id", "unit_id", "route", "reference", "achieved_on", "recorded_at"
        ):
            prior[row["enrolment_id"]].append(row)
        claimed, certificated = _claimed(ids, ignoring_batch_id=ignoring_batch_id)
        versions = {
            v for (enrolment, unit), row in sign_offs.items() if row["reopening__id"] is None
            for cid, status in statuses.get(enrolment, {}).items() if criterion_unit.get(cid) == unit
            for v in status.met_by
        }
        samples = {c.sample_id for c in clearance.values() if c.cleared and c.sample_id}
        plans = {c.plan_id for c in clearance.values() if c.cleared and c.plan_id and not c.sample_id}
        return cls(
            units=units, criterion_unit=criterion_unit, clearance=clearance, sign_offs=sign_offs, statuses=statuses,
            prior=prior, claimed=claimed, certificated=certificated, evidence=_evidence(versions),
            samples={row["id"]: row for row in Sample.objects.filter(pk__in=samples).values(
                "id", "signed_name", "signed_at")} if samples else {},
            plan_iqas=dict(SamplingPlan.objects.filter(pk__in=plans).values_list("id", "iqa__full_name"))
            if plans else {},
        )


def _claimed(
    ids: list[int], *, ignoring_batch_id: int | None = None
) -> tuple[dict[tuple[int, int], dict], dict[int, dict[int, str]]]:
    """The units on claims still standing (by enrolment and unit), and those certificated."""
    latest = newest_outcomes(OuterRef("line_id"))
    claimed: dict[tuple[int, int], dict] = {}
    certificated: dict[int, dict[int, str]] = defaultdict(dict)
    units = ClaimUnit.objects.filter(line__enrolment_id__in=ids)
    if ignoring_batch_id is not None:
        units = units.exclude(line__batch_id=ignoring_batch_id)
    for row in (
        units
        .annotate(latest=Subquery(latest.values("status")[:1]),
                  certificate=Subquery(latest.values("certificate_number")[:1]))
        .order_by("line__added_at", "id")
        .values("line__enrolment_id", "unit_id", "route", "latest", "certificate", "line__batch__reference",
                "line__batch__status", "line__batch__awarding_organisation")
    ):
        if row["latest"] == ClaimOutcome.Status.REJECTED:
            continue
        key = (row["line__enrolment_id"], row["unit_id"])
        claimed[key] = row
        if row["latest"] == ClaimOutcome.Status.CERTIFICATED:
            certificated[key[0]][key[1]] = row["route"]
    return claimed, certificated


def _evidence(version_ids: set[int]) -> dict[int, tuple[dict, ...]]:
    """Each version as the achievement record lists it: one entry per file, or its written
    account when it has no file."""
    if not version_ids:
        return {}
    files: dict[int, list[dict]] = defaultdict(list)
    for version, sha256, name in EvidenceFile.objects.filter(version_id__in=version_ids).order_by(
        "version_id", "position", "id"
    ).values_list("version_id", "file__sha256", "file__original_name"):
        files[version].append({"sha256": sha256, "file": name})
    out = {}
    for pk, title, number, text in EvidenceVersion.objects.filter(pk__in=version_ids).values_list(
        "id", "title", "number", "text"
    ):
        found = files.get(pk) or [{"sha256": hashlib.sha256(text.encode()).hexdigest(), "file": ""}]
        out[pk] = tuple({"title": title, "version": number, **entry} for entry in found)
    return out


def _label(unit: Unit) -> str:
    return f"{unit.number} {unit.title}"


def _claimed_words(row: dict) -> str:
    if row["latest"] == ClaimOutcome.Status.CERTIFICATED:
        number = f" (certificate {row['certificate']})" if row["certificate"] else ""
        return f"Certificated by {row['line__batch__awarding_organisation']}{number}"
    status = ClaimBatch.Status(row["line__batch__status"]).label.lower()
    if row["latest"] == ClaimOutcome.Status.QUERIED:
        return f"On claim {row['line__batch__reference']}, queried by the awarding organisation"
    return f"On claim {row['line__batch__reference']} ({status})"


def _candidate(enrolment: Enrolment, g: _Gathered, *, has_centre_number: bool, today: date) -> Candidate:
    q = enrolment.qualification
    ao = ao_for(q.awarding_organisation)
    problems = prechecks.learner_checks(
        ao=ao, has_centre_number=has_centre_number, registration=enrolment.registration_number,
        registered_on=enrolment.registered_on, registered_name=enrolment.registered_name,
        registered_date_of_birth=enrolment.registered_date_of_birth, certification_end_date=q.certification_end,
        qualification_number=q.number, today=today,
    )
    ready: list[ReadyUnit] = []
    waiting: list[tuple[str, str]] = []
    claimed: list[tuple[str, str]] = []
    prior = {row["unit_id"]: row for row in g.prior.get(enrolment.pk, [])}
    statuses = g.statuses.get(enrolment.pk, {})
    pending_units = {g.criterion_unit.get(cid) for cid, s in statuses.items() if s.pending}
    unit_ids = {u for (e, u) in g.sign_offs if e == enrolment.pk} | set(prior)
    for unit in sorted((g.units[u] for u in unit_ids if u in g.units), key=lambda u: u.position):
        label = _label(unit)
        if (on_claim := g.claimed.get((enrolment.pk, unit.pk))) is not None:
            claimed.append((label, _claimed_words(on_claim)))
            continue
        if unit.pk in prior:  # a unit achieved elsewhere counts by its route, not by a sign-off
            row = prior[unit.pk]
            route_label = PriorAchievement.Route(row["route"]).label
            if not row["reference"].strip():
                waiting.append((label, f"{route_label} without its evidence."))
                problems.append(prechecks.prior_without_evidence(label, route_label))
                continue
            ready.append(_unit(unit, route=row["route"], achieved_on=row["achieved_on"] or
                               timezone.localtime(row["recorded_at"]).date(), prior_reference=row["reference"]))
            continue
        why, problem = _not_ready(enrolment.pk, unit, label, g, pending=unit.pk in pending_units)
        if why:
            waiting.append((label, why))
            if problem:
                problems.append(problem)
            continue
        ready.append(_assessed(enrolment.pk, unit, g, statuses))
    rules_met, reason = _rules(enrolment, ready, g.certificated.get(enrolment.pk, {}), g.units)
    own_work = any(u.route in OWN_WORK for u in ready)
    claim_type = None
    if own_work and rules_met:
        claim_type = ClaimLine.ClaimType.FULL.value
    elif own_work and ao.unit_claims:
        claim_type = ClaimLine.ClaimType.UNIT.value
    return Candidate(
        enrolment_id=enrolment.pk, learner_name=enrolment.learner.full_name, awarding_organisation=q.awarding_organisation,
        qualification_number=q.number, qualification_title=q.title, claim_type=claim_type, rules_met=rules_met,
        rules_reason=reason, ready_units=tuple(ready), waiting_units=tuple(waiting), problems=tuple(problems),
        claimed_units=tuple(claimed), qualification_id=q.pk,
    )


def _not_ready(enrolment_id: int, unit: Unit, label: str, g: _Gathered, *, pending: bool
               ) -> tuple[str, Problem | None]:
    """Why a unit with a sign-off is not ready, and the pre-check it fails, if any."""
    sign_off = g.sign_offs[(enrolment_id, unit.pk)]
    if sign_off["reopening__id"] is not None:
        if sign_off["reopening__reason"] == st.SUSPENSION_REASON:
            return prechecks.SUSPENDED, prechecks.awaiting_iqa(label, prechecks.SUSPENDED)
        return prechecks.REOPENED, None
    if not sign_off["acknowledgement__id"]:
        return prechecks.NOT_ACKNOWLEDGED, None
    if pending:
        return prechecks.AWAITING_COUNTERSIGNATURE, None
    # The claim gate answers for every sign-off in force.
    clearance = g.clearance[(enrolment_id, unit.pk)]
    if clearance.cleared:
        return "", None
    if clearance.state in IQA_ACTION_STATES:
        return clearance.reason, prechecks.iqa_action(label, clearance.reason)
    return clearance.reason, prechecks.awaiting_iqa(label, clearance.reason)


def _unit(unit: Unit, **facts) -> ReadyUnit:
    return ReadyUnit(unit_id=unit.pk, number=unit.number, urn=unit.urn, title=unit.title, level=unit.level,
                     credits=unit.credits, **facts)


def _assessed(enrolment_id: int, unit: Unit, g: _Gathered, statuses: dict[int, st.CriterionStatus]) -> ReadyUnit:
    sign_off = g.sign_offs[(enrolment_id, unit.pk)]
    clearance = g.clearance[(enrolment_id, unit.pk)]
    sample = g.samples.get(clearance.sample_id) if clearance.sample_id else None
    versions = dict.fromkeys(v for cid, s in statuses.items() if g.criterion_unit.get(cid) == unit.pk
                             for v in s.met_by)
    return _unit(
        unit, route=ASSESSED, achieved_on=timezone.localtime(sign_off["signed_at"]).date(),
        assessor_name=sign_off["signed_name"], assessor_signed_at=sign_off["signed_at"],
        iqa_name=sample["signed_name"] if sample else g.plan_iqas.get(clearance.plan_id or 0, ""),
        iqa_sampled=sample is not None, iqa_signed_at=sample["signed_at"] if sample else None,
        evidence=tuple(entry for v in sorted(versions) for entry in g.evidence.get(v, ())),
    )


def _rules(enrolment: Enrolment, ready: list[ReadyUnit], certificated: dict[int, str], units: dict[int, Unit]
           ) -> tuple[bool, str]:
    """The rules engine's verdict on the units ready now and those already certificated."""
    routes = {u.number: u.route for u in ready}
    routes |= {units[u].number: route for u, route in certificated.items() if u in units}
    verdict = st.qualification_status(
        qualification_rules(enrolment.qualification_id),
        [n for n, route in routes.items() if route == ASSESSED],
        {n: route for n, route in routes.items() if route != ASSESSED},
    )
    already = ""
    if certificated:
        numbers = sorted(units[u].number for u in certificated if u in units)
        already = f" (counting unit{'s' if len(numbers) != 1 else ''} {st.join(numbers)}, already certificated)"
    if verdict.achieved:
        counted = [number for number, _, _ in verdict.counted]
        return True, f"Rules of combination met by units {st.join(counted)}{already}."
    if verdict.achieved is None:
        return False, verdict.headline
    return False, f"Rules of combination not met yet{already}: {'; '.join(verdict.needed)}."


# --- the ready-to-claim page ------------------------------------------------------------------

PAGE_SIZE = 25


@dataclass(frozen=True)
class ReadyPage:
    candidates: list[Candidate]
    total: int  # learners with a unit left to claim, over every page
    page: int
    pages: int


def ready_page(
    *, centre_id: int, today: date, awarding_organisation: str | None = None, qualification_number: str | None = None,
    page: int = 1,
) -> ReadyPage:
    """One page of the centre's learners with a unit left to claim, filtered: the candidates of
    that page only, so the page costs the same whatever the centre's size."""
    enrolments = enrolments_with_unclaimed_units(centre_id)
    if awarding_organisation:
        enrolments = enrolments.filter(qualification__awarding_organisation=awarding_organisation)
    if qualification_number:
        enrolments = enrolments.filter(qualification__number=qualification_number)
    total = enrolments.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    ids = list(
        enrolments.order_by("qualification__awarding_organisation", "qualification__number", "learner__full_name", "pk")
        .values_list("pk", flat=True)[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    )
    found = candidates(centre_id=centre_id, today=today, enrolment_ids=ids) if ids else []
    return ReadyPage(candidates=found, total=total, page=page, pages=pages)
