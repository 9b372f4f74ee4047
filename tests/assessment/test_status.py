"""The status rules, as pure functions over plain rows (no database)."""

from __future__ import annotations

from dataclasses import replace as dataclass_replace
from datetime import UTC, datetime

from apps.assessment import status as st
from apps.assessment.status import (
    AssessmentRow,
    CoverageRow,
    CriterionInfo,
    DecisionRow,
    Facts,
    MappingRow,
    RequirementInfo,
    SignOffRow,
)
from apps.qualifications.engine import QualificationRules

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 2, 1, tzinfo=UTC)


def accepted(version: int, pk: int | None = None) -> AssessmentRow:
    return AssessmentRow(pk or 900 + version, version, "accepted")


def test_a_criterion_with_nothing_is_not_started_and_a_mapping_makes_it_evidence_mapped():
    facts = Facts(mappings=[MappingRow(1, 10, 100, "mapped"), MappingRow(2, 10, 101, "rejected")])
    statuses = st.criterion_statuses(facts)
    assert statuses[100].state == st.MAPPED and statuses[100].mapped_by == (10,)
    assert 101 not in statuses  # a rejected suggestion is not evidence
    assert st.criterion_statuses(Facts()).get(102, st.NOT_STARTED_STATUS).state == st.NOT_STARTED


def test_a_met_decision_on_accepted_evidence_meets_the_criterion():
    facts = Facts(decisions=[DecisionRow(1, 10, 100, "met")], assessments=[accepted(10)])
    assert st.criterion_statuses(facts)[100].state == st.MET
    assert st.criterion_statuses(facts)[100].met_by == (10,)


def test_not_yet_met_leaves_it_mapped_and_later_not_yet_met_elsewhere_does_not_undo_met():
    facts = Facts(
        decisions=[DecisionRow(1, 10, 100, "not_yet_met"), DecisionRow(2, 11, 101, "met"), DecisionRow(3, 12, 101, "not_yet_met")],
        assessments=[accepted(10), accepted(11), accepted(12)],
    )
    statuses = st.criterion_statuses(facts)
    assert statuses[100].state == st.MAPPED
    assert statuses[101].state == st.MET and statuses[101].mapped_by == (11, 12)


def test_a_correction_replaces_the_decision_it_supersedes():
    met_then_corrected = Facts(
        decisions=[DecisionRow(1, 10, 100, "met"), DecisionRow(2, 10, 100, "not_yet_met", supersedes_id=1)],
        assessments=[accepted(10)],
    )
    assert st.criterion_statuses(met_then_corrected)[100].state == st.MAPPED
    corrected_to_met = Facts(
        decisions=[DecisionRow(1, 10, 100, "not_yet_met"), DecisionRow(2, 10, 100, "met", supersedes_id=1)],
        assessments=[accepted(10)],
    )
    assert st.criterion_statuses(corrected_to_met)[100].state == st.MET


def test_a_provisional_decision_counts_only_once_countersigned():
    pending = Facts(decisions=[DecisionRow(1, 10, 100, "met", provisional=True)], assessments=[accepted(10)])
    status = st.criterion_statuses(pending)[100]
    assert status.state == st.MAPPED and status.pending == (1,)
    signed = Facts(decisions=[DecisionRow(1, 10, 100, "met", provisional=True, countersigned=True)], assessments=[accepted(10)])
    assert st.criterion_statuses(signed)[100].state == st.MET and st.criterion_statuses(signed)[100].pending == ()


def test_a_trainees_correction_leaves_the_decision_it_would_replace_in_force_until_countersigned():
    qualified_met = DecisionRow(1, 10, 100, "met")
    trainee_says_not_met = DecisionRow(2, 10, 100, "not_yet_met", provisional=True, supersedes_id=1)
    waiting = Facts(decisions=[qualified_met, trainee_says_not_met], assessments=[accepted(10)])
    status = st.criterion_statuses(waiting)[100]
    assert status.state == st.MET and status.pending == (2,)
    assert [d.id for d in st.decisions_in_force(waiting.decisions)] == [1]
    countersigned = dataclass_replace(trainee_says_not_met, countersigned=True)
    done = Facts(decisions=[qualified_met, countersigned], assessments=[accepted(10)])
    assert st.criterion_statuses(done)[100].state == st.MAPPED
    assert [d.id for d in st.decisions_in_force(done.decisions)] == [2]


def test_in_each_chain_the_latest_confirmed_decision_is_in_force():
    chain = [
        DecisionRow(1, 10, 100, "not_yet_met"),
        DecisionRow(2, 10, 100, "met", supersedes_id=1),  # a qualified correction
        DecisionRow(3, 10, 100, "not_yet_met", provisional=True, supersedes_id=2),  # a trainee's, pending
        DecisionRow(4, 10, 100, "met", provisional=True, supersedes_id=3),  # another trainee's, pending
    ]
    assert [d.id for d in st.decisions_in_force(chain)] == [2]
    assert st.counting_decisions(Facts(decisions=chain, assessments=[accepted(10)])) == {2}
    only_provisional = [DecisionRow(5, 11, 101, "met", provisional=True)]
    assert st.decisions_in_force(only_provisional) == []


