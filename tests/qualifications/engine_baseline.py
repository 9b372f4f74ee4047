"""The rules engine's exhaustive search as it was before compiling (issue 10), kept as a
baseline: the benchmark measures the new engine beside it, and a property test checks that
both give the same verdict wherever this one finishes. Not used by Attest itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from apps.qualifications.engine import Achieved, CountedUnit, RuleStatus, Verdict
from apps.qualifications.engine.describe import NOT_DETERMINABLE, describe_rule, join, scope, shortfall, unit_name
from apps.qualifications.engine.model import (
    CreditsAtLevelRule,
    CreditsRule,
    MandatoryRule,
    QualificationRules,
    Rule,
    UnitsRule,
)

# The search visits at most this many partial countings before giving up.
SEARCH_LIMIT = 200_000


class TooManyChoices(ValueError):
    """The barred sets and group maximums allow too many countings to compare exactly."""


# --- the problem, reduced to classes of interchangeable units -------------------


@dataclass(frozen=True)
class _Class:
    """Achieved units that no rule tells apart (same group and credits, counting for the
    same level rules, not in a barred set), so only how many of them count matters.
    Members are in qualification order; level is the first member's."""

    members: tuple[int, ...]
    credits: int
    level: int
    group: str | None
    conflicts: tuple[int, ...]  # conflict sets a (single-member) class belongs to


@dataclass(frozen=True)
class _Cap:
    rule: Rule
    per_class: tuple[int, ...]  # credits (or 1) per counted member of each class
    limit: int


@dataclass(frozen=True)
class _Conflict:
    """Units of which at most one counts: a barred set or units sharing a printed URN."""

    units: tuple[int, ...]
    reason_barred: str | None  # the barred set's text; None for a shared URN
    urn: str | None


@dataclass
class _Claim:
    achieved: Achieved
    candidates: tuple[int, ...]


def evaluate(rules: QualificationRules, achieved: Iterable[Achieved]) -> Verdict:
    """The verdict for these achieved units; independent of their order."""
    claims, ignored = _resolve(rules, achieved)
    available = sorted({i for claim in claims for i in claim.candidates})
    conflicts = _conflicts(rules, set(available))
    effective = rules.effective_rules() if rules.rules_in_source else []
    classes = _classes(rules, effective, available, conflicts)
    caps = _caps(rules, effective, classes) if rules.interpretation.group_maximum == "cap" else []
    chosen = _Search(rules, effective, classes, caps, conflicts).run()
    counted, notes, more_ignored = _attribute(rules, claims, chosen, conflicts, caps)
    ignored.extend(more_ignored)
    statuses = [_status(rules, rule, set(chosen)) for rule in effective]
    verdict = Verdict(
        qualification=rules.number,
        achieved=all(s.met for s in statuses) if rules.rules_in_source else None,
        credits=sum(rules.units[i].credits for i in chosen),
        counted_units=[rules.units[i].number for i in chosen],
        counted=counted,
        ignored=ignored,
        rules=statuses,
        unmet=[need for s in statuses if not s.met for need in s.needed],
        notes=notes,
    )
    if not rules.rules_in_source:
        verdict.unmet = [NOT_DETERMINABLE]
    return verdict


def _resolve(rules: QualificationRules, achieved: Iterable[Achieved]) -> tuple[list[_Claim], list[tuple[str, str]]]:
    """Match each distinct achievement to the unit(s) it can be; report what cannot count."""
    index = {u.number: i for i, u in enumerate(rules.units)}
    seen = Counter(achieved)
    claims: list[_Claim] = []
    ignored: list[tuple[str, str]] = []
    for item in sorted(seen, key=Achieved.sort_key):
        ignored.extend([(item.label, "given more than once")] * (seen[item] - 1))
        if item.unit is not None:
            i = index.get(item.unit)
            if i is None:
                ignored.append((item.label, f"unit {item.unit} is not a unit of this qualification"))
            elif item.urn is not None and item.urn != rules.units[i].urn:
                why = f"URN {item.urn} does not match unit {item.unit} (URN {rules.units[i].urn})"
                ignored.append((item.label, why))
            else:
                claims.append(_Claim(item, (i,)))
            continue
        matches = tuple(i for i, u in enumerate(rules.units) if u.urn == item.urn)
        if matches:
            claims.append(_Claim(item, matches))
        else:
            ignored.append((item.label, f"URN {item.urn} is not the URN of any unit of this qualification"))
    return claims, ignored


