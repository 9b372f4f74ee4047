"""The engine's choice of counted units is exact, equals the previous engine's, never gives
up, and the compiled rules and cached verdicts are shared safely."""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from apps.qualifications.engine import (
    Achieved,
    CreditsAtLevelRule,
    CreditsRule,
    QualificationRules,
    UnitsRule,
    compile_rules,
    evaluate,
)

from . import engine_baseline
from .engine_cases import caps_and_barred_pairs, everything, optional_under_a_cap
from .test_engine import got, ncfe
from .test_engine_properties import _all_met, _available, _countings, cases

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- a brute-force reference, tie-break included ------------------------------------------


def _classes(rules: QualificationRules, available: list[int]) -> list[tuple[int, ...]]:
    """Achieved units that no rule tells apart (the engine's documented reading), in
    qualification order; a unit in a barred set or shared URN with another achieved unit is
    a class of its own."""
    index = {u.number: i for i, u in enumerate(rules.units)}
    sets = [{index[n] for n in b.units} for b in rules.barred]
    sets += [{i for i, u in enumerate(rules.units) if u.urn == urn} for urn in {u.urn for u in rules.units}]
    held = {i for s in sets if len(s & set(available)) > 1 for i in s & set(available)}
    effective = rules.effective_rules() if rules.rules_in_source else []
    levels = [r.level for r in effective if isinstance(r, CreditsAtLevelRule)]
    exact = rules.interpretation.level_credits == "exactly"
    buckets: dict[Any, list[int]] = {}
    for i in available:
        u = rules.units[i]
        flags = tuple((u.level == lv) if exact else (u.level >= lv) for lv in levels)
        buckets.setdefault(("unit", i) if i in held else (u.group, u.credits, flags), []).append(i)
    return sorted(tuple(b) for b in buckets.values())


def _reference(rules: QualificationRules, achieved: list[Achieved]) -> list[str]:
    """Every maximal counting; the best score (achieved, then credits); among those the one
    counting most units of the earliest class, then of the next, and so on, each class
    counting its earliest units."""
    available = _available(rules, achieved)
    countings = _countings(rules, available)
    classes = _classes(rules, available)

    def score(s: set[int]) -> tuple[Any, ...]:
        met = _all_met(rules, s) if rules.rules_in_source else True
        return (met, sum(rules.units[i].credits for i in s), tuple(len(set(c) & s) for c in classes))

    best = max(countings, key=score)
    counts = score(best)[2]
    chosen = sorted(i for c, k in zip(classes, counts, strict=True) for i in c[:k])
    return [rules.units[i].number for i in chosen]


@SETTINGS
@given(cases())
def test_counted_units_are_exactly_the_reference_choice(case: tuple[QualificationRules, list[Achieved]]) -> None:
    rules, achieved = case
    assert evaluate(rules, achieved, cache=False).counted_units == _reference(rules, achieved)


@SETTINGS
@given(cases())
def test_verdict_equals_the_previous_engine_wherever_it_finishes(case: tuple[QualificationRules, list[Achieved]]) -> None:
    rules, achieved = case
    try:
        before = engine_baseline.evaluate(rules, achieved).as_dict()
    except engine_baseline.TooManyChoices:
        assume(False)
    assert evaluate(rules, achieved, cache=False).as_dict() == before


def test_larger_random_qualifications_agree_with_the_previous_engine() -> None:
    # Up to 30 units, several maximums and barred sets: beyond what the brute force can
    # enumerate, compared with the previous engine's exhaustive search instead.
    from apps.qualifications.engine import Barred, Group, Interpretation, UnitSpec

    for seed in range(150):
        rnd = random.Random(seed)
        groups = tuple(Group(g, f"Group {g}", g == "A" and rnd.random() < 0.4) for g in "ABC")
        n = rnd.randint(10, 30)
        units = tuple(
            UnitSpec(f"{i + 1:02d}", f"U/{rnd.randint(0, n + 5):03d}", f"Unit {i + 1}", rnd.randint(0, 9),
                     rnd.randint(1, 4), rnd.choice(["A", "B", "C", None]))
            for i in range(n)
        )
        rules = []
        for _ in range(rnd.randint(1, 4)):
            gs = tuple(rnd.sample("ABC", rnd.randint(1, 3))) if rnd.random() < 0.8 else None
            rules.append(rnd.choice([
                CreditsRule(gs, rnd.choice([None, rnd.randint(0, 15)]), rnd.randint(0, 25)),
                CreditsRule(gs, rnd.randint(0, 30), None),
                UnitsRule(gs, rnd.choice([None, rnd.randint(0, 4)]), rnd.randint(0, 6)),
                CreditsAtLevelRule(rnd.randint(1, 4), rnd.randint(0, 25)),
            ]))
        numbers = [u.number for u in units]
        barred = tuple(Barred(tuple(rnd.sample(numbers, rnd.randint(2, 3))), f"b{k}") for k in range(rnd.randint(0, 5)))
        qualification = QualificationRules(
            "600/0000/0", "Generated", rnd.choice([None, rnd.randint(0, 40)]), True, units, groups, tuple(rules), barred,
            Interpretation(rnd.choice(["at_or_above", "exactly"]), rnd.choice(["cap", "cap", "invalidate"])),
        )
        achieved = [Achieved(unit=n) for n in numbers if rnd.random() < 0.8]
        try:
            before = engine_baseline.evaluate(qualification, achieved).as_dict()
        except engine_baseline.TooManyChoices:
            continue
        assert evaluate(qualification, achieved, cache=False).as_dict() == before, seed


