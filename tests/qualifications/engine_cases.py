"""Qualifications that stress the rules engine: the worst cases of issue 10, built the same
way every time (a seeded generator), for the engine's tests and its benchmark."""

from __future__ import annotations

import random

from apps.qualifications.engine import (
    Achieved,
    Barred,
    CreditsAtLevelRule,
    CreditsRule,
    Group,
    QualificationRules,
    UnitSpec,
    UnitsRule,
)


def _units(rnd: random.Random, start: int, count: int, group: str, credits: tuple[int, int]) -> list[UnitSpec]:
    return [
        UnitSpec(f"{n:03d}", f"U/{n:03d}/0001", f"Unit {n}", rnd.randint(*credits), rnd.randint(1, 4), group)
        for n in range(start, start + count)
    ]


def optional_under_a_cap(seed: int = 0, optional: int = 60, level_min: int = 49) -> QualificationRules:
    """Mandatory units and `optional` units of varied credits and levels in one group whose
    credits are capped, with a level rule and a unit count over that group: every optional
    unit achieved is a real choice, and the level rule asks for nearly all the capped credits
    at Level 3 or above (the exhaustive search took 0.6 s on it)."""
    rnd = random.Random(seed)
    units = [*_units(rnd, 1, 4, "A", (3, 3)), *_units(rnd, 5, optional, "B", (1, 12))]
    return QualificationRules(
        number="600/0060/0",
        title="Optional units under a cap",
        min_credits=60,
        rules_in_source=True,
        units=tuple(units),
        groups=(Group("A", "Group A", True), Group("B", "Group B", False)),
        rules=(
            CreditsRule(None, min=60),
            CreditsRule(("B",), min=20, max=48),
            UnitsRule(("B",), min=8),
            CreditsAtLevelRule(3, min=level_min),
        ),
    )


def caps_and_barred_pairs(seed: int = 0, pairs: int = 15, level_min: int = 60) -> QualificationRules:
    """100 units in three groups, caps on two of them (credits and units) and `pairs` barred
    pairs that cross the groups and interleave, so that choosing one unit of a pair reaches
    across the whole qualification; the level rule cannot be met, so nothing cuts the search
    short (the exhaustive search gave up on it after 200,000 steps)."""
    rnd = random.Random(seed)
    units = [*_units(rnd, 1, 5, "A", (2, 6)), *_units(rnd, 6, 50, "B", (1, 12)), *_units(rnd, 56, 45, "C", (1, 12))]
    numbers = [u.number for u in units]
    barred = tuple(
        Barred((numbers[5 + i], numbers[55 + 2 * i]), f"Unit {numbers[5 + i]} is barred against unit {numbers[55 + 2 * i]}")
        for i in range(pairs)
    )
    return QualificationRules(
        number="600/0100/0",
        title="Caps and barred pairs",
        min_credits=80,
        rules_in_source=True,
        units=tuple(units),
        groups=(Group("A", "Group A", True), Group("B", "Group B", False), Group("C", "Group C", False)),
        rules=(
            CreditsRule(None, min=80),
            CreditsRule(("B",), min=20, max=40),
            CreditsRule(("C",), min=10, max=30),
            UnitsRule(("C",), max=8),
            CreditsAtLevelRule(3, min=level_min),
        ),
        barred=barred,
    )


def everything(rules: QualificationRules) -> list[Achieved]:
    """Every unit achieved: each barred pair and each capped unit is then a real choice."""
    return [Achieved(unit=u.number) for u in rules.units]


def large(seed: int) -> tuple[QualificationRules, list[Achieved]]:
    """A random qualification of 100 units at the limit the engine is held to: a mandatory
    group and two or three optional groups, credit maximums on one or two groups (and
    sometimes a unit maximum), group minimums, a level rule, 15 barred pairs, and a learner
    who achieved most or all of it."""
    rnd = random.Random(seed)
    ids = "ABCD"[: rnd.randint(3, 4)]
    mandatory = rnd.randint(2, 6)
    units = _units(rnd, 1, mandatory, "A", (2, 8))
    per = (100 - mandatory) // (len(ids) - 1)
    for g, gid in enumerate(ids[1:]):
        count = per if g < len(ids) - 2 else 100 - mandatory - per * (len(ids) - 2)
        units += _units(rnd, len(units) + 1, count, gid, (1, 15))
    credit = {gid: sum(u.credits for u in units if u.group == gid) for gid in ids}
    optional = list(ids[1:])
    rules: list = [CreditsRule(None, min=rnd.randint(40, 160))]
    for gid in rnd.sample(optional, rnd.randint(1, 2)):
        top = rnd.randint(credit[gid] // 5, credit[gid] * 3 // 5)
        rules.append(CreditsRule((gid,), min=rnd.choice([None, top // 2]), max=top))
    if rnd.random() < 0.4:
        rules.append(UnitsRule((rnd.choice(optional),), max=rnd.randint(3, 12)))
    if rnd.random() < 0.5:
        rules.append(CreditsRule((rnd.choice(optional),), min=rnd.randint(5, 40)))
    rules.append(CreditsAtLevelRule(rnd.randint(2, 4), min=rnd.randint(10, 80)))
    numbers = [u.number for u in units if u.group != "A"]
    pairs = rnd.sample(numbers, 30)
    barred = tuple(Barred((pairs[2 * k], pairs[2 * k + 1]), "barred") for k in range(15))
    rules_ = QualificationRules(
        number="600/0101/0",
        title="A large qualification",
        min_credits=None,
        rules_in_source=True,
        units=tuple(units),
        groups=tuple(Group(gid, f"Group {gid}", gid == "A") for gid in ids),
        rules=tuple(rules),
        barred=barred,
    )
    share = rnd.choice([1.0, 1.0, 0.9, 0.75])
    achieved = [Achieved(unit=u.number) for u in units if u.group == "A" or rnd.random() < share]
    return rules_, achieved
