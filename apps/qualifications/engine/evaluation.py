"""Evaluate a learner's achieved units against a qualification's rules of combination."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .choice import choose
from .compiled import CompiledRules, ConflictSpec, Figure
from .describe import NOT_DETERMINABLE, join, scope, shortfall
from .model import VIAS, CreditsRule, QualificationRules, UnitsRule, Via

# Verdicts kept per process: a college has a few hundred distinct combinations of
# qualification and achieved units (issue 10 counted 245 across 5,000 enrolments).
CACHED_VERDICTS = 4096
# Rule statuses and counted units remembered per compiled qualification.
MEMO_ENTRIES = 20_000


@dataclass(frozen=True)
class Achieved:
    """A unit achieved: by its printed number here, or (credit transfer) by URN."""

    unit: str | None = None
    urn: str | None = None
    via: Via = "assessed"

    def __post_init__(self) -> None:
        if self.unit is None and self.urn is None:
            raise ValueError("an achieved unit needs a unit number or a URN")
        if self.via not in VIAS:
            raise ValueError(f"via must be one of {', '.join(VIAS)}, not {self.via!r}")

    @property
    def label(self) -> str:
        return self.unit if self.unit is not None else str(self.urn)

    def sort_key(self) -> tuple[int, str, str, int]:
        # Units named by number first, then by URN; assessed before other routes.
        return (0 if self.unit is not None else 1, self.unit or "", self.urn or "", _VIA_ORDER[self.via])


_VIA_ORDER = {via: n for n, via in enumerate(VIAS)}


@dataclass(frozen=True)
class CountedUnit:
    number: str
    urn: str | None
    title: str
    credits: int
    level: int
    group: str | None
    via: str
    given_as: str  # the unit number or URN the learner's record gave


@dataclass(frozen=True)
class RuleStatus:
    description: str
    met: bool
    achieved: int  # credits or units counted towards the rule
    minimum: int | None
    maximum: int | None
    measure: str  # "credits" or "units"
    needed: tuple[str, ...] = ()


@dataclass
class Verdict:
    qualification: str
    achieved: bool | None
    credits: int
    counted_units: list[str]
    counted: list[CountedUnit] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    rules: list[RuleStatus] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "qualification": self.qualification,
            "achieved": self.achieved,
            "credits": self.credits,
            "counted_units": list(self.counted_units),
            "unmet": list(self.unmet),
            "counted": [asdict(c) for c in self.counted],
            "ignored": [{"unit": label, "reason": reason} for label, reason in self.ignored],
            "rules": [{**asdict(r), "needed": list(r.needed)} for r in self.rules],
            "notes": list(self.notes),
        }

    def copy(self) -> Verdict:
        """A copy whose lists the caller may change (their items are immutable)."""
        return Verdict(
            self.qualification, self.achieved, self.credits, list(self.counted_units), list(self.counted),
            list(self.ignored), list(self.rules), list(self.unmet), list(self.notes),
        )


def evaluate(rules: QualificationRules | CompiledRules, achieved: Iterable[Achieved], *, cache: bool = True) -> Verdict:
    """The verdict for these achieved units; independent of their order.

    `rules` compiles once per distinct qualification version (see `compile_rules`); the
    verdict for the same multiset of achievements is then remembered (`cache=False` skips
    that, for measuring). The caller gets its own copy."""
    compiled = rules if isinstance(rules, CompiledRules) else rules.compiled
    seen = Counter(achieved)
    if not cache:
        return _evaluate(compiled, seen)
    # Repeats are reported, so how many times each was given is part of the key.
    return _cached(compiled, frozenset(seen.items())).copy()


@lru_cache(maxsize=CACHED_VERDICTS)
def _cached(compiled: CompiledRules, key: frozenset[tuple[Achieved, int]]) -> Verdict:
    return _evaluate(compiled, Counter(dict(key)))


class _Claim(NamedTuple):
    achieved: Achieved
    candidates: tuple[int, ...]


def _evaluate(compiled: CompiledRules, seen: Counter[Achieved]) -> Verdict:
    claims, ignored = _resolve(compiled, seen)
    available = sorted({i for claim in claims for i in claim.candidates})
    live = _live_conflicts(compiled, available)
    chosen = choose(compiled, available, [units for units, _ in live])
    counted, notes, more_ignored = _attribute(compiled, claims, chosen, live)
    ignored.extend(more_ignored)
    statuses = _statuses(compiled, chosen)
    verdict = Verdict(
        qualification=compiled.number,
        achieved=all(s.met for s in statuses) if compiled.rules_in_source else None,
        credits=sum(map(compiled.credits.__getitem__, chosen)),
        counted_units=list(map(compiled.numbers.__getitem__, chosen)),
        counted=counted,
        ignored=ignored,
        rules=statuses,
        unmet=[need for s in statuses if not s.met for need in s.needed],
        notes=notes,
    )
    if not compiled.rules_in_source:
        verdict.unmet = [NOT_DETERMINABLE]
    return verdict


def _resolve(compiled: CompiledRules, seen: Counter[Achieved]) -> tuple[list[_Claim], list[tuple[str, str]]]:
    """Match each distinct achievement to the unit(s) it can be; report what cannot count."""
    index, units = compiled.index, compiled.units
    claims: list[_Claim] = []
    ignored: list[tuple[str, str]] = []
    for item in sorted(seen, key=Achieved.sort_key):
        if seen[item] > 1:
            ignored.extend([(item.label, "given more than once")] * (seen[item] - 1))
        if item.unit is not None:
            i = index.get(item.unit)
            if i is None:
                ignored.append((item.label, f"unit {item.unit} is not a unit of this qualification"))
            elif item.urn is not None and item.urn != units[i].urn:
                own = f"URN {units[i].urn}" if units[i].urn is not None else "its URN is not known"
                why = f"URN {item.urn} does not match unit {item.unit} ({own})"
                ignored.append((item.label, why))
            else:
                claims.append(_Claim(item, (i,)))
            continue
        matches = compiled.by_urn.get(item.urn or "")
        if matches:
            claims.append(_Claim(item, matches))
        else:
            ignored.append((item.label, f"URN {item.urn} is not the URN of any unit of this qualification"))
    return claims, ignored


def _live_conflicts(compiled: CompiledRules, available: list[int]) -> list[tuple[tuple[int, ...], ConflictSpec]]:
    """Barred sets and shared URNs with at least two achieved units (only those constrain)."""
    if not compiled.conflicts:
        return []
    have = set(available)
    out = []
    for c in {c for i in available for c in compiled.conflicts_of[i]}:
        spec = compiled.conflicts[c]
        units = tuple(i for i in spec.units if i in have)
        if len(units) > 1:
            out.append((c, units, spec))
    return [(units, spec) for _, units, spec in sorted(out, key=lambda entry: entry[0])]


def _statuses(compiled: CompiledRules, chosen: list[int]) -> list[RuleStatus]:
    memo = compiled.memo
    counting = None
    out = []
    for f, figure in enumerate(compiled.figures):
        value = sum(map(figure.weights.__getitem__, chosen))
        missing: tuple[int, ...] = ()
        if figure.members:  # a mandatory group: which of its units are missing is reported
            counting = counting or set(chosen)
            missing = tuple(i for i in figure.members if i not in counting)
        key = ("status", f, value, missing)
        status = memo.get(key)
        if status is None:
            status = _status(compiled, figure, value, missing)
            _remember(memo, key, status)
        out.append(status)
    return out


def _status(compiled: CompiledRules, figure: Figure, value: int, missing: tuple[int, ...]) -> RuleStatus:
    low, high = figure.low, figure.high
    met = (low is None or value >= low) and (high is None or value <= high)
    needed: tuple[str, ...] = ()
    if not met:
        numbers = [compiled.numbers[i] for i in missing]
        needed = tuple(shortfall(compiled.source, figure.rule, value, numbers))
    return RuleStatus(figure.description, met, value, low, high, figure.measure, needed)


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    # Statuses and counted units repeat across learners; the memo stays bounded.
    if len(memo) < MEMO_ENTRIES:
        memo[key] = value


def _attribute(
    compiled: CompiledRules,
    claims: list[_Claim],
    chosen: list[int],
    live: list[tuple[tuple[int, ...], ConflictSpec]],
) -> tuple[list[CountedUnit], list[str], list[tuple[str, str]]]:
    """Which achievement each counted unit came from, and why the others do not count."""
    units = compiled.units
    counting = set(chosen)
    owner: dict[int, _Claim] = {}
    owned: list[int | None] = []  # per claim: the unit it counts as
    for claim in claims:  # already in a deterministic order: by number, then by URN
        mine = None
        for i in claim.candidates:
            if i in counting and i not in owner:
                owner[i] = claim
                mine = i
                break
        owned.append(mine)
    memo = compiled.memo
    counted = []
    for i in chosen:
        item = owner[i].achieved
        key = ("counted", i, item.via, item.unit, item.urn)
        entry = memo.get(key)
        if entry is None:
            unit = units[i]
            entry = CountedUnit(unit.number, unit.urn, unit.title, unit.credits, unit.level, unit.group,
                                item.via, item.label)
            _remember(memo, key, entry)
        counted.append(entry)
    notes: list[str] = []
    ignored: list[tuple[str, str]] = []
    totals: dict[int, int] = {}  # each maximum's figure over the counted units, once asked
    for claim, i in zip(claims, owned, strict=True):
        item = claim.achieved
        if i is not None:
            if len(claim.candidates) > 1:
                numbers = [units[j].number for j in claim.candidates]
                notes.append(
                    f"URN {item.urn} is printed for units {join(numbers)}; it was counted as unit "
                    f"{units[i].number}, the choice that helps the learner most"
                )
            continue
        ignored.append((item.label, _why_not(compiled, claim, owner, chosen, live, totals)))
    return counted, notes, ignored


def _why_not(
    compiled: CompiledRules,
    claim: _Claim,
    owner: dict[int, _Claim],
    chosen: list[int],
    live: list[tuple[tuple[int, ...], ConflictSpec]],
    totals: dict[int, int],
) -> str:
    units = compiled.units
    for i in claim.candidates:
        if i in owner:
            other = owner[i].achieved
            route = other.via.replace("_", " ")
            source = route if other.unit is not None else f"from URN {other.urn}, {route}"
            return f"{compiled.unit_names[i]} already counts ({source})"
    i = claim.candidates[0]
    counting = set(chosen)
    for members, spec in live:
        winners = [j for j in members if j in counting]
        if i in members and winners:
            winner = units[winners[0]].number
            if spec.urn is not None:
                return f"shares the URN {spec.urn} with unit {winner}, which counts instead: a unit counts once"
            return f"barred against unit {winner}, which counts instead ({spec.reason_barred})"
    for f in compiled.caps:
        figure = compiled.figures[f]
        rule = figure.rule
        assert isinstance(rule, (CreditsRule, UnitsRule)) and figure.high is not None
        if rule.groups is not None and units[i].group not in rule.groups:
            continue
        weights = figure.weights
        if f not in totals:
            totals[f] = sum(map(weights.__getitem__, chosen))
        if totals[f] + weights[i] > figure.high:
            return f"{figure.measure} beyond the maximum of {figure.high} {scope(compiled.source, rule.groups)} do not count"
    return "not counted: counting it would break a barred set or a group maximum"
