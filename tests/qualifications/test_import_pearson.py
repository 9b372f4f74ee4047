"""The Pearson BTEC importer against its specification, 004_d5658dedb3fd00a3.txt.

Expected counts below were taken by reading the specification, not from the parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.qualifications.importers import base, pearson

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "qualifications" / "600-9662-7.yaml"
SEED = "004_d5658dedb3fd00a3.txt"
OTHER_SEEDS = [
    "000_7e41e8b106032fbc.txt",
    "001_494e434eab8b35fd.txt",
    "002_ad1359643ead675f.txt",
    "003_82ce2c81b55b795d.txt",
]


def run(text: str, *, corrections: bool = True) -> tuple[dict[str, Any], base.Report]:
    """The steps of importers.import_text, with this layout only (so other layouts cannot interfere)."""
    report = base.Report(source=SEED, layout=pearson.LAYOUT.name)
    fixes = base.load_corrections(SEED) if corrections else []
    text = base.apply_text_corrections(text, fixes, report)
    qualifications = pearson.LAYOUT.parse(text, report)
    base.apply_field_corrections(qualifications, fixes, report)
    base.record_corrections(qualifications, fixes)
    assert len(qualifications) == 1
    return qualifications[0], report


_IMPORTED: dict[str, tuple[dict[str, Any], base.Report]] = {}


@pytest.fixture
def imported(seed) -> tuple[dict[str, Any], base.Report]:
    """One import shared by the tests that only read it (parsing takes a moment)."""
    text = seed(SEED)
    if text not in _IMPORTED:
        _IMPORTED[text] = run(text)
    return _IMPORTED[text]


@pytest.fixture
def qual(imported) -> dict[str, Any]:
    return imported[0]


@pytest.fixture
def warnings(imported) -> list[str]:
    return imported[1].warnings


def unit(qual: dict[str, Any], number: str) -> dict[str, Any]:
    [found] = [u for u in qual["units"] if u["number"] == number]
    return found


def outcome(qual: dict[str, Any], unit_number: str, number: str) -> dict[str, Any]:
    [found] = [o for o in unit(qual, unit_number)["outcomes"] if o["number"] == number]
    return found


def criteria_numbers(qual: dict[str, Any], unit_number: str, outcome_number: str) -> list[str | None]:
    return [c["number"] for c in outcome(qual, unit_number, outcome_number)["criteria"]]


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return []


# --- (a) the committed fixture ------------------------------------------------------


def test_import_reproduces_the_committed_fixture_byte_for_byte(qual):
    assert base.dump_yaml(qual) == FIXTURE.read_text(encoding="utf-8")


def test_the_registry_picks_this_layout_and_gives_the_same_result(seed):
    from apps.qualifications import importers

    try:
        importers.layouts()
    except ModuleNotFoundError as exc:  # another layout's module is not written yet
        pytest.skip(f"importer registry incomplete: {exc}")
    qualifications, report = importers.import_text(seed(SEED), SEED)
    assert report.layout == "pearson"
    assert [base.dump_yaml(q) for q in qualifications] == [FIXTURE.read_text(encoding="utf-8")]


# --- (b) counts read by hand -----------------------------------------------------------


def test_qualification_counts(qual):
    assert base.count(qual) == {"units": 47, "outcomes": 184, "criteria": 736, "evidence_requirements": 0}


@pytest.mark.parametrize(
    ("number", "per_outcome"),
    [
        ("1", [6, 4, 4, 3, 2]),
        ("2", [4, 4, 4, 7, 5]),
        ("4", [1, 3]),
        ("20", [2, 2, 3]),
        ("32", [4, 10, 4, 2, 3, 8, 5, 2]),
        ("34", [1, 1, 4, 3, 3, 3, 4, 3, 1, 3]),
        ("36", [7, 2, 10, 6, 3]),
        ("39", [4, 6, 4]),
        ("47", [4, 4]),
    ],
)
def test_criteria_per_outcome_of_several_units(qual, number, per_outcome):
    assert [len(o["criteria"]) for o in unit(qual, number)["outcomes"]] == per_outcome


def test_units_are_numbered_1_to_47_in_printed_order(qual):
    assert [u["number"] for u in qual["units"]] == [str(n) for n in range(1, 48)]


# --- qualification header, groups and rules --------------------------------------------


def test_qualification_header(qual):
    assert qual["number"] == "600/9662/7"
    assert qual["title"] == "Pearson BTEC Level 3 Diploma in Employment Related Services (QCF)"
    assert qual["awarding_organisation"] == "Pearson"
    assert (qual["level"], qual["credits"], qual["glh"], qual["tqt"]) == (3, 37, {"min": 159, "max": 245}, None)
    assert qual["dates"]["operational_start"] == "2014-08-01"
    assert qual["source"] == {"file": SEED, "edition": "March 2014"}


def test_rules_are_the_printed_minimum_only(qual):
    # The source prints a 37-credit minimum and the mandatory/optional tables: no
    # credits-at-level rule, no group minimum, no barred units.
    assert qual["rules"] == [{"type": "credits", "groups": None, "min": 37}]
    assert qual["barred"] == []
    assert qual["rules_text"] == (
        "The learner will need to meet the requirements outlined in the table below before Pearson can"
        " award the qualification. Minimum number of credits that must be achieved 37"
    )


def test_mandatory_and_optional_groups(qual, warnings):
    assert qual["groups"] == [
        {"id": "A", "title": "Mandatory units", "mandatory": True},
        {"id": "B", "title": "Optional units", "mandatory": False},
    ]
    groups = {u["number"]: u["group"] for u in qual["units"]}
    assert [n for n, g in groups.items() if g == "A"] == ["1", "2", "3", "4"]
    assert sum(1 for g in groups.values() if g == "B") == 43
    # The optional table is repeated over two page breaks; it is one group.
    assert sum("'Optional units' repeated after a page break" in w for w in warnings) == 2


# --- (c) traps ------------------------------------------------------------------------


def test_criterion_on_the_wrong_row_is_moved_by_its_correction(qual, imported):
    report = imported[1]
    assert criteria_numbers(qual, "20", "2") == ["2.1", "2.2"]
    assert outcome(qual, "20", "2")["criteria"][1]["text"] == "Provide suitable feedback to the clients."
    assert "2.2" not in criteria_numbers(qual, "20", "3")
    assert [c.split(":")[0] for c in report.corrections] == ["unit-20-criterion-2.2-on-outcome-3-row", "unit-38-glh"]


def test_without_the_correction_the_criterion_stays_where_printed_and_is_reported(seed):
    qual, report = run(seed(SEED), corrections=False)
    assert criteria_numbers(qual, "20", "3") == ["2.2", "3.1", "3.2", "3.2"]
    assert "unit 20, outcome 3: criterion 2.2 is printed on this outcome's row" in report.warnings


def test_duplicated_number_is_kept_as_printed_with_a_warning(qual, warnings):
    assert criteria_numbers(qual, "20", "3") == ["3.1", "3.2", "3.2"]
    assert [c["text"] for c in outcome(qual, "20", "3")["criteria"][1:]] == [
        "Identify the methods that were most effective.",
        "Review the suitability of the methods used by the clients.",
    ]
    assert "unit 20, outcome 3: criterion number 3.2 is printed twice; both kept as printed" in warnings


def test_gap_in_numbering_is_kept_with_a_warning(qual, warnings):
    assert criteria_numbers(qual, "36", "3") == [
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.8", "3.9", "3.10", "3.11"
    ]
    assert "unit 36, outcome 3: criterion numbering jumps to 3.8 (expected 3.7)" in warnings


def test_unit_page_and_structure_table_disagreeing_is_reported(qual, warnings):
    assert unit(qual, "38")["glh"] == 22
    assert any(w.startswith("unit 38: glh is 22 on the unit's page but 32 in the structure table") for w in warnings)


def test_titles_printed_over_several_lines_in_bold_are_joined(qual):
    assert unit(qual, "9")["title"] == "Establish communication with clients for advice and guidance"
    assert unit(qual, "35")["title"] == "Preparing and delivering a sales presentation"
    assert unit(qual, "38")["title"] == "Negotiating, handling objections and closing sales"


def test_heading_printed_as_a_table(qual):
    found = unit(qual, "3")
    assert (found["title"], found["urn"], found["level"], found["credits"], found["glh"]) == (
        "Manage own professional development within an organisation", "L/600/9586", 3, 4, 20
    )


def test_every_unit_has_its_own_title_and_reference_number(qual):
    # No untitled unit, shared title or shared reference number occurs in this specification.
    titles = [u["title"] for u in qual["units"]]
    urns = [u["urn"] for u in qual["units"]]
    assert all(titles) and len(set(titles)) == 47
    assert len(set(urns)) == 47
    assert unit(qual, "23")["title"] == "Develop working relationships with colleagues"
    assert unit(qual, "24")["title"] == "Develop working relationships with colleagues and stakeholders"


def test_unit_amplification_never_becomes_a_criterion(qual):
    texts = [c["text"] for u in qual["units"] for o in u["outcomes"] for c in o["criteria"]]
    assert not [t for t in texts if "checkbox" in t or "Role of the sector to find employment" in t]
    # Criterion and amplification in one cell: only the criterion is kept.
    assert outcome(qual, "1", "5")["criteria"][0]["text"] == (
        "Identify specific improvements that could be made to the service delivery as a result of"
        " labour market information."
    )
    assert outcome(qual, "4", "1")["criteria"] == [
        {
            "number": "1.1",
            "text": "Monitor the operational compliance of procedures in meeting legal, regulatory,"
            " ethical and social requirements.",
        }
    ]


def test_teaching_guidance_does_not_become_outcomes(qual):
    titles = [o["title"] for u in qual["units"] for o in u["outcomes"]]
    assert not [t for t in titles if t.startswith(("Learning outcome", "Delivery", "Assessment"))]
    assert [o["number"] for o in unit(qual, "1")["outcomes"]] == ["1", "2", "3", "4", "5"]


def test_bulleted_criterion_is_one_criterion_in_plain_words(qual):
    assert outcome(qual, "1", "3")["criteria"][1] == {
        "number": "3.2",
        "text": "Explain how to ensure compliance with industry standards for: Ethical conduct; Effective practice",
    }


def test_number_and_text_in_one_cell(qual):
    assert outcome(qual, "1", "2")["criteria"][2] == {"number": "2.3", "text": "Describe services delivered in the sector."}
    assert outcome(qual, "39", "3")["title"] == "Be able to prospect for customers."


def test_no_html_markdown_or_odd_spaces_anywhere(qual):
    bad = [s for s in strings(qual) if any(m in s for m in ("<", ">", "**", "\u00a0", "\t", "  ", "•"))]
    assert bad == []


# --- kind and assessment ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "kind"),
    [("1", "knowledge"), ("2", "knowledge"), ("3", "competence"), ("5", "competence"), ("41", "competence"),
     ("47", "knowledge")],
)
def test_kind(qual, number, kind):
    assert unit(qual, number)["kind"] == kind


def test_assessment_requirements_of_a_competence_unit(qual):
    assessment = unit(qual, "41")["assessment"]
    assert assessment["simulation_allowed"] is False
    assert assessment["workplace_evidence_required"] is True
    assert assessment["notes"] == [
        "This unit assesses occupational competence. Evidence for learning outcomes 2, 3 and 4 must come"
        " from performance in the work environment. Simulations, projects or assignments are not allowed."
    ]


def test_unit_without_assessment_statement(qual):
    assert unit(qual, "5")["assessment"] == {
        "simulation_allowed": None, "workplace_evidence_required": None, "notes": []
    }
    assert unit(qual, "5")["evidence_requirements"] == []


# --- (d) detection ---------------------------------------------------------------------


def test_detects_this_specification(seed):
    assert pearson.detect(seed(SEED))


@pytest.mark.parametrize("name", OTHER_SEEDS)
def test_does_not_detect_other_specifications(seed, name):
    assert not pearson.detect(seed(name))


# --- (e) schema -------------------------------------------------------------------------


def test_fixture_validates_against_the_schema():
    schema = pytest.importorskip("apps.qualifications.schema")
    assert schema.validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))) == []


def test_corrections_file_gives_a_reason_for_each_entry():
    corrections = base.load_corrections(SEED)
    assert [c.id for c in corrections] == ["unit-20-criterion-2.2-on-outcome-3-row", "unit-38-glh"]
    assert all(len(c.reason) > 40 for c in corrections)