def _conflicts(rules: QualificationRules, available: set[int]) -> list[_Conflict]:
    """Barred sets and shared URNs with at least two achieved units (only those constrain)."""
    index = {u.number: i for i, u in enumerate(rules.units)}
    out: list[_Conflict] = []
    for barred in rules.barred:
        units = tuple(sorted(index[n] for n in barred.units if index[n] in available))
        if len(units) > 1:
            out.append(_Conflict(units, barred.text, None))
    for urn, numbers in rules.shared_urns():
        units = tuple(sorted(index[n] for n in numbers if index[n] in available))
        if len(units) > 1:
            out.append(_Conflict(units, None, urn))
    return out


def _classes(
    rules: QualificationRules, effective: list[Rule], available: list[int], conflicts: list[_Conflict]
) -> list[_Class]:
    levels = [r.level for r in effective if isinstance(r, CreditsAtLevelRule)]
    member_of: dict[int, list[int]] = {}
    for c, conflict in enumerate(conflicts):
        for i in conflict.units:
            member_of.setdefault(i, []).append(c)
    buckets: dict[tuple[Any, ...], list[int]] = {}
    for i in available:
        unit = rules.units[i]
        # A unit in a barred set or sharing a URN is its own class: which one counts matters.
        # Otherwise only the group, credits and which level rules the unit counts for matter.
        at_levels = tuple(_level_counts(rules, unit.level, level) for level in levels)
        key: tuple[Any, ...] = ("unit", i) if i in member_of else (unit.group, unit.credits, at_levels)
        buckets.setdefault(key, []).append(i)
    return [
        _Class(tuple(ms), rules.units[ms[0]].credits, rules.units[ms[0]].level, rules.units[ms[0]].group,
               tuple(member_of.get(ms[0], ())))
        for ms in sorted(buckets.values())
    ]


def _in_scope(rule: CreditsRule | UnitsRule, group: str | None) -> bool:
    return rule.groups is None or group in rule.groups


def _caps(rules: QualificationRules, effective: list[Rule], classes: list[_Class]) -> list[_Cap]:
    """Under 'cap', every maximum is a limit on what counts rather than a rule to fail."""
    caps: list[_Cap] = []
    for rule in effective:
        if isinstance(rule, (CreditsRule, UnitsRule)) and rule.max is not None:
            amount = (lambda c: c.credits) if isinstance(rule, CreditsRule) else (lambda c: 1)
            per = tuple(amount(c) if _in_scope(rule, c.group) else 0 for c in classes)
            caps.append(_Cap(rule, per, rule.max))
    return caps


# --- the exact search -----------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    """One rule as per-class weights (credits or 1 per counted member) and its bounds."""

    weights: tuple[int, ...]
    low: int | None
    high: int | None


def _checks(rules: QualificationRules, effective: list[Rule], classes: list[_Class]) -> list[_Check]:
    out = []
    for rule in effective:
        if isinstance(rule, MandatoryRule):
            size = sum(1 for u in rules.units if u.group == rule.group)
            out.append(_Check(tuple(int(c.group == rule.group) for c in classes), size, None))
        elif isinstance(rule, CreditsAtLevelRule):
            weights = tuple(c.credits if _level_counts(rules, c.level, rule.level) else 0 for c in classes)
            out.append(_Check(weights, rule.min, None))
        else:
            weigh = (lambda c: c.credits) if isinstance(rule, CreditsRule) else (lambda c: 1)
            out.append(_Check(tuple(weigh(c) if _in_scope(rule, c.group) else 0 for c in classes), rule.min, rule.max))
    return out


