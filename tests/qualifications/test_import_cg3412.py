"""The City & Guilds 3412 imported unit pack imports into five qualifications.

Expected numbers below were counted by hand from the pack, not taken from the parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.qualifications.importers import base
from apps.qualifications.importers.cg3412 import LAYOUT

SEED = "001_494e434eab8b35fd.txt"
OTHER_SEEDS = [
    "000_7e41e8b106032fbc.txt",
    "002_ad1359643ead675f.txt",
    "003_82ce2c81b55b795d.txt",
    "004_d5658dedb3fd00a3.txt",
]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
NUMBERS = ["600/1244/4", "600/1286/9", "600/1135/X", "600/1136/1", "600/1288/2"]

ALL_UNITS = [str(n) for n in range(208, 230)]
# The pack's tick columns, read by hand: L1 Award, L1 Cert, L2 Cert, L3 Dip, L4 Dip.
UNITS = {
    "600/1244/4": ["218", "226", "227"],
    "600/1286/9": ["218", "226", "227"],
    "600/1135/X": ALL_UNITS,
    "600/1136/1": ["212", "213", "216", "217", "218", "221", "222", "223", "224", "229"],
    "600/1288/2": [],
}

_cache: dict[str, tuple[list[dict[str, Any]], base.Report]] = {}


def run_import(text: str) -> tuple[list[dict[str, Any]], base.Report]:
    """The registry's import path, with this layout only, so other layouts cannot interfere."""
    if text not in _cache:
        report = base.Report(source=SEED, layout=LAYOUT.name)
        corrections = base.load_corrections(SEED)
        corrected = base.apply_text_corrections(text, corrections, report)
        qualifications = LAYOUT.parse(corrected, report)
        base.apply_field_corrections(qualifications, corrections, report)
        base.record_corrections(qualifications, corrections)
        _cache[text] = (qualifications, report)
    return _cache[text]


@pytest.fixture
def imported(seed) -> tuple[dict[str, dict[str, Any]], base.Report]:
    qualifications, report = run_import(seed(SEED))
    return {q["number"]: q for q in qualifications}, report


@pytest.fixture
def quals(imported) -> dict[str, dict[str, Any]]:
    return imported[0]


@pytest.fixture
def warnings(imported) -> list[str]:
    return imported[1].warnings


