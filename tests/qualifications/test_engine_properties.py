"""Properties of the rules-of-combination engine over generated qualifications."""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.qualifications.engine import (
    Achieved,
    Barred,
    CreditsAtLevelRule,
    CreditsRule,
    Group,
    Interpretation,
    MandatoryRule,
    QualificationRules,
    UnitSpec,
    UnitsRule,
    evaluate,
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GROUP_IDS = ("A", "B", "C")
URNS = ("A/100/0001", "B/100/0002", "C/100/0003", "D/100/0004", "E/100/0005", "F/100/0006", "H/100/0007", "J/100/0008")


@st.composite
def qualifications(draw: Any, group_maximum: str | None = None, barred: bool = True) -> QualificationRules:
    n_groups = draw(st.integers(1, 3))
    groups = tuple(Group(gid, f"Group {gid}", draw(st.booleans()) and i == 0) for i, gid in enumerate(GROUP_IDS[:n_groups]))
    n_units = draw(st.integers(1, 8))
    # A few URNs are drawn from a small pool so that some repeat, as in real sources.
    units = tuple(
        UnitSpec(
            number=f"{i + 1:02d}",
            urn=draw(st.sampled_from(URNS)) if barred else URNS[i],
            title=f"Unit {i + 1}",
            credits=draw(st.integers(1, 8)),
            level=draw(st.integers(1, 3)),
            group=draw(st.sampled_from([g.id for g in groups] + [None])),
        )
        for i in range(n_units)
    )
    group_sets = st.one_of(st.none(), st.lists(st.sampled_from([g.id for g in groups]), min_size=1, unique=True).map(tuple))
    rule = st.one_of(
        st.builds(CreditsRule, group_sets, st.integers(0, 12), st.none()),
        st.builds(CreditsRule, group_sets, st.none(), st.integers(0, 12)),
        st.builds(UnitsRule, group_sets, st.integers(0, 4), st.none()),
        st.builds(UnitsRule, group_sets, st.none(), st.integers(0, 3)),
        st.builds(CreditsAtLevelRule, st.integers(1, 3), st.integers(0, 12)),
    )
    rules = tuple(draw(st.lists(rule, max_size=4)))
    numbers = [u.number for u in units]
    barred_sets: tuple[Barred, ...] = ()
    if barred and len(numbers) > 1:
        picks = draw(st.lists(st.lists(st.sampled_from(numbers), min_size=2, max_size=3, unique=True), max_size=2))
        barred_sets = tuple(Barred(tuple(p), "barred") for p in picks)
    interpretation = Interpretation(
        draw(st.sampled_from(["at_or_above", "exactly"])),
        group_maximum or draw(st.sampled_from(["cap", "invalidate"])),
    )
    return QualificationRules(
        number="600/0000/0",
        title="Generated",
        min_credits=draw(st.one_of(st.none(), st.integers(0, 15))),
        rules_in_source=draw(st.integers(0, 4)) > 0 if barred else True,
        units=units,
        groups=groups,
        rules=rules,
        barred=barred_sets,
        interpretation=interpretation,
    )


@st.composite
def cases(draw: Any, **kwargs: Any) -> tuple[QualificationRules, list[Achieved]]:
    rules = draw(qualifications(**kwargs))
    numbers = [u.number for u in rules.units] + ["99"]
    vias = st.sampled_from(["assessed", "credit_transfer", "rpl", "exemption"])
    by_number = st.builds(lambda n, v: Achieved(unit=n, via=v), st.sampled_from(numbers), vias)
    by_urn = st.builds(lambda u, v: Achieved(urn=u, via=v), st.sampled_from(URNS), vias)
    achieved = draw(st.lists(st.one_of(by_number, by_number, by_urn), max_size=12))
    return rules, achieved


# --- an independent, brute-force reading of the same semantics ------------------------


def _available(rules: QualificationRules, achieved: list[Achieved]) -> list[int]:
    out = set()
    for item in achieved:
        for i, u in enumerate(rules.units):
            if item.unit is not None:
                if u.number == item.unit and item.urn in (None, u.urn):
                    out.add(i)
            elif u.urn == item.urn:
                out.add(i)
    return sorted(out)


def _conflict_sets(rules: QualificationRules) -> list[set[int]]:
    index = {u.number: i for i, u in enumerate(rules.units)}
    sets = [{index[n] for n in b.units} for b in rules.barred]
    for urn in {u.urn for u in rules.units}:
        sets.append({i for i, u in enumerate(rules.units) if u.urn == urn})
    return [s for s in sets if len(s) > 1]


def _figure(rules: QualificationRules, rule: Any, chosen: set[int]) -> int:
    picked = [rules.units[i] for i in chosen]
    if isinstance(rule, MandatoryRule):
        return sum(1 for u in picked if u.group == rule.group)
    if isinstance(rule, CreditsAtLevelRule):
        exact = rules.interpretation.level_credits == "exactly"
        return sum(u.credits for u in picked if (u.level == rule.level if exact else u.level >= rule.level))
    scoped = [u for u in picked if rule.groups is None or u.group in rule.groups]
    return sum(u.credits for u in scoped) if isinstance(rule, CreditsRule) else len(scoped)


def _all_met(rules: QualificationRules, chosen: set[int]) -> bool:
    for rule in rules.effective_rules():
        value = _figure(rules, rule, chosen)
        low = sum(1 for u in rules.units if u.group == rule.group) if isinstance(rule, MandatoryRule) else rule.min
        high = getattr(rule, "max", None)
        if (low is not None and value < low) or (high is not None and value > high):
            return False
    return True


def _countings(rules: QualificationRules, available: list[int]) -> list[set[int]]:
    """Every counting the semantics allow: at most one unit of each conflict set; under
    'cap' within every maximum; maximal (no further unit could be added)."""
    conflicts = _conflict_sets(rules)
    cap = rules.interpretation.group_maximum == "cap" and rules.rules_in_source
    maxima = [r for r in rules.effective_rules() if getattr(r, "max", None) is not None] if cap else []

    def allowed(chosen: set[int]) -> bool:
        if any(len(chosen & s) > 1 for s in conflicts):
            return False
        return all(_figure(rules, r, chosen) <= r.max for r in maxima)

    feasible = [
        set(c) for k in range(len(available) + 1) for c in itertools.combinations(available, k) if allowed(set(c))
    ]
    return [s for s in feasible if not any(allowed(s | {i}) for i in available if i not in s)]


# --- properties -------------------------------------------------------------------


@SETTINGS
@given(cases())
def test_verdict_is_the_best_counting_the_semantics_allow(case: tuple[QualificationRules, list[Achieved]]) -> None:
    rules, achieved = case
    verdict = evaluate(rules, achieved)
    countings = _countings(rules, _available(rules, achieved))
    credits = lambda s: sum(rules.units[i].credits for i in s)  # noqa: E731
    if not rules.rules_in_source:
        assert verdict.achieved is None
        assert verdict.credits == max(credits(s) for s in countings)
        return
    winners = [s for s in countings if _all_met(rules, s)]
    assert verdict.achieved is bool(winners)
    assert verdict.credits == max(credits(s) for s in (winners or countings))


@SETTINGS
@given(cases())
def test_counted_units_are_a_valid_counting(case: tuple[QualificationRules, list[Achieved]]) -> None:
    rules, achieved = case
    verdict = evaluate(rules, achieved)
    numbers = [u.number for u in rules.units]
    counted = verdict.counted_units
    # A subset of the qualification, in its order, each once.
    assert counted == [n for n in numbers if n in counted]
    index = {n: i for i, n in enumerate(numbers)}
    chosen = {index[n] for n in counted}
    assert chosen <= set(_available(rules, achieved))
    # No barred set, and no URN, has two counted units.
    for b in rules.barred:
        assert len(set(b.units) & set(counted)) <= 1
    urns = [rules.units[i].urn for i in chosen]
    assert len(urns) == len(set(urns))
    # Credits are those of the counted units, never more than all achieved units'.
    assert verdict.credits == sum(rules.units[i].credits for i in chosen)
    assert verdict.credits <= sum(rules.units[i].credits for i in _available(rules, achieved))
    # Every achievement given is either counted or ignored with a reason.
    assert len(verdict.counted) + len(verdict.ignored) == len(achieved)
    assert all(reason for _, reason in verdict.ignored)


@SETTINGS
@given(cases())
def test_unmet_reasons_agree_with_achieved(case: tuple[QualificationRules, list[Achieved]]) -> None:
    rules, achieved = case
    verdict = evaluate(rules, achieved)
    if rules.rules_in_source:
        assert verdict.achieved is (verdict.unmet == [])
        assert verdict.achieved is all(s.met for s in verdict.rules)
        if rules.interpretation.group_maximum == "cap":
            assert all(s.met for s in verdict.rules if s.maximum is not None)
    else:
        assert verdict.achieved is None and len(verdict.unmet) == 1


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_result_is_independent_of_input_order_and_deterministic(
    case: tuple[QualificationRules, list[Achieved]], rnd: random.Random
) -> None:
    rules, achieved = case
    shuffled = list(achieved)
    rnd.shuffle(shuffled)
    first = evaluate(rules, achieved).as_dict()
    assert evaluate(rules, shuffled).as_dict() == first
    assert evaluate(rules, achieved).as_dict() == first


@SETTINGS
@given(cases(group_maximum="cap", barred=False), st.integers(0, 7))
def test_under_cap_adding_a_unit_never_loses_the_qualification(
    case: tuple[QualificationRules, list[Achieved]], extra: int
) -> None:
    rules, achieved = case
    more = [*achieved, Achieved(unit=rules.units[extra % len(rules.units)].number)]
    if evaluate(rules, achieved).achieved:
        assert evaluate(rules, more).achieved is True


@SETTINGS
@given(cases(group_maximum="cap"), st.integers(0, 7))
def test_under_cap_adding_a_unit_never_loses_it_even_with_barred_sets(
    case: tuple[QualificationRules, list[Achieved]], extra: int
) -> None:
    rules, achieved = case
    more = [*achieved, Achieved(unit=rules.units[extra % len(rules.units)].number)]
    if evaluate(rules, achieved).achieved:
        assert evaluate(rules, more).achieved is True
