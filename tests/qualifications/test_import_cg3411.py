"""The City & Guilds 3411 importer reads both Certificates out of one handbook.

Expected counts below were taken by reading the specification by hand, not from
the parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.qualifications.importers import ImportError_, Report, base, cg3411, dump_yaml

SOURCE = "002_ad1359643ead675f.txt"
OTHER_SOURCES = [
    "000_7e41e8b106032fbc.txt",
    "001_494e434eab8b35fd.txt",
    "003_82ce2c81b55b795d.txt",
    "004_d5658dedb3fd00a3.txt",
]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
L2, L3 = "600/1137/3", "600/1138/5"
SHARED_URN = "M/503/0405"


def run_import(text: str) -> tuple[list[dict[str, Any]], Report]:
    """import_text's steps for this layout alone, so these tests do not wait on other layouts."""
    report = Report(source=SOURCE, layout=cg3411.LAYOUT.name)
    corrections = base.load_corrections(SOURCE)
    text = base.apply_text_corrections(text, corrections, report)
    assert cg3411.LAYOUT.detect(text)
    qualifications = cg3411.LAYOUT.parse(text, report)
    base.apply_field_corrections(qualifications, corrections, report)
    base.record_corrections(qualifications, corrections)
    return qualifications, report


@pytest.fixture
def imported(seed) -> tuple[dict[str, dict[str, Any]], Report]:
    qualifications, report = run_import(seed(SOURCE))
    return {q["number"]: q for q in qualifications}, report


@pytest.fixture
def quals(imported) -> dict[str, dict[str, Any]]:
    return imported[0]


@pytest.fixture
def report(imported) -> Report:
    return imported[1]