# --- the worst cases are decided ----------------------------------------------------------


def _valid(rules: QualificationRules, counted: list[str]) -> None:
    chosen = [u for u in rules.units if u.number in counted]
    for b in rules.barred:
        assert len(set(b.units) & set(counted)) <= 1
    for rule in rules.rules:
        if isinstance(rule, (CreditsRule, UnitsRule)) and rule.max is not None:
            scoped = [u for u in chosen if rule.groups is None or u.group in rule.groups]
            value = sum(u.credits for u in scoped) if isinstance(rule, CreditsRule) else len(scoped)
            assert value <= rule.max


def test_sixty_optional_units_under_a_cap_are_decided() -> None:
    for seed in range(3):
        rules = optional_under_a_cap(seed)
        verdict = evaluate(rules, everything(rules), cache=False)
        _valid(rules, verdict.counted_units)
        # Group B's cap of 48 credits is filled exactly, and the qualification achieved.
        assert verdict.achieved is True
        assert sum(c.credits for c in verdict.counted if c.group == "B") == 48


def test_caps_and_fifteen_barred_pairs_are_decided_and_independent_of_order() -> None:
    for seed in range(3):
        rules = caps_and_barred_pairs(seed)
        achieved = everything(rules)
        verdict = evaluate(rules, achieved, cache=False)
        _valid(rules, verdict.counted_units)
        shuffled = list(achieved)
        random.Random(seed).shuffle(shuffled)
        assert evaluate(rules, shuffled, cache=False).as_dict() == verdict.as_dict()


def test_an_unreachable_level_rule_still_gives_the_most_credits() -> None:
    rules = caps_and_barred_pairs(0, level_min=500)
    verdict = evaluate(rules, everything(rules), cache=False)
    assert verdict.achieved is False
    _valid(rules, verdict.counted_units)
    # Every cap is filled: 40 from B and 30 from C on top of the mandatory units.
    mandatory = sum(u.credits for u in rules.units if u.group == "A")
    assert verdict.credits == mandatory + 40 + 30


# --- compiling once, caching verdicts ----------------------------------------------------


def test_equal_rules_share_one_compiled_form() -> None:
    first, second = ncfe(), ncfe()
    assert first is not second
    assert compile_rules(first) is compile_rules(second) is second.compiled
    assert compile_rules(first.compiled) is first.compiled


def test_cached_verdicts_are_equal_and_each_caller_gets_its_own() -> None:
    rules = ncfe()
    learner = got("01", "02", "04", "08", "11", "12")
    first = evaluate(rules, learner)
    first.counted_units.append("99")
    first.unmet.append("changed by a caller")
    second = evaluate(rules, list(reversed(learner)))
    assert second.as_dict() == evaluate(rules, learner, cache=False).as_dict()
    assert "99" not in second.counted_units and second.unmet == []


def test_repeats_are_part_of_the_cached_verdict() -> None:
    rules = ncfe()
    once = evaluate(rules, got("01", "02"))
    twice = evaluate(rules, got("01", "02", "02"))
    assert once.ignored == []
    assert twice.ignored == [("02", "given more than once")]


def test_every_unit_of_every_small_set_is_decided() -> None:
    # All 2^12 subsets of NCFE's first twelve units (a barred pair among them): each verdict
    # equals the previous engine's.
    rules = ncfe()
    numbers = [u.number for u in rules.units[:12]] + ["18"]
    for size in range(len(numbers) + 1):
        for subset in itertools.islice(itertools.combinations(numbers, size), 60):
            learner = got(*subset)
            assert evaluate(rules, learner, cache=False).as_dict() == engine_baseline.evaluate(rules, learner).as_dict()
