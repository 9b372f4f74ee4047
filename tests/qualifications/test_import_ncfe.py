"""The NCFE importer reads the Level 2 NVQ Certificate in Contact Centre Operations.

Expected counts below were taken by reading the specification by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.qualifications.importers import ncfe
from apps.qualifications.importers.base import (
    CORRECTIONS_DIR,
    Report,
    apply_field_corrections,
    apply_text_corrections,
    count,
    dump_yaml,
    load_corrections,
    record_corrections,
)

SEED = "000_7e41e8b106032fbc.txt"
OTHER_SEEDS = (
    "001_494e434eab8b35fd.txt",
    "002_ad1359643ead675f.txt",
    "003_82ce2c81b55b795d.txt",
    "004_d5658dedb3fd00a3.txt",
)
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications" / "600-1257-2.yaml"


def run_import(text: str, name: str = SEED) -> tuple[list[dict[str, Any]], Report]:
    """The same steps as importers.import_text, with the layout fixed to NCFE."""
    report = Report(source=name, layout=ncfe.LAYOUT.name)
    corrections = load_corrections(name)
    text = apply_text_corrections(text, corrections, report)
    qualifications = ncfe.LAYOUT.parse(text, report)
    apply_field_corrections(qualifications, corrections, report)
    record_corrections(qualifications, corrections)
    return qualifications, report


@pytest.fixture
def imported(seed) -> tuple[dict[str, Any], Report]:
    qualifications, report = run_import(seed(SEED))
    assert len(qualifications) == 1
    return qualifications[0], report


@pytest.fixture
def qual(imported) -> dict[str, Any]:
    return imported[0]


@pytest.fixture
def report(imported) -> Report:
    return imported[1]


def unit(qual: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [u for u in qual["units"] if u["number"] == number]
    return found


def outcome(qual: dict[str, Any], unit_number: str, number: str) -> dict[str, Any]:
    (found,) = [o for o in unit(qual, unit_number)["outcomes"] if o["number"] == number]
    return found


def warnings_about(report: Report, *fragments: str) -> list[str]:
    return [w for w in report.warnings if all(f in w for f in fragments)]


def all_strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in all_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in all_strings(value)]
    return []


# --- the committed fixture ----------------------------------------------------------


def test_import_reproduces_the_committed_fixture_byte_for_byte(qual):
    assert dump_yaml(qual) == FIXTURE.read_text(encoding="utf-8")


def test_fixture_validates_against_the_catalogue_schema():
    import yaml

    from apps.qualifications.schema import validate

    assert validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))) == []


def test_the_registry_sends_this_seed_to_the_ncfe_layout(seed):
    from apps.qualifications import importers

    try:
        qualifications, report = importers.import_text(seed(SEED), SEED)
    except ModuleNotFoundError as exc:
        pytest.skip(f"another layout's importer is not written yet: {exc}")
    assert report.layout == "ncfe"
    assert dump_yaml(qualifications[0]) == FIXTURE.read_text(encoding="utf-8")


# --- detection ----------------------------------------------------------------------


def test_detect_recognises_the_ncfe_specification(seed):
    assert ncfe.detect(seed(SEED))


@pytest.mark.parametrize("name", OTHER_SEEDS)
def test_detect_rejects_the_other_specifications(seed, name):
    assert not ncfe.detect(seed(name))


# --- counts read by hand ----------------------------------------------------------------


def test_qualification_counts(qual):
    assert count(qual) == {"units": 39, "outcomes": 143, "criteria": 713, "evidence_requirements": 0}


@pytest.mark.parametrize(
    "number, per_outcome",
    [
        ("01", [2, 2, 3, 7]),
        ("02", [3, 4, 7]),
        ("10", [5, 9, 9]),  # outcome 2 runs over a page break
        ("11", [5, 4, 11, 12]),
        ("13", [5, 6]),
        ("21", [4, 4, 2, 5, 2, 6, 4]),
        ("23", [6, 7, 5]),  # outcome 2 runs over a page heading without (cont'd)
        ("27", [7, 10, 10]),
        ("28", [5, 8, 5, 8]),
        ("35", [1, 2, 1, 2, 2]),
        ("38", [4, 4, 4, 4, 8]),
        ("39", [3, 4, 5]),
    ],
)
def test_unit_counts(qual, number, per_outcome):
    outcomes = unit(qual, number)["outcomes"]
    assert [len(o["criteria"]) for o in outcomes] == per_outcome
    assert [o["number"] for o in outcomes] == [str(i) for i in range(1, len(per_outcome) + 1)]


def test_units_are_listed_in_printed_order_with_two_digit_numbers(qual):
    assert [u["number"] for u in qual["units"]] == [f"{i:02d}" for i in range(1, 40)]


def test_units_per_group(qual):
    groups = {gid: [u["number"] for u in qual["units"] if u["group"] == gid] for gid in "ABC"}
    assert groups["A"] == ["01", "02"]
    assert groups["B"] == ["03", "04", "05", "06", "07", "08", "09"]
    assert len(groups["C"]) == 30 and groups["C"][0] == "10" and groups["C"][-1] == "39"


# --- qualification facts and rules ---------------------------------------------------------


def test_qualification_facts(qual):
    assert qual["number"] == "600/1257/2"
    assert qual["title"] == "NCFE Level 2 NVQ Certificate in Contact Centre Operations"
    assert qual["awarding_organisation"] == "NCFE"
    assert qual["ao_reference"] is None  # only the funding "Aim reference" is printed
    assert (qual["level"], qual["credits"], qual["tqt"]) == (2, 28, None)
    assert qual["glh"] == {"min": 93, "max": 172}
    assert qual["source"] == {"file": SEED, "edition": "Issue 1 November 2015"}
    # The dates section explains review and end dates but prints none.
    assert set(qual["dates"].values()) == {None}


def test_groups(qual):
    assert qual["groups"] == [
        {"id": "A", "title": "Group A mandatory units", "mandatory": True},
        {"id": "B", "title": "Group B optional units", "mandatory": False},
        {"id": "C", "title": "Group C optional units", "mandatory": False},
    ]


def test_rules_of_combination(qual, report):
    assert qual["rules_in_source"] is True
    assert qual["interpretation"] == {"level_credits": "at_or_above", "group_maximum": "cap"}
    # "The remaining 10 credits ... from Group B or Group C" adds no constraint of its own.
    assert qual["rules"] == [
        {"type": "credits", "groups": None, "min": 28},
        {"type": "credits", "groups": ["A"], "min": 6},
        {"type": "credits", "groups": ["B"], "min": 12},
        {"type": "credits_at_level", "level": 2, "min": 15},
    ]
    assert warnings_about(report, "rules of combination") == []


def test_rules_text_is_the_source_wording_without_bullets(qual):
    assert qual["rules_text"] == (
        "To be awarded the NCFE Level 2 NVQ Certificate in Contact Centre Operations learners must "
        "achieve a minimum of 28 credits:\n"
        "a total of 6 credits from the mandatory units in Group A\n"
        "a minimum of 12 credits from the optional units in Group B\n"
        "the remaining 10 credits can come from the optional units in Group B or Group C.\n"
        "At least 15 credits must be at Level 2."
    )


def test_five_barred_pairs_with_their_sentences(qual):
    assert [b["units"] for b in qual["barred"]] == [
        ["13", "16"],
        ["14", "17"],
        ["10", "18"],
        ["37", "38"],
        ["36", "39"],
    ]
    assert qual["barred"][0]["text"] == (
        "Unit 13 Using email (J/502/4299) is barred against Unit 16 Using email (M/502/4300)"
    )


# --- unit facts ------------------------------------------------------------------------------


def test_unit_01_as_printed(qual):
    first = unit(qual, "01")
    assert first["urn"] == "T/503/0342"
    assert first["title"] == "Improve personal effectiveness at work in a contact centre"
    assert (first["level"], first["credits"], first["glh"], first["group"]) == (2, 4, 15, "A")
    assert first["summary"].startswith("In this unit learners will assess personal effectiveness")
    assert first["outcomes"][0]["title"] == "Be able to assess personal effectiveness in a contact centre"
    assert first["outcomes"][0]["criteria"][0] == {
        "number": "1.1",
        "text": "Identify strengths and areas for development in skills and knowledge against agreed criteria",
    }


def test_unit_levels_are_read_per_unit(qual):
    levels = {u["number"]: u["level"] for u in qual["units"]}
    assert [n for n, level in levels.items() if level == 3] == ["09", "33", "34"]
    assert [n for n, level in levels.items() if level == 1] == ["02", "13", "14", "15", "36", "37"]


def test_every_unit_is_a_competence_unit_of_this_nvq(qual):
    assert {u["kind"] for u in qual["units"]} == {"competence"}


def test_assessment_notes_carry_the_qualification_wide_sentences(qual):
    for each in qual["units"]:
        assert each["assessment"] == {
            "simulation_allowed": None,
            "workplace_evidence_required": None,
            "notes": [
                "A competence-based qualification must be assessed in the workplace or in a realistic "
                "work environment (RWE) in accordance with the relevant assessment strategy.",
                "This qualification must be assessed in line with the Skills CFA Assessment Strategy "
                "for Contact Centres Operations.",
                "Evidence may be drawn from actual or simulated situations, where appropriate.",
            ],
        }
        assert each["evidence_requirements"] == []


# --- traps present in this specification --------------------------------------------------------


@pytest.mark.parametrize(
    "pair, title",
    [
        (("13", "16"), "Using email"),
        (("14", "17"), "Using collaborative technologies"),
        (("37", "38"), "Using the Internet"),
        (("36", "39"), "IT communication fundamentals"),
    ],
)
def test_units_sharing_a_title_stay_distinct_units(qual, pair, title):
    first, second = (unit(qual, n) for n in pair)
    assert first["title"] == second["title"] == title
    assert first["urn"] != second["urn"]
    assert first["outcomes"] != second["outcomes"]


def test_every_urn_is_printed_once(qual):
    urns = [u["urn"] for u in qual["units"]]
    assert len(set(urns)) == len(urns) == 39


def test_swapped_lead_ins_are_read_by_number(qual, report):
    # Unit 13 prints "The learner can:" before outcome 2 and "The learner will:" before its criteria.
    managed = outcome(qual, "13", "2")
    assert managed["title"] == "Manage incoming email effectively"
    assert [c["number"] for c in managed["criteria"]] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert managed["criteria"][-1]["text"] == "Respond appropriately to common email problems"
    assert outcome(qual, "39", "2")["title"].startswith("Access, search for, select and use Internet-based")
    for number in ("13", "39"):
        assert len(warnings_about(report, f"unit {number} outcome 2", "The learner can:")) == 2


def test_criteria_continue_across_page_headings(qual, report):
    # The page heading falls between 2.5 and 2.6 of unit 10's outcome 2.
    assert outcome(qual, "10", "2")["criteria"][5] == {
        "number": "2.6",
        "text": "Communicate with their customers in terms they can understand relating to the software system",
    }
    # Unit 23's page heading lacks (cont'd) and capitalises "Systems"; the unit keeps its own title.
    assert outcome(qual, "23", "2")["criteria"][3]["text"] == (
        "Explain the implications of entering incorrect sales or marketing data"
    )
    assert unit(qual, "23")["title"] == "Inputting and accessing sales or marketing data in information systems"
    assert warnings_about(report, "unit 23 (line 1740)", "without (cont'd)")
    assert warnings_about(report, "unit 23 (line 1740)", "information Systems")


def test_wrapped_bold_headings_are_page_headings_not_text(qual, report):
    # "**Unit 28 ... skills\n(M/601/1542) (cont'd)**" falls inside outcome 4's criteria.
    assert [c["number"] for c in outcome(qual, "28", "4")["criteria"]] == [f"4.{i}" for i in range(1, 9)]
    assert not any("**" in s or "cont'd" in s for s in all_strings(qual))
    assert len(warnings_about(report, "markdown bold")) == 7


def test_markdown_table_rows_in_unit_tables_are_read_through(qual, report):
    second = unit(qual, "02")
    assert (second["level"], second["credits"], second["glh"]) == (1, 2, 9)
    assert second["summary"].endswith("understand the principles of health and safety in a contact centre.")
    assert warnings_about(report, "unit 02: unit table printed with markdown row rules")
    assert not any(s.startswith("---") for s in all_strings(qual))


def test_stray_comma_line_is_skipped_and_reported(qual, report):
    assert outcome(qual, "35", "5")["criteria"][-1] == {
        "number": "5.2",
        "text": "Explain how to resolve identified potential difficulties",
    }
    assert warnings_about(report, "unit 35 (line 2459)", "','")


def test_summary_outside_its_table_cell_is_still_the_summary(qual, report):
    assert unit(qual, "21")["summary"].startswith("Learners will understand how to sell by telephone")
    assert warnings_about(report, "unit 21", "unit summary")


def test_inconsistent_unit_barred_blocks_are_reported_not_used(qual, report):
    # Unit 14's own block swaps the URNs of units 14 and 17; unit 17's prints "Unit title 14".
    assert warnings_about(report, "unit 14 barred units", "F/502/4379")
    assert warnings_about(report, "unit 14 barred units", "unit 17 printed with URN A/502/4378")
    assert warnings_about(report, "unit 17 barred units", "'Unit title 14'")
    assert ["14", "17"] in [b["units"] for b in qual["barred"]]


def test_text_is_plain(qual):
    strings = all_strings(qual)
    assert not any("\u00a0" in s or "\t" in s or "  " in s or "<" in s for s in strings)
    assert unit(qual, "21")["title"] == "Selling by telephone – inbound"  # the en dash is the source's


def test_contents_page_lines_are_not_units(qual):
    assert all(not u["title"].endswith(("18", "20")) for u in qual["units"])


def test_no_corrections_are_needed(report):
    assert not (CORRECTIONS_DIR / "000_7e41e8b106032fbc.yaml").exists()
    assert report.corrections == []


# --- damage the parser must report, on altered copies of the seed ----------------------------------


def test_a_duplicated_criterion_number_is_kept_and_reported(seed):
    text = seed(SEED).replace("- 1.2 Attach files to email messages", "- 1.1 Attach files to email messages")
    (qual,), report = run_import(text)
    assert [c["number"] for c in outcome(qual, "13", "1")["criteria"]][:2] == ["1.1", "1.1"]
    assert warnings_about(report, "unit 13 outcome 1", "1.1 printed twice")


def test_a_criterion_on_the_wrong_outcome_is_reported(seed):
    text = seed(SEED).replace("- 1.5 Use an address book to store", "- 2.7 Use an address book to store")
    (qual,), report = run_import(text)
    assert outcome(qual, "13", "1")["criteria"][-1]["number"] == "2.7"
    assert warnings_about(report, "unit 13 outcome 1", "criterion 2.7 printed under outcome 1")


def test_a_unit_missing_from_the_group_tables_is_reported(seed):
    text = seed(SEED).replace("Unit 20\tTime planning in sales\t2 credits\n", "")
    (qual,), report = run_import(text)
    assert unit(qual, "20")["group"] is None
    assert warnings_about(report, "unit 20", "not in any group table")


def test_a_group_table_credit_that_disagrees_with_the_unit_is_reported(seed):
    text = seed(SEED).replace(
        "Unit 02\tComply with health and safety procedures in a contact centre\t2 credits",
        "Unit 02\tComply with health and safety procedures in a contact centre\t3 credits",
    )
    (qual,), report = run_import(text)
    assert unit(qual, "02")["credits"] == 2  # the unit's own table wins
    assert warnings_about(report, "unit 02", "gives 3 credits, the unit 2")
