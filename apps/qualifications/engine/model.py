"""The rules of one qualification as plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .compiled import CompiledRules

LevelCredits = Literal["at_or_above", "exactly"]
GroupMaximum = Literal["cap", "invalidate"]
Via = Literal["assessed", "credit_transfer", "rpl", "exemption"]
VIAS: tuple[str, ...] = ("assessed", "credit_transfer", "rpl", "exemption")


@dataclass(frozen=True)
class UnitSpec:
    number: str
    urn: str | None
    title: str
    credits: int
    level: int
    group: str | None


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    mandatory: bool


@dataclass(frozen=True)
class CreditsRule:
    """A minimum and/or maximum of credits from some groups; groups None = all units."""

    groups: tuple[str, ...] | None = None
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class UnitsRule:
    """A minimum and/or maximum count of units from some groups; groups None = all units."""

    groups: tuple[str, ...] | None = None
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class CreditsAtLevelRule:
    level: int
    min: int


@dataclass(frozen=True)
class MandatoryRule:
    """Every unit of a mandatory group; implied by Group.mandatory, never written in a file."""

    group: str


Rule = CreditsRule | UnitsRule | CreditsAtLevelRule | MandatoryRule


@dataclass(frozen=True)
class Barred:
    units: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Interpretation:
    level_credits: LevelCredits = "at_or_above"
    group_maximum: GroupMaximum = "cap"

    def __post_init__(self) -> None:
        if self.level_credits not in ("at_or_above", "exactly"):
            raise ValueError(f"level_credits must be at_or_above or exactly, not {self.level_credits!r}")
        if self.group_maximum not in ("cap", "invalidate"):
            raise ValueError(f"group_maximum must be cap or invalidate, not {self.group_maximum!r}")


@dataclass(frozen=True)
class QualificationRules:
    number: str
    title: str
    min_credits: int | None
    rules_in_source: bool
    units: tuple[UnitSpec, ...]
    groups: tuple[Group, ...] = ()
    rules: tuple[Rule, ...] = ()
    barred: tuple[Barred, ...] = ()
    interpretation: Interpretation = field(default_factory=Interpretation)

    def __post_init__(self) -> None:
        numbers = [u.number for u in self.units]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"{self.number}: unit numbers must be unique")
        group_ids = {g.id for g in self.groups}
        for unit in self.units:
            if unit.group is not None and unit.group not in group_ids:
                raise ValueError(f"{self.number}: unit {unit.number} names unknown group {unit.group!r}")
        for rule in self.rules:
            for gid in _rule_groups(rule):
                if gid not in group_ids:
                    raise ValueError(f"{self.number}: a rule names unknown group {gid!r}")
        for barred in self.barred:
            for number in barred.units:
                if number not in numbers:
                    raise ValueError(f"{self.number}: barred set names unknown unit {number!r}")

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> QualificationRules:
        """Build from one qualification in the catalogue format (docs/catalogue-format.md)."""
        interp = data.get("interpretation") or {}
        return cls(
            number=data["number"],
            title=data["title"],
            min_credits=data.get("credits"),
            rules_in_source=bool(data["rules_in_source"]),
            units=tuple(
                UnitSpec(u["number"], u.get("urn"), u["title"], int(u["credits"]), int(u["level"]), u.get("group"))
                for u in data["units"]
            ),
            groups=tuple(Group(g["id"], g["title"], bool(g["mandatory"])) for g in data.get("groups") or []),
            rules=tuple(_rule_from_dict(r) for r in data.get("rules") or []),
            barred=tuple(Barred(tuple(b["units"]), b["text"]) for b in data.get("barred") or []),
            interpretation=Interpretation(
                interp.get("level_credits", "at_or_above"), interp.get("group_maximum", "cap")
            ),
        )

    @cached_property
    def compiled(self) -> CompiledRules:
        """These rules compiled for the engine: built once per distinct version (equal rules
        share one), then kept on this instance."""
        from .compiled import compile_rules  # compiled.py builds on this module

        return compile_rules(self)

    def unit(self, number: str) -> UnitSpec | None:
        return next((u for u in self.units if u.number == number), None)

    def group(self, gid: str) -> Group | None:
        return next((g for g in self.groups if g.id == gid), None)

    def effective_rules(self) -> list[Rule]:
        """Mandatory groups, the written rules, and the minimum total where no rule states it."""
        out: list[Rule] = [MandatoryRule(g.id) for g in self.groups if g.mandatory]
        out.extend(self.rules)
        total_stated = any(
            isinstance(r, CreditsRule) and r.groups is None and r.min is not None and r.min >= (self.min_credits or 0)
            for r in self.rules
        )
        if self.min_credits and not total_stated:
            out.append(CreditsRule(None, min=self.min_credits))
        return out

    def shared_urns(self) -> list[tuple[str, tuple[str, ...]]]:
        """URNs the source prints for more than one unit, with those units' numbers."""
        by_urn: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.urn:
                by_urn.setdefault(unit.urn, []).append(unit.number)
        return [(urn, tuple(numbers)) for urn, numbers in by_urn.items() if len(numbers) > 1]


def _rule_groups(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, (CreditsRule, UnitsRule)):
        return rule.groups or ()
    if isinstance(rule, MandatoryRule):
        return (rule.group,)
    return ()


def _rule_from_dict(raw: dict[str, Any]) -> Rule:
    kind = raw.get("type")
    groups = tuple(raw["groups"]) if raw.get("groups") is not None else None
    if kind == "credits":
        return CreditsRule(groups, raw.get("min"), raw.get("max"))
    if kind == "units":
        return UnitsRule(groups, raw.get("min"), raw.get("max"))
    if kind == "credits_at_level":
        return CreditsAtLevelRule(int(raw["level"]), int(raw["min"]))
    raise ValueError(f"unknown rule type {kind!r}")