def unit(qual: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [u for u in qual["units"] if u["number"] == number]
    return found


def outcome(u: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [o for o in u["outcomes"] if o["number"] == number]
    return found


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def fixture_path(number: str) -> Path:
    return FIXTURES / (number.replace("/", "-") + ".yaml")


# --- (a) the committed fixtures ------------------------------------------------------


def test_the_pack_gives_five_qualifications_in_the_order_it_lists_them(quals):
    assert list(quals) == NUMBERS


@pytest.mark.parametrize("number", NUMBERS)
def test_importing_the_pack_reproduces_the_committed_fixture(quals, number):
    assert base.dump_yaml(quals[number]) == fixture_path(number).read_text(encoding="utf-8")


# --- (b) counts counted by hand -----------------------------------------------------------


@pytest.mark.parametrize(
    "number, units, outcomes, criteria, evidence",
    [
        ("600/1244/4", 3, 17, 75, 0),
        ("600/1286/9", 3, 17, 75, 0),
        ("600/1135/X", 22, 82, 446, 59),
        ("600/1136/1", 10, 34, 200, 16),
        ("600/1288/2", 0, 0, 0, 0),
    ],
)
def test_each_qualification_has_the_counts_read_by_hand(quals, number, units, outcomes, criteria, evidence):
    assert base.count(quals[number]) == {
        "units": units, "outcomes": outcomes, "criteria": criteria, "evidence_requirements": evidence,
    }


@pytest.mark.parametrize(
    "number, outcomes, criteria, evidence",
    [
        ("208", [7, 5, 4, 5], 21, 6),
        ("210", [3, 2, 3, 7], 15, 4),
        ("211", [5, 4, 11, 12], 32, 12),
        ("214", [5, 5, 6, 5], 21, 9),
        ("215", [7, 10, 10], 27, 4),
        ("218", [6, 7, 7], 20, 0),
        ("219", [5, 10], 15, 4),
        ("220", [3, 3, 3], 9, 0),
        ("222", [4, 4, 4, 4, 8], 24, 0),
        ("223", [5, 7, 7, 7], 26, 0),
        ("226", [4, 4, 2, 5, 2, 6, 4], 27, 0),
        ("227", [4, 4, 3, 5, 2, 6, 4], 28, 0),
        ("228", [6, 7, 5], 18, 0),
        ("229", [10, 5, 6, 3], 24, 0),
    ],
)
def test_units_have_the_criteria_read_by_hand(quals, number, outcomes, criteria, evidence):
    u = unit(quals["600/1135/X"], number)
    assert [len(o["criteria"]) for o in u["outcomes"]] == outcomes
    assert sum(outcomes) == criteria
    assert len(u["evidence_requirements"]) == evidence


# --- (c) which tick column is which qualification ------------------------------------------------


@pytest.mark.parametrize("number", NUMBERS)
def test_each_qualification_has_the_units_ticked_in_its_column(quals, number):
    assert [u["number"] for u in quals[number]["units"]] == UNITS[number]


def test_the_tick_cells_line_up_with_the_header_by_position(seed):
    # Every row keeps its trailing tabs: 11 cells, ticks in cells 7 to 11.
    lines = seed(SEED).splitlines()
    header = lines[79].split("\t")
    row_218 = lines[92].split("\t")
    row_226 = lines[100].split("\t")
    assert header[6:] == ["L1 Award", "L1 Cert", "L2 Cert", "L3 Dip", "L4 Dip"]
    assert row_218[1] == "218" and row_218[6:] == ["✓", "✓", "✓", "✓", ""]
    assert row_226[1] == "226" and row_226[6:] == ["✓", "✓", "✓", "", ""]


def test_the_level_4_diploma_is_named_by_the_pack_but_has_no_ticked_unit(quals, warnings):
    l4 = quals["600/1288/2"]
    assert (l4["title"], l4["ao_reference"], l4["level"], l4["units"]) == (
        "Level 4 Diploma in Contact Centre Operations", "3412-05", 4, [],
    )
    assert ("qualification 600/1288/2 (Level 4 Diploma in Contact Centre Operations): no unit is ticked "
            "in its column 'L4 Dip'; written with an empty list of units") in warnings
    assert any(w.startswith("qualification 600/1288/2") and "missing from the list of qualifications at line 66"
               in w for w in warnings)


@pytest.mark.parametrize(
    "number, title, reference, level",
    [
        ("600/1244/4", "Level 1 Award in Contact Centre Operations", "3412-01", 1),
        ("600/1286/9", "Level 1 Certificate in Contact Centre Operations", "3412-02", 1),
        ("600/1135/X", "Level 2 Certificate in Contact Centre Operations", "3412-03", 2),
        ("600/1136/1", "Level 3 Diploma in Contact Centre Operations", "3412-04", 3),
    ],
)
def test_qualifications_carry_the_title_reference_and_level_the_pack_prints(quals, number, title, reference, level):
    q = quals[number]
    assert (q["title"], q["ao_reference"], q["level"]) == (title, reference, level)
    assert q["awarding_organisation"] == "City & Guilds"
    assert q["source"] == {"file": SEED, "edition": "April 2013 Version 2.0"}


# --- (c) the rules of combination are not in the pack -------------------------------------------


@pytest.mark.parametrize("number", NUMBERS)
def test_no_rules_are_invented_for_a_pack_without_them(quals, number):
    q = quals[number]
    assert q["rules_in_source"] is False
    assert (q["groups"], q["rules"], q["barred"]) == ([], [], [])
    assert (q["credits"], q["rules_text"], q["glh"], q["tqt"]) == (None, None, None, None)
    assert all(u["group"] is None for u in q["units"])


def test_the_report_says_the_rules_are_missing(warnings):
    assert any(w.startswith("rules of combination: not in this pack") for w in warnings)


# --- (c) units with no opening heading ---------------------------------------------------------


@pytest.mark.parametrize(
    "number, urn, title, line",
    [
        ("210", "H/601/1215", "Process information about customers", 343),
        ("212", "L/601/1225", "Deal with customers using bespoke software", 549),
        ("214", "M/601/1511", "Resolve customer service problems", 725),
        ("219", "L/601/1614", "Follow the rules to deliver customer service", 1194),
        ("222", "A/502/4297", "Using the Internet", 1548),
        ("224", "D/502/4292", "IT communication fundamentals", 1913),
        ("225", "F/502/8559", "Time planning in sales", 1976),
        ("229", "M/502/8606", "Handling objections and closing sales", 2326),
    ],
)
def test_a_unit_without_its_opening_heading_takes_number_and_title_from_its_own_heading(
    quals, warnings, number, urn, title, line
):
    u = unit(quals["600/1135/X"], number)
    assert (u["urn"], u["title"]) == (urn, title)
    assert any(w.startswith(f"unit {number}: no opening heading") and f"at line {line}" in w for w in warnings)


def test_a_unit_without_its_opening_heading_does_not_lose_its_aim_to_the_unit_before(quals):
    q = quals["600/1135/X"]
    assert unit(q, "210")["summary"].startswith("The learner and their organisation need information")
    assert unit(q, "209")["evidence_requirements"][-1]["number"] == "6b"
    assert unit(q, "228")["outcomes"][-1]["criteria"][-1]["text"] == (
        "Input and update sales or marketing information on the database so that it can be accessed "
        "and used to support sales activities in the future"
    )


# --- (c) teaching guidance is not outcomes ------------------------------------------------------


@pytest.mark.parametrize("number, outcomes, headings", [("220", 3, 3), ("221", 2, 2), ("222", 5, 5), ("223", 4, 4)])
def test_teaching_guidance_outcome_headings_do_not_become_outcomes(quals, warnings, number, outcomes, headings):
    u = unit(quals["600/1135/X"], number)
    assert [o["number"] for o in u["outcomes"]] == [str(n) for n in range(1, outcomes + 1)]
    assert (f"unit {number}: teaching guidance repeats {headings} 'Outcome' headings; "
            f"not read as outcomes") in warnings


def test_teaching_guidance_text_is_not_a_criterion(quals):
    texts = list(strings([u["outcomes"] for u in quals["600/1135/X"]["units"]]))
    assert not any("should be able to and understand" in t or "Browser tools" in t for t in texts)
    assert outcome(unit(quals["600/1135/X"], "222"), "5")["criteria"][-1] == {
        "number": "5.8", "text": "explain the importance of the relevant laws affecting Internet users",
    }


# --- (c) GLH contradiction: the correction ----------------------------------------------------------


def test_unit_210_glh_is_corrected_to_the_unit_table_figure(quals, imported, warnings):
    assert unit(quals["600/1135/X"], "210")["glh"] == 33
    assert ("unit 210: GLH 40 on the unit's page but 33 in the unit table (line 83); "
            "the unit's page is kept") in warnings
    (applied,) = imported[1].corrections
    assert applied.startswith("unit-210-glh: Unit 210 Process information about customers (H/601/1215)")


def test_other_glh_figures_are_the_unit_pages(quals):
    q = quals["600/1135/X"]
    assert {n: unit(q, n)["glh"] for n in ("208", "209", "219", "225", "229")} == {
        "208": 33, "209": 40, "219": 30, "225": 13, "229": 22,
    }


# --- (c) damaged numbers, HTML, markdown and spaces ----------------------------------------------


def test_criterion_numbers_printed_with_a_trailing_stop_are_read_as_numbers(quals, warnings):
    criteria = outcome(unit(quals["600/1135/X"], "227"), "3")["criteria"]
    assert [c["number"] for c in criteria] == ["3.1", "3.2", "3.3"]
    assert criteria[1]["text"] == "Use agreed call lists or leads to plan sales calls"
    assert ("unit 227 line 2184: criterion number printed as 3.2. with a trailing full stop; "
            "read as 3.2") in warnings


@pytest.mark.parametrize("number", NUMBERS)
def test_no_html_markdown_or_odd_spaces_reach_a_fixture(quals, number):
    for text in strings(quals[number]):
        assert not any(bad in text for bad in ("<b>", "</b>", "&amp;", "**", "](", "\u00a0", "\t", "  ")), text


def test_units_printed_with_html_attributes_are_read(quals):
    u = unit(quals["600/1135/X"], "220")
    assert (u["level"], u["credits"], u["urn"], u["title"]) == (2, 3, "F/502/4396", "Bespoke software")
    assert unit(quals["600/1135/X"], "224")["assessment"]["notes"] == [
        "See IT User Assessment Strategy available from www.e-skills.com"
    ]


def test_criteria_spaced_with_non_breaking_spaces_read_cleanly(quals):
    assert outcome(unit(quals["600/1135/X"], "208"), "1")["criteria"][0] == {
        "number": "1.1", "text": "meet their organisation's standards of appearance and behaviour",
    }


def test_outcomes_under_a_heading_of_the_wrong_level_are_read(quals):
    u = unit(quals["600/1135/X"], "209")  # outcome 4 is "##", the others "###"
    assert outcome(u, "4")["title"] == "Understand how to promote additional services or products to customers"
    assert outcome(u, "4")["criteria"][-1] == {
        "number": "4.6",
        "text": "state how to give appropriate, balanced information to customers about services or products",
    }


def test_a_section_heading_printed_as_a_paragraph_is_read_and_reported(quals, warnings):
    assert len(unit(quals["600/1135/X"], "225")["outcomes"]) == 3
    assert ("unit 225 line 1978: section heading 'Learning outcomes and assessment criteria' printed as a "
            "paragraph; read as a heading") in warnings


def test_table_titles_that_differ_from_the_unit_page_are_reported(quals, warnings):
    assert unit(quals["600/1135/X"], "213")["title"] == "Maintain customer service through effective handover"
    assert any(w.startswith("unit 213: title") for w in warnings)
    assert any(w.startswith("unit 226: title") for w in warnings)


# --- evidence requirements, assessment and kind ---------------------------------------------------


def test_lettered_evidence_items_a_unit_must_cover_are_evidence_requirements(quals):
    u = unit(quals["600/1135/X"], "208")
    assert [e["number"] for e in u["evidence_requirements"]] == ["5a", "5b", "5c", "5d", "6a", "6b"]
    assert u["evidence_requirements"][1] == {
        "number": "5b",
        "text": "You must provide evidence of creating a positive impression with customers: "
                "during a busy time in your job",
    }


def test_a_may_list_of_evidence_is_an_assessment_note_not_a_requirement(quals):
    u = unit(quals["600/1244/4"], "218")
    assert u["evidence_requirements"] == []
    assert u["assessment"]["notes"][-1] == (
        "The information sources and learning materials referred to in your evidence may be any or all "
        "of the following: paper based; on-line or other electronic media; structured discussions."
    )


def test_customer_service_units_forbid_simulation_and_allow_a_realistic_environment(quals):
    q = quals["600/1135/X"]
    for number in [str(n) for n in range(208, 220)]:
        assessment = unit(q, number)["assessment"]
        assert (assessment["simulation_allowed"], assessment["workplace_evidence_required"]) == (False, False)
    for number in [str(n) for n in range(220, 230)]:
        assessment = unit(q, number)["assessment"]
        assert (assessment["simulation_allowed"], assessment["workplace_evidence_required"]) == (None, None)


def test_it_user_assessment_methods_stay_one_note(quals):
    assert unit(quals["600/1135/X"], "220")["assessment"]["notes"] == [
        "This unit will be assessed by: an assignment; portfolio of evidence – classroom or work based; "
        "professional discussion; expert witness; scenario"
    ]


def test_every_unit_of_the_nvq_pack_is_a_competence_unit(quals):
    assert {u["kind"] for u in quals["600/1135/X"]["units"]} == {"competence"}


def test_shared_units_are_identical_in_every_qualification(quals):
    for number in ("218", "226", "227"):
        assert unit(quals["600/1244/4"], number) == unit(quals["600/1135/X"], number)
    # The GLH correction targets only the Level 2 Certificate, the one qualification with unit 210.
    assert all(u["number"] != "210" for n in NUMBERS if n != "600/1135/X" for u in quals[n]["units"])


# --- (d) detection -------------------------------------------------------------------------------


def test_detect_recognises_this_pack(seed):
    assert LAYOUT.detect(seed(SEED))


@pytest.mark.parametrize("name", OTHER_SEEDS)
def test_detect_rejects_the_other_specifications(seed, name):
    assert not LAYOUT.detect(seed(name))


def test_the_registry_picks_this_layout_for_the_pack(seed):
    from apps.qualifications.importers import detect

    assert detect(seed(SEED)).name == "cg3412"


# --- (e) the schema ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", NUMBERS)
def test_each_committed_fixture_validates_against_the_schema(number):
    from apps.qualifications.schema import validate

    data = yaml.safe_load(fixture_path(number).read_text(encoding="utf-8"))
    assert validate(data) == []


def test_an_outcome_title_the_pack_prints_twice_is_kept_as_printed(quals):
    # Unit 227 is the outbound unit, yet its list and its heading both say "inbound" for
    # outcome 3; the pack is consistent with itself, so nothing is changed (see the report).
    title = outcome(unit(quals["600/1135/X"], "227"), "3")["title"]
    assert title == "Be able to prepare for the inbound telephone sales call"