def test_nothing_judged_on_referred_evidence_counts():
    facts = Facts(decisions=[DecisionRow(1, 10, 100, "met")], assessments=[AssessmentRow(5, 10, "referred")],
                  coverage=[CoverageRow(1, 10, 500)])
    assert st.criterion_statuses(facts)[100].state == st.MAPPED
    assert st.covered_requirements(facts) == {}
    # An outcome corrected from referred to accepted makes them count.
    facts.assessments.append(AssessmentRow(6, 10, "accepted", supersedes_id=5))
    assert st.criterion_statuses(facts)[100].state == st.MET
    assert st.covered_requirements(facts) == {500: (10,)}


def test_a_withdrawn_tick_no_longer_covers_the_requirement():
    facts = Facts(coverage=[CoverageRow(1, 10, 500), CoverageRow(2, 10, 500, covered=False, supersedes_id=1)],
                  assessments=[accepted(10)])
    assert st.covered_requirements(facts) == {}


def test_a_unit_is_ready_only_when_every_criterion_is_met_and_every_requirement_covered():
    criteria = [CriterionInfo(100, 1, "1.1"), CriterionInfo(101, 1, "1.2"), CriterionInfo(102, 1, "2.1")]
    requirements = [RequirementInfo(500, 1, "5a"), RequirementInfo(501, 1, "5b")]
    facts = Facts(decisions=[DecisionRow(1, 10, 100, "met")], coverage=[CoverageRow(1, 10, 500)], assessments=[accepted(10)])
    readiness = st.unit_readiness(criteria, requirements, st.criterion_statuses(facts), st.covered_requirements(facts))
    assert not readiness.ready
    assert readiness.problems() == ["criteria 1.2 and 2.1 are not met yet", "evidence requirement 5b is not covered yet"]
    facts.decisions += [DecisionRow(2, 10, 101, "met"), DecisionRow(3, 10, 102, "met")]
    facts.coverage.append(CoverageRow(2, 10, 501))
    assert st.unit_readiness(criteria, requirements, st.criterion_statuses(facts), st.covered_requirements(facts)).ready
    assert not st.unit_readiness([], [], {}, {}).ready  # a unit with no criteria is never signed off by default


def test_a_unit_is_signed_off_until_its_latest_sign_off_is_reopened():
    assert set(st.active_sign_offs([SignOffRow(1, 7, T0)])) == {7}
    assert st.active_sign_offs([SignOffRow(1, 7, T0, reopened=True)]) == {}
    again = st.active_sign_offs([SignOffRow(1, 7, T0, reopened=True), SignOffRow(2, 7, T1, acknowledged=True)])
    assert again[7].id == 2 and again[7].acknowledged


def test_simulation_and_workplace_rules_apply_to_performance_criteria_only():
    kwargs = dict(unit_number="208", simulation_allowed=False, workplace_evidence_required=False)
    refusal = st.context_refusal(outcome_title="Be able to establish rapport", context="simulation", **kwargs)
    assert refusal == (
        "Unit 208 does not allow simulation for its performance criteria, and this evidence comes from a simulation."
    )
    assert st.context_refusal(outcome_title="Be able to establish rapport", context="rwe", **kwargs) is None
    assert st.context_refusal(outcome_title="Understand how to give service", context="simulation", **kwargs) is None
    workplace = dict(unit_number="3", simulation_allowed=None, workplace_evidence_required=True)
    assert st.context_refusal(outcome_title="Be able to plan", context="rwe", **workplace) == (
        "Unit 3 requires evidence from real work for its performance criteria, and this evidence comes from a "
        "realistic work environment."
    )
    assert st.context_refusal(outcome_title="Be able to plan", context="real_work", **workplace) is None
    assert st.context_refusal(outcome_title="Know the law", context="simulation", **workplace) is None


def _rules(rules_in_source: bool = True) -> QualificationRules:
    def unit(n, group, credits):
        return {"number": n, "urn": f"A/500/000{n}", "title": f"Unit {n}", "credits": credits, "level": 2, "group": group}

    return QualificationRules.from_canonical({
        "number": "600/0000/1", "title": "Testing", "credits": 10, "rules_in_source": rules_in_source,
        "units": [unit("1", "A", 4), unit("2", "B", 3), unit("3", "B", 3), unit("4", "B", 5)],
        "groups": [{"id": "A", "title": "Mandatory", "mandatory": True}, {"id": "B", "title": "Optional", "mandatory": False}],
        "rules": [{"type": "credits", "groups": None, "min": 10}], "barred": [],
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
    })


def test_the_qualification_status_comes_from_the_rules_engine():
    rules = _rules()
    nothing = st.qualification_status(rules, [], {})
    assert nothing.achieved is False and any("mandatory" in n for n in nothing.needed)
    some = st.qualification_status(rules, ["1", "2"], {})
    assert some.achieved is False and some.needed == ("3 more credits in total",)
    done = st.qualification_status(rules, ["1", "2"], {"3": "rpl"})
    assert done.achieved is True and done.headline == "Rules of combination met — ready for quality assurance"
    assert ("3", "Unit 3", "rpl") in done.counted
    unknown = st.qualification_status(_rules(rules_in_source=False), ["1"], {})
    assert unknown.achieved is None and unknown.headline.startswith("Not determinable")
    assert [c[0] for c in unknown.counted] == ["1"]
