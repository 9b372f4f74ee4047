"""The SFJ Awards importer reads the Level 3 Diploma in Customer Service (601/5051/8).

Expected numbers below were counted by hand from the specification, not from the parser.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.qualifications.importers import Report, count, dump_yaml, import_text, sfj
from apps.qualifications.importers.__main__ import fixture_name

SEED = "003_82ce2c81b55b795d.txt"
OTHER_SEEDS = [
    "000_7e41e8b106032fbc.txt",
    "001_494e434eab8b35fd.txt",
    "002_ad1359643ead675f.txt",
    "004_d5658dedb3fd00a3.txt",
]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
FIXTURE = FIXTURES / "601-5051-8.yaml"


@lru_cache(maxsize=1)
def _imported(text: str) -> tuple[list[dict[str, Any]], Report]:
    return import_text(text, SEED)


@lru_cache(maxsize=1)
def _raw(text: str) -> tuple[list[dict[str, Any]], Report]:
    """The parser alone, on the source as printed: no corrections applied."""
    report = Report(source=SEED)
    return sfj.parse(text, report), report


@pytest.fixture
def imported(seed: Any) -> tuple[dict[str, Any], Report]:
    qualifications, report = _imported(seed(SEED))
    assert len(qualifications) == 1
    return qualifications[0], report


@pytest.fixture
def qual(imported: tuple[dict[str, Any], Report]) -> dict[str, Any]:
    return imported[0]


@pytest.fixture
def report(imported: tuple[dict[str, Any], Report]) -> Report:
    return imported[1]


@pytest.fixture
def raw(seed: Any) -> tuple[dict[str, Any], Report]:
    qualifications, report = _raw(seed(SEED))
    return qualifications[0], report


def unit(qualification: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [u for u in qualification["units"] if u["number"] == number]
    return found


def outcome(qualification: dict[str, Any], unit_number: str, number: str) -> dict[str, Any]:
    (found,) = [o for o in unit(qualification, unit_number)["outcomes"] if o["number"] == number]
    return found


def criteria(qualification: dict[str, Any], unit_number: str, outcome_number: str) -> dict[str | None, str]:
    return {c["number"]: c["text"] for c in outcome(qualification, unit_number, outcome_number)["criteria"]}


def warned(report: Report, *fragments: str) -> list[str]:
    return [w for w in report.warnings if all(f in w for f in fragments)]


def corrected(report: Report, correction_id: str) -> bool:
    return any(c.startswith(correction_id + ":") for c in report.corrections)


# --- (a) the committed fixture is what the importer writes ---------------------------


def test_importing_the_specification_reproduces_the_committed_fixture(imported):
    qual, _ = imported
    assert fixture_name(qual["number"]) == FIXTURE.name
    assert dump_yaml(qual) == FIXTURE.read_text(encoding="utf-8")


# --- (b) counts checked by hand ----------------------------------------------------


def test_the_qualification_has_45_units_130_outcomes_and_617_criteria(qual):
    assert count(qual) == {"units": 45, "outcomes": 130, "criteria": 617, "evidence_requirements": 0}


@pytest.mark.parametrize(
    "number, criteria_per_outcome",
    [
        ("1", [6, 6, 4]),
        ("2", [5, 3, 6, 2]),
        ("4", [4, 5, 3, 2, 5]),
        ("6", [5, 6, 3]),
        ("10", [9, 3, 3, 4]),
        ("12", [6, 10]),
        ("26", [6, 6, 5]),
        ("34", [6, 3, 5, 4, 4]),
        ("35", [4, 2, 3, 6]),
        ("38", [8, 3, 5, 6]),
        ("40", [6, 5, 3, 2]),
        ("43", [6, 4]),
        ("45", [2, 3, 4]),
    ],
)
def test_unit_outcome_and_criterion_counts(qual, number, criteria_per_outcome):
    found = unit(qual, number)
    assert [o["number"] for o in found["outcomes"]] == [str(i + 1) for i in range(len(criteria_per_outcome))]
    assert [len(o["criteria"]) for o in found["outcomes"]] == criteria_per_outcome


def test_units_are_numbered_1_to_45_in_printed_order(qual):
    assert [u["number"] for u in qual["units"]] == [str(i) for i in range(1, 46)]


def test_qualification_facts(qual):
    assert qual["number"] == "601/5051/8"
    assert qual["title"] == "SFJ Awards Level 3 Diploma in Customer Service"
    assert qual["awarding_organisation"] == "SFJ Awards"
    assert qual["ao_reference"] is None
    assert qual["level"] == 3
    assert qual["credits"] == 55
    assert qual["glh"] == {"min": 289, "max": 375}
    assert qual["tqt"] is None
    assert qual["source"] == {"file": SEED, "edition": "V3.0 updated August 2022"}
    assert qual["rules_in_source"] is True
    assert qual["barred"] == []


def test_withdrawal_dates_are_read_and_unprinted_dates_stay_null(qual, report):
    assert qual["dates"] == {
        "operational_start": None,
        "operational_end": None,
        "registration_end": "2022-09-30",
        "certification_end": "2023-09-30",
    }
    assert warned(report, "no operational start or end date")


def test_rules_of_combination(qual):
    assert qual["rules_text"] == (
        "To achieve this qualification learners must achieve a minimum of 55 credits: 31 credits from "
        "the Mandatory Group and a minimum of 15 credits from Optional Group A. A maximum of 9 credits "
        "can come from Optional Group B."
    )
    assert qual["groups"] == [
        {"id": "M", "title": "Mandatory Group", "mandatory": True},
        {"id": "A", "title": "Optional Group A", "mandatory": False},
        {"id": "B", "title": "Optional Group B", "mandatory": False},
    ]
    assert qual["rules"] == [
        {"type": "credits", "groups": None, "min": 55},
        {"type": "credits", "groups": ["M"], "min": 31},
        {"type": "credits", "groups": ["A"], "min": 15},
        {"type": "credits", "groups": ["B"], "max": 9},
    ]
    assert qual["interpretation"] == {"level_credits": "at_or_above", "group_maximum": "cap"}


def test_group_membership_follows_the_structure_table(qual):
    groups = {u["number"]: u["group"] for u in qual["units"]}
    assert [n for n, g in groups.items() if g == "M"] == ["1", "2", "3", "4", "5", "6"]
    assert [n for n, g in groups.items() if g == "A"] == [str(i) for i in range(7, 29)]
    assert [n for n, g in groups.items() if g == "B"] == [str(i) for i in range(29, 46)]
    # The mandatory group's credits are the 31 the rules ask for.
    assert sum(u["credits"] for u in qual["units"] if u["group"] == "M") == 31


def test_unit_facts(qual):
    first = unit(qual, "1")
    assert (first["urn"], first["title"], first["level"], first["credits"], first["glh"]) == (
        "L/506/2150",
        "Organise and deliver customer service",
        3,
        5,
        27,
    )
    assert first["summary"].startswith("This unit aims to develop the knowledge and skills required to organise")
    assert (unit(qual, "22")["level"], unit(qual, "22")["credits"]) == (4, 4)
    assert (unit(qual, "38")["urn"], unit(qual, "38")["glh"]) == ("D/503/0397", 8)


# --- kind and assessment -------------------------------------------------------------


@pytest.mark.parametrize(
    "number, kind, simulation, workplace",
    [
        ("1", "competence", False, True),  # "Simulation is not allowed for any performance evidence"
        ("2", "knowledge", None, None),  # "This is a knowledge-based unit"; no simulation section
        ("37", "competence", False, True),  # "Simulation is not allowed for any part of this unit"
        ("34", "competence", True, True),  # sales units: simulation in a realistic working environment
        ("43", "knowledge", None, None),
        ("45", "competence", None, False),  # "does not have to come from a traditional workplace setting"
    ],
)
def test_kind_and_assessment_flags(qual, number, kind, simulation, workplace):
    found = unit(qual, number)
    assert found["kind"] == kind
    assert found["assessment"]["simulation_allowed"] is simulation
    assert found["assessment"]["workplace_evidence_required"] is workplace


def test_assessment_notes_are_the_requirements_not_the_amplification(qual):
    notes = unit(qual, "2")["assessment"]["notes"]
    assert notes[0].startswith("This is a knowledge-based unit and assessment is by portfolio.")
    assert notes[1].endswith(
        "including: Question and answer test; Multiple choice questions; "
        "Question and answer verbal (ensure records are kept); Essay; Other"
    )
    assert len(notes) == 2
    every_note = [n for u in qual["units"] for n in u["assessment"]["notes"]]
    assert not [n for n in every_note if n.startswith("For Assessment Criteri") or n.startswith("For Learning Outcome")]


def test_a_sales_unit_that_asks_for_both_workplace_and_simulation_is_reported(report):
    assert warned(report, "unit 34:", "allows simulation")


def test_a_note_pointing_at_the_wrong_appendix_is_reported(report):
    assert warned(report, "unit 44:", "Appendix C")


# --- (c) traps -----------------------------------------------------------------------


def test_criterion_on_the_wrong_outcome_row_is_detected_and_moved_by_correction(qual, report, raw):
    text = "Evaluate the extent to which existing organisational structures and processes are capable of delivering the strategy"
    # As printed, 2.6 sits on outcome 3's row and the parser keeps it there, with a warning.
    raw_qual, raw_report = raw
    assert criteria(raw_qual, "26", "3")["2.6"] == text
    assert warned(raw_report, "unit 26, outcome 3: criterion 2.6 is printed on outcome 3's row")
    # The correction moves it to outcome 2, after 2.5.
    assert list(criteria(qual, "26", "2")) == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert criteria(qual, "26", "2")["2.6"] == text
    assert list(criteria(qual, "26", "3")) == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert corrected(report, "unit-26-criterion-2.6-on-outcome-3-row")
    assert warned(report, "criterion 2.6 is printed on outcome 3's row")


def test_unit_without_a_title_gets_it_from_the_correction(qual, report, raw):
    raw_qual, _ = raw
    assert unit(raw_qual, "4")["title"] is None
    assert unit(qual, "4")["title"] == "Principles of business"
    assert unit(qual, "4")["urn"] == "D/506/1942"
    assert warned(report, "unit 4 (D/506/1942): the heading prints no title", "'Principles of business'")
    assert corrected(report, "unit-04-title")


def test_split_group_headings_are_read_and_reported(report):
    assert warned(report, "line 207:", "'Option nal Group B'", "read as group 'B'")
    assert warned(report, "line 176:", "'Manda atory Group'", "read as group 'M'")
    assert warned(report, "line 183:", "'Option Optional Group A'", "read as group 'A'")


def test_misprinted_unit_number_in_the_structure_table(qual, report, raw):
    raw_qual, raw_report = raw
    assert unit(raw_qual, "37")["group"] is None
    assert warned(raw_report, "structure table lists unit 737")
    assert unit(qual, "37")["group"] == "B"
    assert corrected(report, "structure-unit-37-number")


def test_unnumbered_criteria_stay_null_in_the_parser_and_get_numbers_from_corrections(qual, report, raw):
    raw_qual, raw_report = raw
    assert [c["number"] for c in outcome(raw_qual, "6", "2")["criteria"]] == [None, None, None, "2.4", "2.5", "2.6"]
    assert len(warned(raw_report, "criterion printed without a number")) == 23
    assert criteria(qual, "6", "2")["2.1"] == "Explain the term customer retention"
    assert criteria(qual, "6", "2")["2.3"] == "Explain the factors that influence customer retention"
    assert criteria(qual, "45", "2")["2.3"].startswith("Manage data files effectively")
    assert criteria(qual, "35", "4")["4.6"] == (
        "Provide sales-related information to the target audience within the agreed timescale and budget"
    )
    assert not [c for u in qual["units"] for o in u["outcomes"] for c in o["criteria"] if c["number"] is None]
    assert corrected(report, "unit-06-criterion-2.1-number")
    assert not warned(report, "criterion printed without a number")


def test_unnumbered_outcomes_are_numbered_from_their_criteria_with_a_warning(qual, report):
    assert outcome(qual, "5", "1")["title"] == "Be able to identify personal and professional development requirements"
    assert warned(report, "line 634: unit 5: learning outcome printed without a number; numbered 1 from its criteria")


def test_outcome_that_lost_its_first_line_is_restored_by_correction(qual, report):
    assert outcome(qual, "35", "3")["title"] == (
        "Be able to obtain sales-related information about customers, markets and competitors"
    )
    assert warned(report, "unit 35, outcome 3: title starts in lower case")
    assert corrected(report, "unit-35-outcome-3-title")
    # The outcome above it keeps its own wrapped second line.
    assert outcome(qual, "35", "2")["title"] == (
        "Understand how to use tools and methods to analyse sales-related information"
    )


def test_words_cut_by_a_column_boundary_are_mended_by_correction(qual, report, raw):
    raw_qual, raw_report = raw
    assert criteria(raw_qual, "40", "1")["1.1"] == (
        "Explain the roles, responsibilities and accour ntabilities of individuals involved in the event"
    )
    assert warned(raw_report, "unit 40: criterion 1.1 is split across table cells")
    assert criteria(qual, "40", "1")["1.1"] == (
        "Explain the roles, responsibilities and accountabilities of individuals involved in the event"
    )
    assert criteria(qual, "40", "4")["4.2"] == (
        "Carry out follow-up actions in accordance with the event plan and agreements made at the event"
    )
    assert criteria(qual, "40", "2")["2.2"] == "Obtain resources within the agreed timescales"
    assert corrected(report, "unit-40-criterion-1.1-split-word")
    assert not warned(report, "split across table cells")


def test_stray_fragment_does_not_end_an_outcome_title(qual, report):
    assert outcome(qual, "26", "1")["title"] == "Understand the development of a customer service social media strategy"
    assert corrected(report, "unit-26-outcome-1-stray-characters")


def test_repeated_criterion_number_in_a_cell_is_read_once(qual, report):
    assert criteria(qual, "43", "2")["2.2"] == (
        "Describe an employer's expectations for employees' standards of personal presentation, punctuality and behaviour"
    )
    assert warned(report, "line 2724: unit 43: criterion 2.2 prints its number twice")


def test_indicative_content_column_is_not_imported(qual, report):
    texts = [c["text"] for o in unit(qual, "43")["outcomes"] for c in o["criteria"]]
    assert criteria(qual, "43", "1")["1.1"] == "Explain the role of their own occupation within an organisation and industry"
    assert not [t for t in texts if "E.g." in t or "Covering:" in t]
    assert warned(report, "unit 43: the 'Indicative Contents' column (10 rows)")


def test_outcome_titles_wrapped_over_lines_are_joined(qual):
    assert outcome(qual, "1", "1")["title"] == "Understand how to organise customer service delivery"
    assert outcome(qual, "20", "1")["title"] == (
        "Understand how to support customers through real-time online customer service"
    )
    assert outcome(qual, "27", "1")["title"] == "Understand how to support customers using self-service equipment"
    assert outcome(qual, "6", "1")["title"] == "Understand Customer Relationship Management (CRM)"


def test_criteria_after_a_blank_line_stay_in_their_table(qual):
    assert criteria(qual, "10", "4")["4.4"] == "Recommend improvements in response to the findings of an analysis"
    assert criteria(qual, "22", "3")["3.7"] == "Take actions to ensure that customer service delivery meets agreed standards"
    assert list(criteria(qual, "38", "4")) == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]


def test_teaching_guidance_and_appendices_are_not_outcomes_or_criteria(qual):
    texts = [o["title"] for u in qual["units"] for o in u["outcomes"]]
    texts += [c["text"] for u in qual["units"] for o in u["outcomes"] for c in o["criteria"]]
    for fragment in ("For Assessment Criteri", "as a minimum should include", "ITQ", "National Occupational",
                     "Appendage", "Realistic Working Environment", "Principle 4", "Awarding"):
        assert not [t for t in texts if fragment in t], fragment


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def test_text_is_plain(qual):
    # The appendix prints markdown emphasis ("**Assessors**"); none of it may reach the catalogue.
    for text in _strings(qual):
        assert text == text.strip(), text
        for bad in ("\t", "\u00a0", "**", "<", "  "):
            assert bad not in text, text


def test_no_repeated_urns_or_titles_in_this_specification(qual, report):
    urns = [u["urn"] for u in qual["units"]]
    titles = [u["title"] for u in qual["units"]]
    assert len(set(urns)) == len(urns) == 45
    assert len(set(titles)) == len(titles) == 45
    assert not warned(report, "is also printed for unit")


def test_every_correction_is_applied_with_its_reason(report):
    assert len(report.corrections) == 43
    assert all(": " in c and len(c.split(": ", 1)[1]) > 20 for c in report.corrections)


# --- (d) detection -------------------------------------------------------------------


def test_detect_recognises_this_specification(seed):
    assert sfj.detect(seed(SEED))


@pytest.mark.parametrize("name", OTHER_SEEDS)
def test_detect_rejects_the_other_specifications(seed, name):
    assert not sfj.detect(seed(name))


# --- (e) schema ------------------------------------------------------------------------


def test_fixture_validates_against_the_schema():
    from apps.qualifications.schema import validate

    assert validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))) == []