class _Search:
    """Depth-first search over how many units of each class count, best first.

    The best counting achieves the qualification if any does, and otherwise has most
    credits; among equals the first found wins, and the order (classes in qualification
    order, more units before fewer) makes that the one using the earliest units. Only
    maximal countings are candidates: once maximums are caps, adding a unit never hurts.
    A branch is cut when its best possible score cannot beat the best found so far.
    """

    def __init__(self, rules: QualificationRules, effective: list[Rule], classes: list[_Class],
                 caps: list[_Cap], conflicts: list[_Conflict]) -> None:
        self.number = rules.number
        self.classes, self.caps = classes, caps
        self.checks = _checks(rules, effective, classes)
        n = len(classes)
        self.counts = [0] * n
        self.totals = [0] * len(caps)  # running figure of each cap
        self.values = [0] * len(self.checks)  # running figure of each rule
        self.used = [False] * len(conflicts)
        self.credits = 0
        self.visits = 0
        self.best: tuple[tuple[bool, int], tuple[int, ...]] | None = None
        # What the classes from c onwards could add at most, for the bounds.
        credit_caps = [cap for cap in caps if isinstance(cap.rule, CreditsRule)]
        self.credit_caps = [caps.index(cap) for cap in credit_caps]
        capped = [any(cap.per_class[c] for cap in credit_caps) for c in range(n)]
        full = [cl.credits * len(cl.members) for cl in classes]
        self.rest_capped = _suffix([f if capped[c] else 0 for c, f in enumerate(full)])
        self.rest_free = _suffix([0 if capped[c] else f for c, f in enumerate(full)])
        self.rest_values = [
            _suffix([w * len(cl.members) for w, cl in zip(check.weights, classes, strict=True)]) for check in self.checks
        ]

    def run(self) -> list[int]:
        self._walk(0)
        assert self.best is not None  # some maximal counting always exists
        return list(self.best[1])

    def _fits(self, c: int, k: int) -> bool:
        if k and any(self.used[x] for x in self.classes[c].conflicts):
            return False
        return all(self.totals[j] + k * cap.per_class[c] <= cap.limit for j, cap in enumerate(self.caps))

    def _bound(self, c: int) -> tuple[bool, int]:
        """The best score any counting below this node could reach."""
        room = sum(self.caps[j].limit - self.totals[j] for j in self.credit_caps)
        capped = self.rest_capped[c] if not self.credit_caps else min(self.rest_capped[c], room)
        credits = self.credits + self.rest_free[c] + capped
        reachable = all(
            check.low is None or self.values[r] + self.rest_values[r][c] >= check.low
            for r, check in enumerate(self.checks)
        )
        return (reachable, credits)

    def _walk(self, c: int) -> None:
        self.visits += 1
        if self.visits > SEARCH_LIMIT:
            raise TooManyChoices(
                f"{self.number}: more than {SEARCH_LIMIT} ways to count these units under the "
                "barred sets and group maximums; the verdict cannot be computed exactly"
            )
        if self.best is not None and self._bound(c) <= self.best[0]:
            return
        if c == len(self.classes):
            self._leaf()
            return
        cl = self.classes[c]
        # A class no barred set or maximum touches always counts in full (anything less
        # is not maximal), which keeps the search to the classes that are real choices.
        free = not cl.conflicts and not any(cap.per_class[c] for cap in self.caps)
        for k in range(len(cl.members), len(cl.members) - 1 if free else -1, -1):
            if self._fits(c, k):
                self._add(c, k, +1)
                self._walk(c + 1)
                self._add(c, k, -1)

    def _add(self, c: int, k: int, sign: int) -> None:
        """Count (sign +1) or uncount (-1) k units of class c in every running figure."""
        cl = self.classes[c]
        self.counts[c] += sign * k
        self.credits += sign * k * cl.credits
        for j, cap in enumerate(self.caps):
            self.totals[j] += sign * k * cap.per_class[c]
        for r, check in enumerate(self.checks):
            self.values[r] += sign * k * check.weights[c]
        if k:
            for x in cl.conflicts:
                self.used[x] = sign > 0

    def _leaf(self) -> None:
        counts = self.counts
        if any(counts[c] < len(cl.members) and self._fits(c, 1) for c, cl in enumerate(self.classes)):
            return  # not maximal
        achieved = all(
            (check.low is None or value >= check.low) and (check.high is None or value <= check.high)
            for check, value in zip(self.checks, self.values, strict=True)
        )
        score = (achieved, self.credits)
        if self.best is None or score > self.best[0]:
            chosen = tuple(sorted(i for c, cl in enumerate(self.classes) for i in cl.members[: counts[c]]))
            self.best = (score, chosen)


def _suffix(values: list[int]) -> list[int]:
    """out[c] = sum(values[c:]), with out[len(values)] = 0."""
    out = [0] * (len(values) + 1)
    for c in range(len(values) - 1, -1, -1):
        out[c] = out[c + 1] + values[c]
    return out


def _level_counts(rules: QualificationRules, unit_level: int, rule_level: int) -> bool:
    if rules.interpretation.level_credits == "exactly":
        return unit_level == rule_level
    return unit_level >= rule_level