def unit(qualification: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [u for u in qualification["units"] if u["number"] == number]
    return found


def criteria(qualification: dict[str, Any], number: str, outcome: str) -> list[tuple[str | None, str]]:
    (found,) = [o for o in unit(qualification, number)["outcomes"] if o["number"] == outcome]
    return [(c["number"], c["text"]) for c in found["criteria"]]


# --- (a) the committed fixtures are what the importer writes ---------------------


@pytest.mark.parametrize("number", [L2, L3])
def test_importing_the_seed_reproduces_the_committed_fixture(quals, number):
    fixture = FIXTURES / (number.replace("/", "-") + ".yaml")
    assert dump_yaml(quals[number]).encode("utf-8") == fixture.read_bytes()


def test_the_shared_import_pipeline_gives_the_same_result(seed, quals):
    from apps.qualifications import importers

    try:
        importers.layouts()
    except ModuleNotFoundError as exc:
        pytest.skip(f"not every layout module exists yet: {exc}")
    qualifications, report = importers.import_text(seed(SOURCE), SOURCE)
    assert report.layout == "cg3411"
    assert [dump_yaml(q) for q in qualifications] == [dump_yaml(quals[L2]), dump_yaml(quals[L3])]


# --- (b) counts read by hand -------------------------------------------------------


def test_two_qualifications_with_hand_counted_units_outcomes_and_criteria(quals):
    assert list(quals) == [L2, L3]
    assert base.count(quals[L2]) == {"units": 11, "outcomes": 35, "criteria": 152, "evidence_requirements": 0}
    assert base.count(quals[L3]) == {"units": 14, "outcomes": 41, "criteria": 184, "evidence_requirements": 0}


def test_each_qualification_takes_the_units_its_structure_table_lists(quals):
    assert [u["number"] for u in quals[L2]["units"]] == [
        "201", "202", "203", "204", "205", "206", "207", "208", "304", "305", "306",
    ]
    assert [u["number"] for u in quals[L3]["units"]] == [
        "204", "205", "206", "207", "208", "301", "302", "303", "304", "305", "306", "307", "308", "309",
    ]


@pytest.mark.parametrize(
    "number, per_outcome",
    [
        ("201", [5, 4]),
        ("203", [6, 3, 3, 3, 3, 3, 3]),
        ("204", [4, 4]),
        ("207", [5, 2, 5]),
        ("301", [3, 8]),
        ("303", [6, 2, 4, 4, 3, 2]),
        ("306", [9, 4, 6, 5]),
        ("307", [5, 4]),
        ("308", [5, 8]),
        ("309", [7, 2]),
    ],
)
def test_criteria_per_outcome_of_a_unit(quals, number, per_outcome):
    qualification = quals[L2] if number.startswith("20") else quals[L3]
    outcomes = unit(qualification, number)["outcomes"]
    assert [o["number"] for o in outcomes] == [str(n) for n in range(1, len(per_outcome) + 1)]
    assert [len(o["criteria"]) for o in outcomes] == per_outcome


# --- qualification-level data --------------------------------------------------------


def test_overview_figures_glh_is_one_figure_and_tqt_the_other(quals):
    # The overview prints "GLH 93, TQT 130" and "GLH 106, TQT 160": one GLH figure each.
    l2, l3 = quals[L2], quals[L3]
    assert (l2["ao_reference"], l2["level"], l2["credits"], l2["glh"], l2["tqt"]) == (
        "3411-02", 2, 13, {"min": 93, "max": 93}, 130,
    )
    assert (l3["ao_reference"], l3["level"], l3["credits"], l3["glh"], l3["tqt"]) == (
        "3411-03", 3, 16, {"min": 106, "max": 106}, 160,
    )
    for q in (l2, l3):
        assert q["awarding_organisation"] == "City & Guilds"
        assert q["source"] == {"file": SOURCE, "edition": "October 2017 Version 1.2"}
        assert set(q["dates"].values()) == {None}  # "Consult the Walled Garden ... for last dates"


def test_rules_of_combination(quals):
    assert quals[L2]["groups"] == [
        {"id": "A", "title": "Mandatory Group A", "mandatory": True},
        {"id": "B", "title": "Optional Group B", "mandatory": False},
    ]
    assert quals[L2]["rules"] == [
        {"type": "credits", "groups": None, "min": 13},
        {"type": "credits_at_level", "level": 2, "min": 10},
        {"type": "units", "groups": ["A"], "min": 3},
        {"type": "credits", "groups": ["B"], "min": 6},
    ]
    assert quals[L3]["rules"] == [
        {"type": "credits", "groups": None, "min": 16},
        {"type": "credits_at_level", "level": 3, "min": 10},
        {"type": "units", "groups": ["A"], "min": 3},
        {"type": "credits", "groups": ["B"], "min": 7},
    ]
    assert quals[L3]["rules_text"].splitlines()[1:3] == [
        "The learner must achieve:",
        "3 mandatory units from group A - 301, 302 and 303 (9 credits)",
    ]


def test_groups_of_units_follow_each_structure_table(quals):
    assert {u["number"]: u["group"] for u in quals[L2]["units"]} == {
        **{n: "A" for n in ("201", "202", "203")},
        **{n: "B" for n in ("204", "205", "206", "207", "208", "304", "305", "306")},
    }
    assert [u["number"] for u in quals[L3]["units"] if u["group"] == "A"] == ["301", "302", "303"]


def test_barred_pairs_come_from_the_excluded_combination_column(quals):
    sentence = (
        "Candidates may take either unit 204 or 304 (but not both) and unit 205 or 305 (but not both) "
        "and unit 206 or 306 (but not both)"
    )
    for q in (quals[L2], quals[L3]):
        assert [b["units"] for b in q["barred"]] == [["204", "304"], ["205", "305"], ["206", "306"]]
        assert {b["text"] for b in q["barred"]} == {sentence}


def test_a_barred_pair_is_kept_only_where_both_units_are_in_the_qualification():
    structure = cg3411.Structure(number="000/0000/0", title="t", credits=1, level=2, at_level=1)
    structure.rows = [
        cg3411.TableRow("Y/503/0365", "204", "a", 3, "304", "B", 1),
        cg3411.TableRow("L/503/0377", "205", "b", 2, "305", "B", 2),
        cg3411.TableRow("F/503/0389", "305", "c", 4, "205", "B", 3),
    ]
    structure.barred_pairs = [("204", "304"), ("205", "305")]
    barred = cg3411._barred(structure, {"204", "205", "305"}, Report(source=SOURCE))
    assert [b["units"] for b in barred] == [["205", "305"]]


def test_shared_units_are_written_alike_into_both_qualifications(quals):
    for number in ("204", "205", "206", "207", "208", "304", "305", "306"):
        assert unit(quals[L2], number) == unit(quals[L3], number)
        assert unit(quals[L2], number) is not unit(quals[L3], number)


def test_units_are_knowledge_units_assessed_by_assignment(quals):
    for q in (quals[L2], quals[L3]):
        assert {u["kind"] for u in q["units"]} == {"knowledge"}
        for u in q["units"]:
            assert u["assessment"]["simulation_allowed"] is None
            assert u["assessment"]["workplace_evidence_required"] is None
            assert u["evidence_requirements"] == []
    assert unit(quals[L3], "301")["assessment"]["notes"] == [
        "Assessment method: Assignment",
        "Candidates must successfully complete one assignment for each mandatory unit",
        "Candidates must have a completed portfolio of evidence for each unit",
    ]
    assert unit(quals[L3], "207")["assessment"]["notes"][1] == (
        "Candidates must successfully complete one assignment for each chosen optional unit"
    )


def test_unit_header_fields(quals):
    u = unit(quals[L2], "203")
    assert (u["urn"], u["title"], u["level"], u["credits"], u["glh"]) == (
        "L/601/7638", "Principles of personal responsibilities and working in a business environment", 2, 4, 32,
    )
    assert u["summary"].startswith("This unit concerns understanding employment rights;")


# --- (c) the traps in this seed ----------------------------------------------------------


def test_one_urn_printed_for_units_207_and_309_is_reported_and_309s_corrected_to_not_known(quals, report):
    u207, u309 = unit(quals[L3], "207"), unit(quals[L3], "309")
    assert u207["urn"] == SHARED_URN and u309["urn"] is None
    assert u207["title"] == "Principles of handling incidents through a contact centre"
    assert u309["title"] == "Principles of incident management through a contact centre"
    assert (u207["level"], u207["credits"], u309["level"], u309["credits"]) == (2, 3, 3, 4)
    assert unit(quals[L2], "207")["urn"] == SHARED_URN
    assert any(SHARED_URN in w and "unit 207" in w and "unit 309" in w for w in report.warnings)
    assert any(w.startswith(f"{L3}: units 207 and 309") and SHARED_URN in w for w in report.warnings)
    # No correction invents another URN: 309's own is printed nowhere, so it is not known.
    assert [c.split(":")[0] for c in report.corrections if SHARED_URN in c] == ["unit-309-urn"]


def test_unit_308_has_no_heading_in_the_source_and_gets_it_from_the_correction(quals, report):
    u = unit(quals[L3], "308")
    assert (u["urn"], u["title"], u["level"], u["credits"], u["glh"]) == (
        "K/503/0399", "Principles of resource planning in a contact centre", 3, 5, 35,
    )
    last = unit(quals[L3], "307")["outcomes"][-1]
    assert last["title"] == "Understand performance management in a contact centre"
    assert [c.split(":")[0] for c in report.corrections] == ["unit-308-missing-heading", "unit-309-urn"]


def test_without_the_correction_the_headless_unit_is_an_error_not_a_merge(seed):
    with pytest.raises(ImportError_, match=r"line 1280: UAN: K/503/0399 inside unit 307"):
        cg3411.parse(seed(SOURCE), Report(source=SOURCE))


def test_criteria_printed_as_html_paragraphs_on_one_line_are_split(quals, report):
    assert criteria(quals[L2], "204", "2") == [
        ("2.1", "Describe the customer and contact information needed to produce work plans"),
        ("2.2", "Describe the features of systems used to produce customer information and contact handling reports"),
        ("2.3", "Explain the importance of checking reports before distribution"),
        ("2.4", "Explain the benefits of systems and technology to customers and contact centres"),
    ]
    assert "unit 204: criterion 2.3 on line 588 printed with HTML; read as plain text" in report.warnings


def test_markdown_list_markers_and_bold_are_read_as_plain_text(quals, report):
    assert criteria(quals[L3], "301", "2")[5] == (
        "2.6", "Explain the requirements of an effective personal development plan",
    )
    assert criteria(quals[L3], "303", "6") == [
        ("6.1", "Explain key stages in the decision-making process"),
        ("6.2", "Explain the purpose of not exceeding own limits of authority in making decisions"),
    ]
    assert unit(quals[L3], "303")["outcomes"][5]["title"] == "Understand the decision making process"
    assert criteria(quals[L3], "308", "2")[0] == ("2.1", "Explain the resource planning process")
    assert "unit 308: criterion 2.4 on line 1320 printed with markdown; read as plain text" in report.warnings


def test_guidance_that_starts_like_a_criterion_is_not_a_criterion(quals, report):
    assert criteria(quals[L2], "207", "2") == [
        ("2.1", "Explain how to choose the most efficient means to communicate with those dealing with the incident"),
        ("2.2", "Explain the agreed conventions of wording, codes, style and approach for different media options"),
    ]
    assert any(w.startswith("unit 207: guidance line 759 starts like criterion 2.2") for w in report.warnings)


def test_range_and_guidance_never_become_outcomes_or_criteria(quals):
    for q in (quals[L2], quals[L3]):
        for u in q["units"]:
            for o in u["outcomes"]:
                assert not o["title"].startswith(("Range", "Guidance", "The learner"))
                for c in o["criteria"]:
                    assert c["number"] is not None and c["number"].split(".")[0] == o["number"]
                    assert not c["text"].startswith(("AC", "Range", "Guidance", "Terminology"))


def test_outcome_titles_printed_after_a_tab_or_with_a_trailing_tab(quals):
    titles = [o["title"] for o in unit(quals[L2], "203")["outcomes"]]
    assert titles[2] == "Understand how to communicate effectively with others"
    first = unit(quals[L2], "202")["outcomes"][0]
    assert first["title"] == "Understand health and safety procedures in a contact centre"


# --- (d) detection ----------------------------------------------------------------------


def test_detect_matches_this_specification(seed):
    assert cg3411.detect(seed(SOURCE))


@pytest.mark.parametrize("name", OTHER_SOURCES)
def test_detect_matches_no_other_specification(seed, name):
    assert not cg3411.detect(seed(name))


# --- (e) schema ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", [L2, L3])
def test_fixture_validates_against_the_schema(number):
    import yaml

    from apps.qualifications.schema import validate

    data = yaml.safe_load((FIXTURES / (number.replace("/", "-") + ".yaml")).read_text(encoding="utf-8"))
    assert validate(data) == []
