"""A sampling plan from a strategy, the facts and a seed: pure Python, no Django.

`generate(rules, facts, seed)` says which samples an IQA should take this period (learner ×
unit × assessor × stage), each with the rule that chose it and why in words. The same rules,
facts and seed give the same plan, so a plan shown to an EQA can be reproduced.

Order of choice: coverage first (a trainee's first decision in each unit, an assessor × unit
with no summative sample in the window, a learner near their planned end never sampled, a
method the assessor's samples have not covered), then the strategy's shares of each assessor's
learners and of their units, filled with learners never sampled first and then by seeded
random. Items already done, in progress or added by hand (`Facts.kept`) count towards every
rule and are never planned again. The IQA never plans a sample of their own decisions, or of a
learner they assess or are.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from .rules import BAND_WORDS, Rules

INTERIM = "interim"
SUMMATIVE = "summative"
# A learner whose planned end falls within this many days after the period's end is "near
# their planned end": never sampled, they are sampled this period (apprenticeship templates
# use eight weeks before gateway).
NEAR_END_DAYS = 56
# Reasons, as PlanItem.Reason values (kept here as plain strings: no Django).
TRAINEE_FIRST = "trainee_first"
SUMMATIVE_COVERAGE = "summative_coverage"
EVERY_LEARNER = "every_learner"
METHOD_COVERAGE = "method_coverage"
LEARNER_SHARE = "learner_share"
UNIT_SHARE = "unit_share"
RANDOM = "random"


@dataclass(frozen=True)
class Assessor:
    id: int
    band: str  # "high" / "medium" / "low"
    trainee: bool = False


@dataclass(frozen=True)
class Learner:
    """One enrolment, as the plan needs it."""

    enrolment_id: int
    assessor_ids: tuple[int, ...]
    planned_end: date
    learner_user_id: int | None = None  # the learner's own account, if they have one
    units_in_play: frozenset[int] = frozenset()  # planned units and units with decisions
    units_with_decisions: frozenset[int] = frozenset()
    signed_off_units: frozenset[int] = frozenset()  # active sign-offs (not reopened)
    # unit -> everyone who signed or countersigned a decision in it
    signers: dict[int, frozenset[int]] = field(default_factory=dict)
    # unit -> the assessor whose decisions the unit holds (the latest to decide)
    unit_assessor: dict[int, int] = field(default_factory=dict)
    # unit -> the trainee whose first decision in that unit (across all their learners) is here
    trainee_first: dict[int, int] = field(default_factory=dict)
    # unit -> assessment methods of the evidence judged in it
    unit_methods: dict[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Kept:
    """An item regeneration keeps (done, in progress, or added by hand)."""

    enrolment_id: int
    unit_id: int
    stage: str
    assessor_id: int
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    iqa_id: int
    today: date
    period_start: date
    period_end: date
    assessors: tuple[Assessor, ...]
    learners: tuple[Learner, ...]
    # (assessor, unit) -> date of the latest signed summative sample
    last_summative: dict[tuple[int, int], date] = field(default_factory=dict)
    sampled_learners: frozenset[int] = frozenset()  # enrolments ever sampled
    methods_seen: dict[int, frozenset[str]] = field(default_factory=dict)  # assessor -> methods sampled lately
    kept: tuple[Kept, ...] = ()


@dataclass(frozen=True)
class ItemSpec:
    enrolment_id: int
    unit_id: int
    assessor_id: int
    stage: str
    methods: tuple[str, ...]
    due_from: date
    due_by: date
    reason: str
    reason_detail: str
    rule: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.enrolment_id, self.unit_id, self.stage)


def share(count: int, percent: int) -> int:
    """How many of `count` a percentage asks for, rounded up (an IQA samples whole learners)."""
    return math.ceil(count * percent / 100)


def period_containing(day: date, months: int) -> tuple[date, date]:
    """The planning period holding `day`: periods of `months` months from 1 August (the start of
    the academic year), the last cut short at 31 July."""
    year = day.year if day.month >= 8 else day.year - 1
    offset = (day.year - year) * 12 + day.month - 8
    index = offset // months
    start = _add_months(date(year, 8, 1), index * months)
    end = min(_add_months(start, months), date(year + 1, 8, 1)) - timedelta(days=1)
    return start, end


def period_from(start: date, months: int) -> tuple[date, date]:
    """A period of `months` months beginning on `start`."""
    return start, _add_months(start, months) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1) if day.day == 1 else _clamp_day(total // 12, total % 12 + 1, day.day)


def _clamp_day(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


class _Plan:
    """The plan being built: keys taken, items per assessor and learner."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.items: list[ItemSpec] = []
        self.taken: set[tuple[int, int, str]] = set()
        self.by_pair: dict[tuple[int, int], set[int]] = defaultdict(set)  # (assessor, enrolment) -> units
        self.methods: dict[int, set[str]] = defaultdict(set)  # assessor -> methods planned or kept
        self.summative_pairs: set[tuple[int, int]] = set()  # (assessor, unit) with a summative item
        for kept in facts.kept:
            self.taken.add((kept.enrolment_id, kept.unit_id, kept.stage))
            self.by_pair[(kept.assessor_id, kept.enrolment_id)].add(kept.unit_id)
            self.methods[kept.assessor_id].update(kept.methods)
            if kept.stage == SUMMATIVE:
                self.summative_pairs.add((kept.assessor_id, kept.unit_id))
        mid = facts.period_start + (facts.period_end - facts.period_start) // 2
        self.mid = mid

    def has(self, enrolment_id: int, unit_id: int, stage: str) -> bool:
        return (enrolment_id, unit_id, stage) in self.taken

    def covered(self, enrolment_id: int, unit_id: int) -> bool:
        return self.has(enrolment_id, unit_id, INTERIM) or self.has(enrolment_id, unit_id, SUMMATIVE)

    def add(self, learner: Learner, unit: int, assessor: int, stage: str, methods: tuple[str, ...], reason: str,
            detail: str, rule: str, due_by: date | None = None) -> ItemSpec | None:
        if self.has(learner.enrolment_id, unit, stage):
            return None
        f = self.facts
        if due_by is None:
            due_by = self.mid if stage == INTERIM else f.period_end
        due_by = min(max(due_by, f.period_start), f.period_end)
        item = ItemSpec(learner.enrolment_id, unit, assessor, stage, methods, f.period_start, due_by, reason,
                        detail[:300], rule)
        self.items.append(item)
        self.taken.add(item.key)
        self.by_pair[(assessor, learner.enrolment_id)].add(unit)
        self.methods[assessor].update(methods)
        if stage == SUMMATIVE:
            self.summative_pairs.add((assessor, unit))
        return item


