"""Shared machinery for specification importers.

An importer turns the text extracted from an awarding organisation's PDF into
canonical qualification dicts (see docs/catalogue-format.md). Repairs to the
source are data in a corrections file, applied here, never special cases in a
parser: a person can then review every deviation from what the source prints.

This module is pure Python (no Django) so importers can be tested and run alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORRECTIONS_DIR = Path(__file__).resolve().parent.parent / "corrections"
FORMAT = "attest.qualification/1"


class ImportError_(Exception):
    """The source cannot be imported (unknown layout, stale correction, ...)."""


@dataclass
class Report:
    """What an import found: counts, warnings and the corrections it applied."""

    source: str
    layout: str = ""
    warnings: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def as_dict(self, qualifications: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "source": self.source,
            "layout": self.layout,
            "qualifications": [
                {"number": q["number"], "title": q["title"], **count(q)} for q in qualifications
            ],
            "warnings": list(self.warnings),
            "corrections": list(self.corrections),
        }


def count(qualification: dict[str, Any]) -> dict[str, int]:
    units = qualification["units"]
    outcomes = [o for u in units for o in u["outcomes"]]
    return {
        "units": len(units),
        "outcomes": len(outcomes),
        "criteria": sum(len(o["criteria"]) for o in outcomes),
        "evidence_requirements": sum(len(u["evidence_requirements"]) for u in units),
    }


# --- text clean-up ---------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_SPACE = re.compile(r"[ \t\u00a0\u2007\u202f]+")


def clean(text: str) -> str:
    """One line of source text as plain words: no HTML, markdown emphasis or odd spaces."""
    import html

    text = unicodedata.normalize("NFC", html.unescape(_TAG.sub(" ", text)))
    text = text.replace("**", "").replace("\u200b", "")
    return _SPACE.sub(" ", text).strip()


# --- corrections -------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    id: str
    reason: str
    text: dict[str, Any] | None = None
    target: dict[str, str] | None = None
    set: dict[str, Any] | None = None
    move_to_outcome: str | None = None
    # The unit a text edit concerns: the catalogue shows the correction on that unit's page,
    # and only qualifications holding the unit list it. A target names its unit itself.
    unit: str | None = None

    def unit_number(self) -> str | None:
        return self.target.get("unit") if self.target is not None else self.unit


def load_corrections(source_name: str, directory: Path = CORRECTIONS_DIR) -> list[Correction]:
    path = directory / f"{Path(source_name).stem}.yaml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: list[Correction] = []
    seen: set[str] = set()
    for raw in data.get("corrections") or []:
        corr = Correction(**raw)
        if not corr.reason or not corr.reason.strip():
            raise ImportError_(f"correction {corr.id}: a reason is required")
        if corr.id in seen:
            raise ImportError_(f"correction {corr.id}: duplicated id")
        if (corr.text is None) == (corr.target is None):
            raise ImportError_(f"correction {corr.id}: give either text or target")
        if corr.unit is not None and corr.target is not None:
            raise ImportError_(f"correction {corr.id}: a target names its unit in the target, not in unit")
        seen.add(corr.id)
        out.append(corr)
    return out


def apply_text_corrections(text: str, corrections: list[Correction], report: Report) -> str:
    for corr in corrections:
        if corr.text is None:
            continue
        find, replace = corr.text["find"], corr.text["replace"]
        expected = int(corr.text.get("count", 1))
        found = text.count(find)
        if found != expected:
            raise ImportError_(
                f"correction {corr.id}: expected {expected} occurrence(s) of its text, found {found}"
            )
        text = text.replace(find, replace)
        report.corrections.append(f"{corr.id}: {corr.reason}")
    return text


def _find(items: list[dict[str, Any]], number: str | None, what: str, corr: Correction) -> dict[str, Any]:
    matches = [item for item in items if item.get("number") == number]
    if len(matches) != 1:
        raise ImportError_(f"correction {corr.id}: {what} {number!r} matched {len(matches)} items")
    return matches[0]


def apply_field_corrections(
    qualifications: list[dict[str, Any]], corrections: list[Correction], report: Report
) -> None:
    for corr in corrections:
        if corr.target is None:
            continue
        t = corr.target
        quals = _concerned(qualifications, corr)
        if not quals:
            raise ImportError_(f"correction {corr.id}: its target is in no qualification of this source")
        for qual in quals:
            obj: dict[str, Any] = qual
            unit = outcome = None
            if "unit" in t:
                unit = obj = _find(qual["units"], t["unit"], "unit", corr)
            if "outcome" in t:
                assert unit is not None
                outcome = obj = _find(unit["outcomes"], t["outcome"], "outcome", corr)
            if "criterion" in t:
                assert outcome is not None
                obj = _find(outcome["criteria"], t["criterion"], "criterion", corr)
            if corr.set:
                for key, value in corr.set.items():
                    if key not in obj:
                        raise ImportError_(f"correction {corr.id}: no field {key!r} on its target")
                    obj[key] = value
            if corr.move_to_outcome is not None:
                if "criterion" not in t or unit is None or outcome is None:
                    raise ImportError_(f"correction {corr.id}: only a criterion can be moved")
                dest = _find(unit["outcomes"], corr.move_to_outcome, "outcome", corr)
                outcome["criteria"].remove(obj)
                dest["criteria"].append(obj)
                dest["criteria"].sort(key=_criterion_order)
        report.corrections.append(f"{corr.id}: {corr.reason}")


def _concerned(qualifications: list[dict[str, Any]], corr: Correction) -> list[dict[str, Any]]:
    """The qualifications a correction concerns: the one its target names, else those holding
    its unit (a unit shared by several qualifications of one source is corrected in each),
    else, for a text edit about no unit in particular, every qualification of the source."""
    named = corr.target.get("qualification") if corr.target is not None else None
    unit = corr.unit_number()
    quals = [q for q in qualifications if named in (None, q["number"])]
    if named is None and unit is not None:
        quals = [q for q in quals if any(u["number"] == unit for u in q["units"])]
    return quals


def record_corrections(qualifications: list[dict[str, Any]], corrections: list[Correction]) -> None:
    """Write into each qualification the corrections made in reading it, with their reasons, so
    the catalogue shows every place it departs from what the specification prints. The list
    goes before `units` (the format's key order), and only into a qualification that has one."""
    for corr in corrections:
        if corr.text is not None and corr.unit is not None and not _concerned(qualifications, corr):
            raise ImportError_(f"correction {corr.id}: unit {corr.unit!r} is in no qualification of this source")
    for qual in qualifications:
        entries = [
            {"id": corr.id, "reason": " ".join(corr.reason.split()), "unit": corr.unit_number()}
            for corr in corrections
            if any(q is qual for q in _concerned(qualifications, corr))
        ]
        if entries:
            units = qual.pop("units")
            qual["corrections"] = entries
            qual["units"] = units


def _criterion_order(criterion: dict[str, Any]) -> tuple[int, ...]:
    number = criterion.get("number") or ""
    return tuple(int(p) for p in re.findall(r"\d+", number)) or (10**6,)


# --- parser registry ---------------------------------------------------------

Parser = Callable[[str, Report], list[dict[str, Any]]]


@dataclass(frozen=True)
class Layout:
    """One awarding organisation's specification layout."""

    name: str
    detect: Callable[[str], bool]
    parse: Parser


# --- canonical YAML ------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(qualification: dict[str, Any]) -> str:
    """The canonical text of one qualification: stable key order, no line folding."""
    return yaml.dump(
        qualification, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6
    )
