"""The canonical qualification format's JSON Schema and a validator with readable messages.

`validate(data)` checks one qualification dict (as loaded from a catalogue YAML file or
produced by an importer) against `qualification.schema.json`, then checks what JSON
Schema cannot express: unit numbers, group ids and correction ids are unique and every
reference to a group or unit points at one that exists. Pure Python, no Django.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parent / "qualification.schema.json"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(data: dict[str, Any]) -> list[str]:
    """Every problem with one canonical qualification dict, as readable messages ([] if valid)."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    messages = [f"{_where(data, e.absolute_path)}: {_message(e)}" for e in errors]
    if not messages:
        # References are only worth checking once the shape is right.
        messages = _reference_problems(data)
    return messages


# --- message formatting ----------------------------------------------------------


def _where(data: Any, path: Iterable[Any]) -> str:
    """A path such as units[3] (unit '07').outcomes[0].title; the root is 'qualification'."""
    out, node = "", data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and node.get("number") is not None and "urn" in node:
                out += f" (unit {node['number']!r})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "qualification"


def _message(error: ValidationError) -> str:
    if isinstance(error.instance, (datetime.date, datetime.datetime)):
        # YAML reads an unquoted 2015-11-01 as a date; the format wants the string.
        return f"{error.instance.isoformat()} must be a quoted string ('{error.instance.isoformat()}')"
    if error.validator == "anyOf" and error.context and all(e.validator == "required" for e in error.context):
        # e.g. a rule with neither min nor max
        needed = sorted({str(e.validator_value[0]) for e in error.context})
        return f"needs {' and/or '.join(needed)}"
    if error.validator in ("pattern", "format") and isinstance(error.schema, dict):
        described = error.schema.get("description")
        if described:
            return f"{error.instance!r} is not {described}"
    return error.message


# --- checks JSON Schema cannot express -------------------------------------------


def _duplicates(values: Iterable[Any]) -> list[Any]:
    return [value for value, n in Counter(values).items() if n > 1]


def _reference_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    group_ids = [g["id"] for g in data["groups"]]
    unit_numbers = [u["number"] for u in data["units"]]
    for gid in _duplicates(group_ids):
        problems.append(f"groups: group id {gid!r} is used more than once")
    for number in _duplicates(unit_numbers):
        problems.append(f"units: unit number {number!r} is used more than once (it is the unit's key)")
    for i, unit in enumerate(data["units"]):
        if unit["group"] is not None and unit["group"] not in group_ids:
            problems.append(f"units[{i}] (unit {unit['number']!r}).group: no group {unit['group']!r} in groups")
    for i, rule in enumerate(data["rules"]):
        for gid in rule.get("groups") or []:
            if gid not in group_ids:
                problems.append(f"rules[{i}].groups: no group {gid!r} in groups")
        if "min" in rule and "max" in rule and rule["min"] > rule["max"]:
            problems.append(f"rules[{i}]: min {rule['min']} is more than max {rule['max']}")
    for i, barred in enumerate(data["barred"]):
        for number in barred["units"]:
            if number not in unit_numbers:
                problems.append(f"barred[{i}].units: no unit {number!r} in units")
    corrections = data.get("corrections", [])
    for cid in _duplicates(c["id"] for c in corrections):
        problems.append(f"corrections: correction id {cid!r} is used more than once")
    for i, correction in enumerate(corrections):
        if correction["unit"] is not None and correction["unit"] not in unit_numbers:
            problems.append(f"corrections[{i}].unit: no unit {correction['unit']!r} in units")
    glh = data["glh"]
    if glh is not None and glh["min"] > glh["max"]:
        problems.append(f"glh: min {glh['min']} is more than max {glh['max']}")
    if not data["rules_in_source"] and (data["rules"] or data["barred"]):
        problems.append("rules: rules_in_source is false, so rules and barred must be empty")
    return problems


__all__ = ["SCHEMA_PATH", "schema", "validate"]
