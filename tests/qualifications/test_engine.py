"""Worked examples of the rules of combination, each checked the way a user would see it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.qualifications.engine import (
    NOT_DETERMINABLE,
    Achieved,
    QualificationRules,
    describe_rules,
    evaluate,
)
from apps.qualifications.schema import validate

# --- building canonical qualifications inline -------------------------------------


def unit(number: str, urn: str, title: str, credits: int, level: int, group: str | None) -> dict[str, Any]:
    return {
        "number": number,
        "urn": urn,
        "title": title,
        "level": level,
        "credits": credits,
        "glh": None,
        "group": group,
        "kind": None,
        "summary": None,
        "assessment": {"simulation_allowed": None, "workplace_evidence_required": None, "notes": []},
        "evidence_requirements": [],
        "outcomes": [],
    }


def qualification(
    number: str,
    title: str,
    ao: str,
    level: int,
    credits: int | None,
    groups: list[tuple[str, str, bool]],
    rules: list[dict[str, Any]],
    barred: list[dict[str, Any]],
    units: list[dict[str, Any]],
    *,
    rules_in_source: bool = True,
    level_credits: str = "at_or_above",
    group_maximum: str = "cap",
) -> dict[str, Any]:
    data = {
        "format": "attest.qualification/1",
        "number": number,
        "title": title,
        "awarding_organisation": ao,
        "ao_reference": None,
        "level": level,
        "credits": credits,
        "glh": None,
        "tqt": None,
        "dates": {"operational_start": None, "operational_end": None, "registration_end": None, "certification_end": None},
        "source": {"file": "test.txt", "edition": None},
        "rules_in_source": rules_in_source,
        "interpretation": {"level_credits": level_credits, "group_maximum": group_maximum},
        "rules_text": None,
        "groups": [{"id": gid, "title": t, "mandatory": m} for gid, t, m in groups],
        "rules": rules,
        "barred": barred,
        "units": units,
    }
    # Every example is a valid catalogue file, so the engine is tested on real input.
    assert validate(data) == []
    return data


# NCFE Level 2 NVQ Certificate in Contact Centre Operations: number, URN, title, credits, level.
NCFE_UNITS = [
    ("01", "T/503/0342", "Improve personal effectiveness at work in a contact centre", 4, 2, "A"),
    ("02", "D/503/0352", "Comply with health and safety procedures in a contact centre", 2, 1, "A"),
    ("03", "J/503/0362", "Use systems and technology during customer contact in a contact centre", 4, 2, "B"),
    ("04", "K/503/0385", "Deliver customer service through a contact centre", 5, 2, "B"),
    ("05", "L/503/0394", "Carry out direct sales activities in a contact centre", 5, 2, "B"),
    ("06", "H/503/0403", "Communicate information to customers in different but familiar contexts through a contact centre", 4, 2, "B"),
    ("07", "L/503/0413", "Provide support through a contact centre for specified products and/or services", 4, 2, "B"),
    ("08", "K/503/0421", "Deal with incidents through a contact centre", 7, 2, "B"),
    ("09", "J/503/0426", "Support customers and colleagues when providing contact centre services", 5, 3, "B"),
    ("10", "L/601/1225", "Deal with customers using bespoke software", 5, 2, "C"),
    ("11", "F/601/1223", "Deal with incoming telephone calls from customers", 5, 2, "C"),
    ("12", "D/601/0936", "Promote additional services or products to customers", 6, 2, "C"),
    ("13", "J/502/4299", "Using email", 2, 1, "C"),
    ("14", "A/502/4378", "Using collaborative technologies", 3, 1, "C"),
    ("15", "L/502/4627", "Word processing software", 3, 1, "C"),
    ("16", "M/502/4300", "Using email", 3, 2, "C"),
    ("17", "F/502/4379", "Using collaborative technologies", 4, 2, "C"),
    ("18", "F/502/4396", "Bespoke software", 3, 2, "C"),
    ("19", "M/502/8606", "Handling objections and closing sales", 3, 2, "C"),
    ("20", "F/502/8559", "Time planning in sales", 2, 2, "C"),
    ("36", "Y/502/4291", "IT communication fundamentals", 2, 1, "C"),
    ("37", "T/502/4296", "Using the Internet", 3, 1, "C"),
    ("38", "A/502/4297", "Using the Internet", 4, 2, "C"),
    ("39", "D/502/4292", "IT communication fundamentals", 2, 2, "C"),
]


def ncfe(level_credits: str = "at_or_above") -> QualificationRules:
    pairs = [("13", "16"), ("14", "17"), ("10", "18"), ("37", "38"), ("36", "39")]
    return QualificationRules.from_canonical(
        qualification(
            "600/1257/2",
            "NCFE Level 2 NVQ Certificate in Contact Centre Operations",
            "NCFE",
            2,
            28,
            [("A", "Group A mandatory units", True), ("B", "Group B optional units", False),
             ("C", "Group C optional units", False)],
            [
                {"type": "credits", "groups": None, "min": 28},
                {"type": "credits", "groups": ["B"], "min": 12},
                {"type": "credits", "groups": ["A", "B", "C"], "min": 28},
                {"type": "credits_at_level", "level": 2, "min": 15},
            ],
            [{"units": list(p), "text": f"Unit {p[0]} is barred against Unit {p[1]}"} for p in pairs],
            [unit(*row) for row in NCFE_UNITS],
            level_credits=level_credits,
        )
    )


def got(*numbers: str, via: str = "assessed") -> list[Achieved]:
    return [Achieved(unit=n, via=via) for n in numbers]  # type: ignore[arg-type]


# --- NCFE 600/1257/2 --------------------------------------------------------------


def test_ncfe_learner_with_a_full_set_achieves() -> None:
    verdict = evaluate(ncfe(), got("01", "02", "04", "08", "11", "12"))
    assert verdict.achieved is True
    assert verdict.credits == 29
    assert verdict.counted_units == ["01", "02", "04", "08", "11", "12"]
    assert verdict.unmet == []
    assert all(status.met for status in verdict.rules)


def test_ncfe_missing_mandatory_unit_is_named() -> None:
    verdict = evaluate(ncfe(), got("01", "04", "08", "11", "12", "19"))
    assert verdict.achieved is False
    assert verdict.credits == 30
    assert verdict.unmet == ["unit 02 Comply with health and safety procedures in a contact centre (mandatory)"]


def test_ncfe_shortfall_in_group_b_is_counted_in_credits() -> None:
    verdict = evaluate(ncfe(), got("01", "02", "03", "04", "10", "11", "12", "19"))
    assert verdict.achieved is False
    assert verdict.credits == 34
    assert verdict.unmet == ["3 more credits from Group B optional units"]
    group_b = next(s for s in verdict.rules if "Group B" in s.description)
    assert (group_b.achieved, group_b.minimum, group_b.met) == (9, 12, False)


def test_ncfe_total_shortfall() -> None:
    verdict = evaluate(ncfe(), got("01", "02", "04", "08"))
    assert verdict.achieved is False
    assert "10 more credits in total" in verdict.unmet
    assert "10 more credits from Group A mandatory units, Group B optional units and Group C optional units" in verdict.unmet


def test_ncfe_level_rule_depends_on_interpretation() -> None:
    # 09 is Level 3; 13, 14 and 15 are Level 1: 18 credits at Level 2 or above, 13 at exactly Level 2.
    learner = got("01", "02", "09", "04", "03", "13", "14", "15")
    above = evaluate(ncfe("at_or_above"), learner)
    exactly = evaluate(ncfe("exactly"), learner)
    assert above.achieved is True and above.credits == 28
    assert exactly.achieved is False
    assert exactly.unmet == ["2 more credits at exactly Level 2"]
    assert "At least 15 credits at Level 2 or above" in describe_rules(ncfe())
    assert "At least 15 credits at exactly Level 2" in describe_rules(ncfe("exactly"))


def test_ncfe_barred_pair_counts_the_unit_with_more_credits() -> None:
    verdict = evaluate(ncfe(), got("01", "02", "04", "08", "11", "13", "16", "20"))
    assert verdict.achieved is True
    assert "16" in verdict.counted_units and "13" not in verdict.counted_units
    assert verdict.credits == 28
    assert verdict.ignored == [("13", "barred against unit 16, which counts instead (Unit 13 is barred against Unit 16)")]


def test_ncfe_barred_choice_is_the_one_that_achieves() -> None:
    # 36 and 39 have 2 credits each; only 39 (Level 2) gives 15 credits at exactly Level 2.
    verdict = evaluate(ncfe("exactly"), got("01", "02", "09", "03", "06", "13", "14", "15", "20", "36", "39"))
    assert verdict.achieved is True
    assert "39" in verdict.counted_units and "36" not in verdict.counted_units
    assert [label for label, _ in verdict.ignored] == ["36"]
    # With no reason to prefer either, the earlier unit counts.
    tie = evaluate(ncfe(), got("01", "02", "09", "03", "06", "13", "14", "15", "20", "36", "39"))
    assert "36" in tie.counted_units and "39" not in tie.counted_units


def test_ncfe_unknown_unit_and_repeats_are_ignored_with_reasons() -> None:
    learner = [*got("01", "02", "04", "08", "11", "12", "40"), Achieved(unit="04"), Achieved(unit="04", via="rpl")]
    verdict = evaluate(ncfe(), learner)
    assert verdict.achieved is True
    assert verdict.credits == 29
    assert ("40", "unit 40 is not a unit of this qualification") in verdict.ignored
    assert ("04", "given more than once") in verdict.ignored
    assert ("04", "unit 04 Deliver customer service through a contact centre already counts (assessed)") in verdict.ignored


def test_ncfe_credit_transfer_by_urn_counts_and_is_reported() -> None:
    learner = [*got("01", "02", "04", "11", "12"), Achieved(urn="K/503/0421", via="credit_transfer")]
    verdict = evaluate(ncfe(), learner)
    assert verdict.achieved is True
    assert verdict.counted_units == ["01", "02", "04", "08", "11", "12"]
    unit_08 = next(c for c in verdict.counted if c.number == "08")
    assert (unit_08.via, unit_08.given_as) == ("credit_transfer", "K/503/0421")


def test_ncfe_urn_matching_nothing_or_contradicting_the_number_is_ignored() -> None:
    learner = [Achieved(urn="Z/999/9999", via="credit_transfer"), Achieved(unit="01", urn="D/503/0352")]
    verdict = evaluate(ncfe(), learner)
    assert verdict.counted_units == []
    assert verdict.ignored == [
        ("01", "URN D/503/0352 does not match unit 01 (URN T/503/0342)"),
        ("Z/999/9999", "URN Z/999/9999 is not the URN of any unit of this qualification"),
    ]


def test_ncfe_same_unit_by_number_and_by_urn_counts_once() -> None:
    learner = [*got("01", "02", "08"), Achieved(urn="K/503/0421", via="credit_transfer")]
    verdict = evaluate(ncfe(), learner)
    assert verdict.counted_units == ["01", "02", "08"]
    assert verdict.credits == 13
    assert verdict.ignored == [
        ("K/503/0421", "unit 08 Deal with incidents through a contact centre already counts (assessed)")
    ]


def test_verdict_as_dict_is_json() -> None:
    verdict = evaluate(ncfe(), got("01", "02", "13", "16"))
    data = json.loads(json.dumps(verdict.as_dict()))
    assert data["achieved"] is False
    assert data["credits"] == 9
    assert data["counted_units"] == ["01", "02", "16"]
    assert data["ignored"][0]["unit"] == "13"
    assert data["unmet"] == [status for r in data["rules"] if not r["met"] for status in r["needed"]]


def test_describe_rules_lists_every_rule_in_plain_english() -> None:
    lines = describe_rules(ncfe())
    assert lines[0] == "Group A mandatory units: every unit must be achieved (01 and 02)"
    assert "At least 28 credits in total" in lines
    assert "At least 12 credits from Group B optional units" in lines
    assert "Only one of units 13 and 16 counts: Unit 13 is barred against Unit 16" in lines


# --- SFJ Awards Level 3 Diploma in Customer Service 601/5051/8 -----------------------

SFJ_UNITS = [
    ("1", "L/506/2150", "Organise and deliver customer service", 5, "M"),
    ("2", "Y/506/2152", "Understand the customer service environment", 5, "M"),
    ("3", "K/506/2169", "Resolve customers' problems", 4, "M"),
    ("4", "D/506/1942", "Principles of business", 10, "M"),
    ("5", "T/506/2952", "Manage personal and professional development", 3, "M"),
    ("6", "J/506/2910", "Understand customers and customer retention", 4, "M"),
    ("7", "Y/506/2166", "Develop resources to support consistency of customer service delivery", 5, "A"),
    ("9", "R/506/2151", "Resolve customers' complaints", 4, "A"),
    ("10", "D/506/2170", "Gather, analyse and interpret customer feedback", 5, "A"),
    ("11", "K/506/2172", "Monitor the quality of customer service interactions", 5, "A"),
    ("12", "D/506/2119", "Communicate verbally with customers", 3, "A"),
    ("23", "R/506/2179", "Build and maintain effective customer relations", 6, "A"),
    ("29", "H/506/1912", "Negotiate in a business environment", 4, "B"),
    ("30", "T/506/1820", "Promote equality, diversity and inclusion in the workplace", 3, "B"),
    ("31", "A/506/1821", "Manage team performance", 4, "B"),
    ("32", "J/506/1921", "Manage individuals' performance", 4, "B"),
    ("34", "F/502/8612", "Negotiating, handling objections and closing sales", 4, "B"),
    ("39", "L/506/1807", "Manage diary systems", 2, "B"),
]
MANDATORY = ("1", "2", "3", "4", "5", "6")


def sfj(group_maximum: str = "cap") -> QualificationRules:
    return QualificationRules.from_canonical(
        qualification(
            "601/5051/8",
            "SFJ Awards Level 3 Diploma in Customer Service",
            "SFJ Awards",
            3,
            55,
            [("M", "Mandatory Group", True), ("A", "Optional Group A", False), ("B", "Optional Group B", False)],
            [
                {"type": "credits", "groups": None, "min": 55},
                {"type": "credits", "groups": ["A"], "min": 15},
                {"type": "credits", "groups": ["B"], "max": 9},
            ],
            [],
            [unit(n, urn, title, credits, 3, group) for n, urn, title, credits, group in SFJ_UNITS],
            group_maximum=group_maximum,
        )
    )


def test_sfj_cap_leaves_out_credits_beyond_the_group_b_maximum() -> None:
    # 31 mandatory + 17 from A + 12 from B; only 8 of B's count (whole units), 56 in all.
    verdict = evaluate(sfj("cap"), got(*MANDATORY, "7", "9", "10", "12", "29", "31", "34"))
    assert verdict.achieved is True
    assert verdict.credits == 56
    assert verdict.counted_units[-2:] == ["29", "31"]
    assert verdict.ignored == [("34", "credits beyond the maximum of 9 from Optional Group B do not count")]
    group_b = next(s for s in verdict.rules if s.maximum == 9)
    assert (group_b.met, group_b.achieved) == (True, 8)


def test_sfj_invalidate_fails_the_group_b_maximum() -> None:
    verdict = evaluate(sfj("invalidate"), got(*MANDATORY, "7", "9", "10", "12", "29", "31", "34"))
    assert verdict.achieved is False
    assert verdict.credits == 60
    assert verdict.unmet == ["3 credits over the maximum of 9 from Optional Group B"]
    assert verdict.ignored == []


def test_sfj_cap_keeps_the_best_units_not_the_first() -> None:
    # B: 30 (3), 31 (4), 32 (4). Taking them in order counts 7; the best counting is 8,
    # which is exactly what 55 needs (31 + 16 + 8).
    verdict = evaluate(sfj("cap"), got(*MANDATORY, "23", "7", "10", "30", "31", "32"))
    assert verdict.achieved is True
    assert verdict.credits == 55
    assert "30" not in verdict.counted_units
    assert [label for label, _ in verdict.ignored] == ["30"]


def test_sfj_short_of_optional_group_a() -> None:
    verdict = evaluate(sfj(), got(*MANDATORY, "7", "9", "29", "31"))
    assert verdict.achieved is False
    assert verdict.unmet == ["7 more credits in total", "6 more credits from Optional Group A"]


def test_sfj_describes_the_maximum_with_its_interpretation() -> None:
    assert "No more than 9 credits from Optional Group B (credits beyond the maximum do not count)" in describe_rules(sfj("cap"))
    assert "No more than 9 credits from Optional Group B (taking more credits means the rule is not met)" in describe_rules(
        sfj("invalidate")
    )


# --- City & Guilds 3411 Level 3 Certificate 600/1138/5 -------------------------------
# As the specification prints it, with 309 under 207's URN: it exercises the shared-URN
# rule. The catalogue corrects the misprint (unit-309-urn; test_claim_corrections.py).

CG_UNITS = [
    ("301", "F/503/0358", "Principles of personal and organisational effectiveness in a contact centre", 2, 3, "A"),
    ("302", "L/503/0363", "Principles and processes of health and safety in a contact centre", 3, 3, "A"),
    ("303", "D/601/7644", "Principles of personal responsibilities and how to develop and evaluate own performance at work", 4, 3, "A"),
    ("204", "Y/503/0365", "Principles of using systems and technology in a contact centre", 3, 2, "B"),
    ("205", "L/503/0377", "Principles of communication and customer service in a contact centre", 2, 2, "B"),
    ("206", "M/503/0386", "Principles of selling in a contact centre", 2, 2, "B"),
    ("207", "M/503/0405", "Principles of handling incidents through a contact centre", 3, 2, "B"),
    ("208", "F/503/0411", "Principles of legal, regulatory and ethical requirements of a contact centre", 2, 2, "B"),
    ("304", "T/503/0373", "Principles and processes of systems and technology in a contact centre", 4, 3, "B"),
    ("305", "F/503/0389", "Principles of customer service in a contact centre", 4, 3, "B"),
    ("306", "J/503/0393", "Principles of sales activities and customer support in a contact centre", 4, 3, "B"),
    ("307", "Y/503/0396", "Principles of performance management in a contact centre", 3, 3, "B"),
    ("308", "K/503/0399", "Principles of resource planning in a contact centre", 5, 3, "B"),
    ("309", "M/503/0405", "Principles of incident management through a contact centre", 4, 3, "B"),
]


def cg3411() -> QualificationRules:
    pairs = [("204", "304"), ("205", "305"), ("206", "306")]
    return QualificationRules.from_canonical(
        qualification(
            "600/1138/5",
            "Level 3 Certificate in Contact Centre Operations",
            "City & Guilds",
            3,
            16,
            [("A", "Mandatory Group A", True), ("B", "Optional Group B", False)],
            [
                {"type": "credits", "groups": None, "min": 16},
                {"type": "credits", "groups": ["B"], "min": 7},
                {"type": "credits_at_level", "level": 3, "min": 10},
            ],
            [{"units": list(p), "text": f"Candidates may take either unit {p[0]} or {p[1]} (but not both)"} for p in pairs],
            [unit(*row) for row in CG_UNITS],
        )
    )


def test_cg3411_shared_urn_matches_the_unit_that_helps() -> None:
    # Counted as 207 (Level 2) the learner has only 9 credits at Level 3; as 309, 13.
    learner = [*got("301", "302", "303", "208", "205"), Achieved(urn="M/503/0405", via="credit_transfer")]
    verdict = evaluate(cg3411(), learner)
    assert verdict.achieved is True
    assert verdict.counted_units == ["301", "302", "303", "205", "208", "309"]
    assert verdict.credits == 17
    assert verdict.notes == [
        "URN M/503/0405 is printed for units 207 and 309; it was counted as unit 309, the choice that helps the learner most"
    ]
    unit_309 = verdict.counted[-1]
    assert (unit_309.via, unit_309.given_as) == ("credit_transfer", "M/503/0405")
    assert verdict.ignored == []


def test_cg3411_a_shared_urn_never_counts_twice() -> None:
    twice = [Achieved(urn="M/503/0405", via="credit_transfer"), Achieved(urn="M/503/0405", via="rpl")]
    verdict = evaluate(cg3411(), [*got("301", "302", "303"), *twice])
    assert verdict.counted_units == ["301", "302", "303", "309"]
    assert verdict.credits == 13
    assert [label for label, _ in verdict.ignored] == ["M/503/0405"]
    by_number = evaluate(cg3411(), got("301", "302", "303", "207", "309"))
    assert by_number.counted_units == ["301", "302", "303", "309"]
    assert by_number.ignored == [
        ("207", "shares the URN M/503/0405 with unit 309, which counts instead: a unit counts once")
    ]
    assert "Units 207 and 309 are printed with the same URN M/503/0405, so only one of them counts" in describe_rules(cg3411())


def test_cg3411_barred_pairs_and_level_rule() -> None:
    verdict = evaluate(cg3411(), got("301", "302", "303", "204", "304", "205", "305"))
    assert verdict.achieved is True
    assert verdict.counted_units == ["301", "302", "303", "304", "305"]
    assert verdict.credits == 17
    assert sorted(label for label, _ in verdict.ignored) == ["204", "205"]


def test_cg3411_level_shortfall_is_explained() -> None:
    verdict = evaluate(cg3411(), got("301", "302", "303", "204", "205", "206", "208"))
    assert verdict.achieved is False
    assert verdict.credits == 18
    assert verdict.unmet == ["1 more credit at Level 3 or above"]


# --- a qualification whose rules are not in the source ------------------------------


def test_rules_not_in_source_is_not_determinable() -> None:
    rules = QualificationRules.from_canonical(
        qualification(
            "600/1244/4",
            "City & Guilds NVQ in Contact Centre Operations",
            "City & Guilds",
            2,
            None,
            [],
            [],
            [],
            [unit(*row[:5], None) for row in NCFE_UNITS[:4]],
            rules_in_source=False,
        )
    )
    verdict = evaluate(rules, got("01", "02", "99"))
    assert verdict.achieved is None
    assert verdict.unmet == [NOT_DETERMINABLE]
    assert verdict.credits == 6
    assert verdict.counted_units == ["01", "02"]
    assert verdict.rules == []
    assert verdict.as_dict()["achieved"] is None
    assert describe_rules(rules) == ["The rules of combination are not in the source, so achievement cannot be determined."]


# --- guards -----------------------------------------------------------------------


def test_achieved_needs_a_unit_or_urn_and_a_known_route() -> None:
    with pytest.raises(ValueError):
        Achieved()
    with pytest.raises(ValueError):
        Achieved(unit="01", via="apl")  # type: ignore[arg-type]


def test_minimum_credits_is_a_rule_even_when_not_written() -> None:
    data = qualification(
        "600/1135/X", "Example", "NCFE", 2, 10, [], [], [], [unit(*row[:5], None) for row in NCFE_UNITS[:3]]
    )
    verdict = evaluate(QualificationRules.from_canonical(data), got("01", "02"))
    assert verdict.achieved is False
    assert verdict.unmet == ["4 more credits in total"]


def test_every_barred_pair_taken_is_still_decided() -> None:
    # Three barred pairs achieved in full: each pair keeps its unit with more credits.
    verdict = evaluate(ncfe(), got("01", "02", "13", "16", "14", "17", "10", "18"))
    assert verdict.counted_units == ["01", "02", "10", "16", "17"]
    assert sorted(label for label, _ in verdict.ignored) == ["13", "14", "18"]


def test_a_learner_with_every_unit_is_evaluated_quickly() -> None:
    # Every unit achieved: all barred pairs and the Group B maximum are real choices.
    ncfe_verdict = evaluate(ncfe(), got(*(row[0] for row in NCFE_UNITS)))
    assert ncfe_verdict.achieved is True
    assert sorted(label for label, _ in ncfe_verdict.ignored) == ["13", "14", "18", "37", "39"]
    sfj_verdict = evaluate(sfj(), got(*(row[0] for row in SFJ_UNITS)))
    assert sfj_verdict.achieved is True
    group_b = [c for c in sfj_verdict.counted if c.group == "B"]
    assert sum(c.credits for c in group_b) == 9
