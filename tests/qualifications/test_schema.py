"""The catalogue schema accepts the documented format and names what is wrong otherwise."""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.qualifications.schema import schema, validate

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalogue-format.md"


def unit(number: str, urn: str, group: str | None, credits: int = 3, level: int = 2) -> dict[str, Any]:
    return {
        "number": number,
        "urn": urn,
        "title": f"Unit {number} title",
        "level": level,
        "credits": credits,
        "glh": 10,
        "group": group,
        "kind": "competence",
        "summary": None,
        "assessment": {"simulation_allowed": None, "workplace_evidence_required": True, "notes": []},
        "evidence_requirements": [{"number": "1", "text": "busy and quiet periods"}],
        "outcomes": [
            {
                "number": "1",
                "title": "Be able to assess personal effectiveness",
                "criteria": [
                    {"number": "1.1", "text": "Identify strengths"},
                    {"number": None, "text": "A criterion printed without a number"},
                ],
            }
        ],
    }


def qualification() -> dict[str, Any]:
    return {
        "format": "attest.qualification/1",
        "number": "600/1257/2",
        "title": "NCFE Level 2 NVQ Certificate in Contact Centre Operations",
        "awarding_organisation": "NCFE",
        "ao_reference": None,
        "level": 2,
        "credits": 28,
        "glh": {"min": 93, "max": 130},
        "tqt": None,
        "dates": {
            "operational_start": "2011-09-01",
            "operational_end": None,
            "registration_end": None,
            "certification_end": None,
        },
        "source": {"file": "000_7e41e8b106032fbc.txt", "edition": "Issue 1 November 2015"},
        "rules_in_source": True,
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": "Learners must achieve 28 credits.\nGroup A is mandatory.",
        "groups": [
            {"id": "A", "title": "Group A mandatory units", "mandatory": True},
            {"id": "B", "title": "Group B optional units", "mandatory": False},
        ],
        "rules": [
            {"type": "credits", "groups": None, "min": 28},
            {"type": "credits", "groups": ["B"], "min": 12, "max": 20},
            {"type": "units", "groups": ["A"], "min": 2},
            {"type": "credits_at_level", "level": 2, "min": 15},
        ],
        "barred": [{"units": ["13", "16"], "text": "Unit 13 is barred against unit 16"}],
        "units": [
            unit("01", "T/503/0342", "A"),
            unit("02", "A/503/0343", "A"),
            unit("13", "J/502/4299", "B"),
            unit("16", "M/502/4300", "B"),
            unit("40", "M/502/4300", None),  # a URN may repeat within a file
        ],
    }


def test_schema_is_draft_2020_12() -> None:
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_valid_qualification_has_no_errors() -> None:
    assert validate(qualification()) == []


def test_documented_example_has_the_documented_shape() -> None:
    # The example in the format document is an excerpt (one group, one unit), so only
    # its references may fail; its shape must match the schema exactly.
    block = re.search(r"```yaml\n(format:.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/catalogue-format.md has no example"
    data = yaml.safe_load(block.group(1))
    data["groups"].append({"id": "B", "title": "Group B", "mandatory": False})
    for number in ("13", "16"):
        data["units"].append({**copy.deepcopy(data["units"][0]), "number": number})
    assert validate(data) == []


def test_rules_in_source_false_with_no_rules_is_valid() -> None:
    data = qualification()
    data.update(rules_in_source=False, rules=[], barred=[], rules_text=None, credits=None, glh=None)
    assert validate(data) == []


REMOVE = object()


def broken(path: str, value: Any) -> dict[str, Any]:
    """The valid qualification with one value replaced (value REMOVE deletes the key)."""
    data = qualification()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = data
    for part in parents:
        node = node[part]
    if value is REMOVE:
        del node[last]
    else:
        node[last] = value
    return data



@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("format", "attest.qualification/2", "format: 'attest.qualification/1' was expected"),
        ("number", "600/1257", "number: '600/1257' is not an Ofqual / QCF qualification number"),
        ("ao_reference", REMOVE, "qualification: 'ao_reference' is a required property"),
        ("awarding_organisation", "OCR", "awarding_organisation: 'OCR' is not one of"),
        ("credits", "28", "credits: '28' is not of type 'integer', 'null'"),
        ("extra", 1, "Additional properties are not allowed ('extra' was unexpected)"),
        ("dates.operational_start", "1 Sept 2011", "dates.operational_start: '1 Sept 2011' is not an ISO date"),
        ("dates.operational_start", datetime.date(2011, 9, 1), "must be a quoted string ('2011-09-01')"),
        ("interpretation.level_credits", "above", "interpretation.level_credits: 'above' is not one of"),
        ("interpretation.group_maximum", REMOVE, "'group_maximum' is a required property"),
        ("rules.0.type", "level", "rules[0].type: 'level' is not one of"),
        ("rules.1", {"type": "credits", "groups": ["B"]}, "rules[1]: needs max and/or min"),
        ("rules.3", {"type": "credits_at_level", "min": 15}, "rules[3]: 'level' is a required property"),
        ("rules.2.groups", [], "rules[2].groups: [] should be non-empty"),
        ("barred.0.units", ["13"], "barred[0].units: ['13'] is too short"),
        ("units.0.number", 1, "units[0] (unit 1).number: 1 is not of type 'string'"),
        ("units.0.urn", "T/503/342", "units[0] (unit '01').urn: 'T/503/342' is not a unit reference number"),
        ("units.0.group", 1, "units[0] (unit '01').group: 1 is not of type 'string', 'null'"),
        ("units.0.kind", "skills", "units[0] (unit '01').kind: 'skills' is not one of"),
        ("units.0.title", "Improve\u00a0effectiveness", "units[0] (unit '01').title: 'Improve\\xa0effectiveness' is not one line of plain text"),
        ("units.0.title", "Improve <b>personal</b> effectiveness", "is not one line of plain text"),
        ("units.0.title", "Improve  effectiveness", "is not one line of plain text"),
        ("units.0.title", " Improve", "is not one line of plain text"),
        ("units.0.outcomes.0.number", 1, "units[0] (unit '01').outcomes[0].number: 1 is not of type 'string'"),
        ("units.0.outcomes.0.criteria.0.number", 1.1, "criteria[0].number: 1.1 is not of type 'string', 'null'"),
        ("units.0.outcomes.0.criteria.0.extra", "x", "criteria[0]: Additional properties are not allowed"),
        ("units.0.assessment.notes", ["ok", "a\u00a0b"], "assessment.notes[1]: 'a\\xa0b' is not plain text"),
        ("units.0.group", "Z", "units[0] (unit '01').group: no group 'Z' in groups"),
        ("units.1.number", "01", "units: unit number '01' is used more than once"),
        ("rules.1.groups", ["C"], "rules[1].groups: no group 'C' in groups"),
        ("rules.1.min", 30, "rules[1]: min 30 is more than max 20"),
        ("barred.0.units", ["13", "99"], "barred[0].units: no unit '99' in units"),
        ("rules_in_source", False, "rules_in_source is false, so rules and barred must be empty"),
    ],
)
def test_invalid_qualification_is_reported_readably(path: str, value: Any, expected: str) -> None:
    errors = validate(broken(path, value))
    assert any(expected in error for error in errors), errors


def test_long_text_may_span_lines_but_a_title_may_not() -> None:
    assert validate(broken("rules_text", "Line one.\nLine two.")) == []
    assert validate(broken("title", "Line one.\nLine two."))