# --- reporting -------------------------------------------------------------------


def _status(rules: QualificationRules, rule: Rule, chosen: set[int]) -> RuleStatus:
    units = [(i, u) for i, u in enumerate(rules.units)]
    missing: list[str] = []
    low: int | None
    high: int | None = None
    if isinstance(rule, MandatoryRule):
        members = [(i, u) for i, u in units if u.group == rule.group]
        value, low, measure = sum(1 for i, _ in members if i in chosen), len(members), "units"
        missing = [u.number for i, u in members if i not in chosen]
    elif isinstance(rule, CreditsAtLevelRule):
        value = sum(u.credits for i, u in units if i in chosen and _level_counts(rules, u.level, rule.level))
        low, measure = rule.min, "credits"
    else:
        scoped = [u for i, u in units if i in chosen and _in_scope(rule, u.group)]
        value = sum(u.credits for u in scoped) if isinstance(rule, CreditsRule) else len(scoped)
        low, high = rule.min, rule.max
        measure = "credits" if isinstance(rule, CreditsRule) else "units"
    met = (low is None or value >= low) and (high is None or value <= high)
    needed = () if met else tuple(shortfall(rules, rule, value, missing))
    return RuleStatus(describe_rule(rules, rule), met, value, low, high, measure, needed)


def _attribute(
    rules: QualificationRules,
    claims: list[_Claim],
    chosen: list[int],
    conflicts: list[_Conflict],
    caps: list[_Cap],
) -> tuple[list[CountedUnit], list[str], list[tuple[str, str]]]:
    """Which achievement each counted unit came from, and why the others do not count."""
    owner: dict[int, _Claim] = {}
    for claim in claims:  # already in a deterministic order: by number, then by URN
        free = [i for i in claim.candidates if i in chosen and i not in owner]
        if free:
            owner[free[0]] = claim
    counted = []
    for i in chosen:
        unit, claim = rules.units[i], owner[i]
        counted.append(CountedUnit(unit.number, unit.urn, unit.title, unit.credits, unit.level, unit.group,
                                   claim.achieved.via, claim.achieved.label))
    notes: list[str] = []
    ignored: list[tuple[str, str]] = []
    owned = {id(c) for c in owner.values()}
    for claim in claims:
        item = claim.achieved
        if id(claim) in owned:
            i = next(i for i, c in owner.items() if c is claim)
            if len(claim.candidates) > 1:
                numbers = [rules.units[j].number for j in claim.candidates]
                notes.append(
                    f"URN {item.urn} is printed for units {join(numbers)}; it was counted as unit "
                    f"{rules.units[i].number}, the choice that helps the learner most"
                )
            continue
        ignored.append((item.label, _why_not(rules, claim, owner, chosen, conflicts, caps)))
    return counted, notes, ignored


def _why_not(
    rules: QualificationRules,
    claim: _Claim,
    owner: dict[int, _Claim],
    chosen: list[int],
    conflicts: list[_Conflict],
    caps: list[_Cap],
) -> str:
    for i in claim.candidates:
        if i in owner:
            other = owner[i].achieved
            route = other.via.replace("_", " ")
            source = route if other.unit is not None else f"from URN {other.urn}, {route}"
            return f"{unit_name(rules, rules.units[i].number)} already counts ({source})"
    i = claim.candidates[0]
    for conflict in conflicts:
        winners = [j for j in conflict.units if j in chosen]
        if i in conflict.units and winners:
            winner = rules.units[winners[0]].number
            if conflict.urn is not None:
                return f"shares the URN {conflict.urn} with unit {winner}, which counts instead: a unit counts once"
            return f"barred against unit {winner}, which counts instead ({conflict.reason_barred})"
    unit = rules.units[i]
    for cap in caps:
        rule = cap.rule
        assert isinstance(rule, (CreditsRule, UnitsRule))
        if not _in_scope(rule, unit.group):
            continue
        amount = (lambda u: u.credits) if isinstance(rule, CreditsRule) else (lambda u: 1)
        total = sum(amount(rules.units[j]) for j in chosen if _in_scope(rule, rules.units[j].group))
        if total + amount(unit) > cap.limit:
            word = "credits" if isinstance(rule, CreditsRule) else "units"
            return f"{word} beyond the maximum of {cap.limit} {scope(rules, rule.groups)} do not count"
    return "not counted: counting it would break a barred set or a group maximum"