def _eligible(facts: Facts, learner: Learner) -> bool:
    """Never a learner the IQA assesses, or is."""
    return facts.iqa_id not in learner.assessor_ids and learner.learner_user_id != facts.iqa_id


def _owner(learner: Learner, unit: int, in_scope: set[int]) -> int | None:
    """The assessor whose work a unit is: the latest to decide in it, else (nothing decided yet)
    the first of the learner's assessors in scope."""
    owner = learner.unit_assessor.get(unit)
    if owner in in_scope:
        return owner
    if owner is not None:
        return None  # decided by an assessor outside this plan
    candidates = sorted(a for a in learner.assessor_ids if a in in_scope)
    return candidates[0] if candidates else None


def _methods(rules: Rules, learner: Learner, unit: int, seen: set[str]) -> tuple[str, ...]:
    """What to look at: the methods the strategy wants covered that this unit's evidence used and
    the assessor's samples have not yet seen, else every method the unit's evidence used."""
    used = learner.unit_methods.get(unit, frozenset())
    wanted = [m for m in rules.methods_must_cover if m in used and m not in seen]
    return tuple(wanted) if wanted else tuple(sorted(used))


def generate(rules: Rules, facts: Facts, seed: int) -> list[ItemSpec]:
    """The new items of a plan (kept items are not repeated), coverage first, then seeded random."""
    rng = random.Random(seed)
    plan = _Plan(facts)
    assessors = {a.id: a for a in facts.assessors if a.id != facts.iqa_id}
    in_scope = set(assessors)
    learners = sorted((lr for lr in facts.learners if _eligible(facts, lr)), key=lambda lr: lr.enrolment_id)
    # Each assessor's learners and, per learner, the units that are that assessor's work.
    work: dict[int, dict[int, list[int]]] = {a: {} for a in sorted(assessors)}
    by_id = {lr.enrolment_id: lr for lr in learners}
    for lr in learners:
        for unit in sorted(lr.units_in_play):
            if facts.iqa_id in lr.signers.get(unit, frozenset()):
                continue  # the IQA's own decision (or countersignature) in this unit
            owner = _owner(lr, unit, in_scope)
            if owner is not None:
                work[owner].setdefault(lr.enrolment_id, []).append(unit)
        for a in lr.assessor_ids:
            if a in work:
                work[a].setdefault(lr.enrolment_id, [])
    # One random number per learner and per unit, drawn in a fixed order: ties are broken by
    # them, so the same seed gives the same picks.
    luck = {lr.enrolment_id: rng.random() for lr in learners}
    unit_luck = {(lr.enrolment_id, u): rng.random() for lr in learners for u in sorted(lr.units_in_play)}
    near_end = facts.period_end + timedelta(days=NEAR_END_DAYS)

    def stage_for(lr: Learner, unit: int) -> str:
        return SUMMATIVE if unit in lr.signed_off_units else INTERIM

    # 1. Every trainee's first decision in each unit.
    if rules.trainee_first_decision_per_unit:
        for lr in learners:
            for unit, trainee in sorted(lr.trainee_first.items()):
                a = assessors.get(trainee)
                if a is None or not a.trainee or facts.iqa_id in lr.signers.get(unit, frozenset()):
                    continue
                if (trainee, lr.enrolment_id) in plan.by_pair and unit in plan.by_pair[(trainee, lr.enrolment_id)]:
                    continue  # already sampled (kept) as the trainee's work
                stage = stage_for(lr, unit)
                if plan.has(lr.enrolment_id, unit, stage):  # that place is taken by another's sample: the other stage
                    stage = SUMMATIVE if stage == INTERIM else INTERIM
                plan.add(lr, unit, trainee, stage, _methods(rules, lr, unit, plan.methods[trainee]),
                         TRAINEE_FIRST, "The trainee's first decision in this unit: every one is sampled until they qualify.",
                         "trainee_first_decision_per_unit")

    # 2. At least one summative sample per assessor × unit in the window.
    months = rules.summative_per_assessor_unit_months
    window_start = _add_months(facts.today, -months)
    for a in sorted(assessors):
        candidates: dict[int, list[Learner]] = defaultdict(list)
        for enrolment_id, units in work[a].items():
            lr = by_id[enrolment_id]
            for unit in units:
                if unit in lr.units_with_decisions:
                    candidates[unit].append(lr)
        for unit in sorted(candidates):
            last = facts.last_summative.get((a, unit))
            if (last is not None and last >= window_start) or (a, unit) in plan.summative_pairs:
                continue
            signed = [lr for lr in candidates[unit] if unit in lr.signed_off_units]
            pool = signed or candidates[unit]
            pool = [lr for lr in pool if not plan.has(lr.enrolment_id, unit, SUMMATIVE)]
            if not pool:
                continue
            lr = min(pool, key=lambda x: (x.enrolment_id in facts.sampled_learners, luck[x.enrolment_id]))
            plan.add(lr, unit, a, SUMMATIVE, _methods(rules, lr, unit, plan.methods[a]), SUMMATIVE_COVERAGE,
                     f"No summative sample of this assessor in this unit in the last {months} months "
                     f"({len(signed)} sign-off{'s' if len(signed) != 1 else ''} to sample from).",
                     "summative_per_assessor_unit_months")

    # 3. Every learner before claim: those near their planned end and never sampled come first.
    if rules.every_learner_before_claim:
        for a in sorted(assessors):
            for enrolment_id, units in sorted(work[a].items()):
                lr = by_id[enrolment_id]
                if not units or enrolment_id in facts.sampled_learners or lr.planned_end > near_end:
                    continue
                if any(plan.by_pair.get((b, enrolment_id)) for b in assessors):
                    continue
                unit = min(units, key=lambda u: (u not in lr.signed_off_units, u not in lr.units_with_decisions,
                                                 unit_luck[(enrolment_id, u)]))
                plan.add(lr, unit, a, SUMMATIVE, _methods(rules, lr, unit, plan.methods[a]), EVERY_LEARNER,
                         f"Never sampled, and their planned end is {lr.planned_end:%d %b %Y}: every learner is "
                         "sampled before the claim.",
                         "every_learner_before_claim", due_by=lr.planned_end)

    # 4. Methods the assessor's samples must cover: add a look at a unit whose evidence used one.
    for a in sorted(assessors):
        seen = set(facts.methods_seen.get(a, frozenset())) | plan.methods[a]
        for method in rules.methods_must_cover:
            if method in seen:
                continue
            options = [(by_id[e], u) for e, units in sorted(work[a].items()) for u in units
                       if method in by_id[e].unit_methods.get(u, frozenset())]
            options = [(lr, u) for lr, u in options if not plan.has(lr.enrolment_id, u, stage_for(lr, u))]
            if not options:
                continue
            lr, unit = min(options, key=lambda o: unit_luck[(o[0].enrolment_id, o[1])])
            plan.add(lr, unit, a, stage_for(lr, unit), (method,), METHOD_COVERAGE,
                     f"This assessor's samples have not yet covered {method.replace('_', ' ')}.",
                     "methods_must_cover")
            seen.add(method)
    # 5. The shares of each assessor's learners and of their units; the interim/summative mix.
    for a in sorted(assessors):
        assessor = assessors[a]
        band_rule = rules.band(assessor.band)
        with_units = {e: units for e, units in work[a].items() if units}
        if not with_units:
            continue
        learner_pct = 100 if assessor.trainee else band_rule.learner_share
        band_words = "trainee" if assessor.trainee else BAND_WORDS[assessor.band].lower()
        wanted = max(1, share(len(with_units), learner_pct))
        # A learner counts once a sample of this assessor's own work in their units is planned.
        covered = [e for e in with_units if plan.by_pair.get((a, e), set()) & set(with_units[e])]
        covered_set = set(covered)
        rest = sorted((e for e in with_units if e not in covered_set),
                      key=lambda e: (e in facts.sampled_learners, luck[e]))
        chosen = list(covered)
        rule_key = f"bands.{assessor.band}.learner_share" if not assessor.trainee else "trainee_learners"
        new_items: list[tuple[Learner, int, str, str, str]] = []
        for e in rest[: max(0, wanted - len(covered))]:
            lr = by_id[e]
            never = e not in facts.sampled_learners
            reason = LEARNER_SHARE if never else RANDOM
            words = ("never sampled before" if never else f"random pick (seed {seed})")
            detail = (f"{learner_pct}% of this assessor's learners ({band_words}): {wanted} of {len(with_units)}; "
                      f"{words}.")
            chosen.append(e)
            units = with_units[e]
            first = min(units, key=lambda u: ((a, u) in plan.summative_pairs, u not in lr.units_with_decisions,
                                              unit_luck[(e, u)]))
            new_items.append((lr, first, reason, detail, rule_key))
        # The share of each chosen learner's units (at least one).
        for e in sorted(chosen):
            lr = by_id[e]
            units = with_units[e]
            wanted_units = max(1, share(len(units), band_rule.unit_share))
            have = (set(plan.by_pair.get((a, e), set())) & set(units)) | {
                u for (x, u, _, _, _) in new_items if x.enrolment_id == e}
            others = sorted((u for u in units if u not in have),
                            key=lambda u: ((a, u) in plan.summative_pairs, u not in lr.units_with_decisions,
                                           unit_luck[(e, u)]))
            for u in others[: max(0, wanted_units - len(have))]:
                new_items.append((lr, u, UNIT_SHARE,
                                  f"{band_rule.unit_share}% of the learner's units with this assessor: {wanted_units} "
                                  f"of {len(units)}.", f"bands.{assessor.band}.unit_share"))
        # Interim first on units not yet signed off, to the strategy's interim share (rounded up).
        interim_wanted = share(len(new_items), band_rule.interim_share)
        order = sorted(range(len(new_items)), key=lambda i: (new_items[i][1] in new_items[i][0].signed_off_units, i))
        interim = set(order[:interim_wanted])
        for i, (lr, unit, reason, detail, rule_key_i) in enumerate(new_items):
            stage = INTERIM if i in interim else SUMMATIVE
            if plan.has(lr.enrolment_id, unit, stage):
                stage = SUMMATIVE if stage == INTERIM else INTERIM
            mix = f" Interim share {band_rule.interim_share}%." if stage == INTERIM else ""
            plan.add(lr, unit, a, stage, _methods(rules, lr, unit, plan.methods[a]), reason, detail + mix, rule_key_i)

    return plan.items
