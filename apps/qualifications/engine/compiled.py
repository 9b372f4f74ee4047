"""A qualification version compiled once for the engine: indexes, per-unit weights of every
rule and the rules' wording, so that evaluating a learner's units only adds up numbers.

`compile_rules(rules)` returns the same `CompiledRules` for equal rules (a small cache keyed
by the rules' value), and `QualificationRules.compiled` keeps it on the instance, so each
version of a qualification is compiled once per process however often it is rebuilt from
the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .describe import describe_rule, unit_name
from .model import (
    CreditsAtLevelRule,
    CreditsRule,
    MandatoryRule,
    QualificationRules,
    Rule,
    UnitSpec,
    UnitsRule,
)

# Distinct qualification versions compiled at once (a college offers a few dozen).
COMPILED_VERSIONS = 256


@dataclass(frozen=True, eq=False)
class Figure:
    """One rule as a number to add up over the counted units: each unit's weight (credits,
    1 or 0) and the rule's bounds."""

    rule: Rule
    weights: tuple[int, ...]  # per unit of the qualification
    low: int | None
    high: int | None
    measure: str  # "credits" or "units"
    description: str
    members: tuple[int, ...] = ()  # a mandatory group's units, to name those missing


@dataclass(frozen=True, eq=False)
class ConflictSpec:
    """Units of which at most one counts: a barred set or units sharing a printed URN."""

    units: tuple[int, ...]  # in qualification order
    reason_barred: str | None  # the barred set's text; None for a shared URN
    urn: str | None


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """Everything about a qualification version that does not depend on the learner.
    Compared and hashed by identity: equal rules share one instance (`compile_rules`)."""

    source: QualificationRules
    number: str
    rules_in_source: bool
    cap_mode: bool  # maximums limit what counts (rather than fail the rule)
    units: tuple[UnitSpec, ...]
    numbers: tuple[str, ...]
    credits: tuple[int, ...]
    unit_names: tuple[str, ...]  # "unit 01 <title>", for reasons
    index: dict[str, int]  # unit number -> position (never changed once built)
    by_urn: dict[str, tuple[int, ...]]  # URN -> positions of the units printed with it
    figures: tuple[Figure, ...]  # the effective rules, in order (none without rules in the source)
    caps: tuple[int, ...]  # figures whose maximum is a cap
    conflicts: tuple[ConflictSpec, ...]  # barred sets, then shared URNs
    conflicts_of: tuple[tuple[int, ...], ...]  # per unit: the conflicts it belongs to
    class_key: tuple[tuple[Any, ...], ...]  # per unit: what the rules tell apart about it
    # Rule statuses and counted units already worded, shared by the verdicts (a cache of
    # immutable values, not part of what the rules are).
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)


def level_counts(rules: QualificationRules, unit_level: int, rule_level: int) -> bool:
    if rules.interpretation.level_credits == "exactly":
        return unit_level == rule_level
    return unit_level >= rule_level


def _in_scope(rule: CreditsRule | UnitsRule, group: str | None) -> bool:
    return rule.groups is None or group in rule.groups


def _figure(rules: QualificationRules, rule: Rule) -> Figure:
    units = rules.units
    description = describe_rule(rules, rule)
    if isinstance(rule, MandatoryRule):
        members = tuple(i for i, u in enumerate(units) if u.group == rule.group)
        weights = tuple(int(u.group == rule.group) for u in units)
        return Figure(rule, weights, len(members), None, "units", description, members)
    if isinstance(rule, CreditsAtLevelRule):
        weights = tuple(u.credits if level_counts(rules, u.level, rule.level) else 0 for u in units)
        return Figure(rule, weights, rule.min, None, "credits", description)
    if isinstance(rule, CreditsRule):
        weights = tuple(u.credits if _in_scope(rule, u.group) else 0 for u in units)
        return Figure(rule, weights, rule.min, rule.max, "credits", description)
    weights = tuple(1 if _in_scope(rule, u.group) else 0 for u in units)
    return Figure(rule, weights, rule.min, rule.max, "units", description)


def _build(rules: QualificationRules) -> CompiledRules:
    units = rules.units
    index = {u.number: i for i, u in enumerate(units)}
    by_urn: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        if u.urn is not None:
            by_urn.setdefault(u.urn, []).append(i)
    effective = rules.effective_rules() if rules.rules_in_source else []
    figures = tuple(_figure(rules, rule) for rule in effective)
    cap_mode = rules.rules_in_source and rules.interpretation.group_maximum == "cap"
    caps = tuple(
        f for f, fig in enumerate(figures) if cap_mode and isinstance(fig.rule, (CreditsRule, UnitsRule)) and fig.high is not None
    )
    conflicts = [ConflictSpec(tuple(sorted(index[n] for n in b.units)), b.text, None) for b in rules.barred]
    conflicts += [ConflictSpec(tuple(index[n] for n in numbers), None, urn) for urn, numbers in rules.shared_urns()]
    conflicts_of: list[list[int]] = [[] for _ in units]
    for c, conflict in enumerate(conflicts):
        for i in conflict.units:
            conflicts_of[i].append(c)
    # Units with the same group and credits that count for the same level rules are
    # interchangeable to every rule (unless a barred set or a shared URN holds them).
    levels = [fig.rule.level for fig in figures if isinstance(fig.rule, CreditsAtLevelRule)]
    class_key = tuple(
        (u.group, u.credits, tuple(level_counts(rules, u.level, level) for level in levels)) for u in units
    )
    return CompiledRules(
        source=rules,
        number=rules.number,
        rules_in_source=rules.rules_in_source,
        cap_mode=cap_mode,
        units=units,
        numbers=tuple(u.number for u in units),
        credits=tuple(u.credits for u in units),
        unit_names=tuple(unit_name(rules, u.number) for u in units),
        index=index,
        by_urn={urn: tuple(found) for urn, found in by_urn.items()},
        figures=figures,
        caps=caps,
        conflicts=tuple(conflicts),
        conflicts_of=tuple(tuple(found) for found in conflicts_of),
        class_key=class_key,
    )


@lru_cache(maxsize=COMPILED_VERSIONS)
def _compile_cached(rules: QualificationRules) -> CompiledRules:
    return _build(rules)


def compile_rules(rules: QualificationRules | CompiledRules) -> CompiledRules:
    """The compiled form of these rules, built once per distinct version."""
    if isinstance(rules, CompiledRules):
        return rules
    return _compile_cached(rules)
