"""apps/eqa/rules.py: the AO's sampling rule, Attest's proposal by it, due dates in words (pure)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from apps.eqa import rules
from apps.eqa.rules import Candidate

NAMES = {1: "Asha Assessor", 2: "Bo Assessor", 3: "Cy Assessor"}


def learner(pk: int, name: str, *, assessors: tuple[int, ...] = (1,), done: int = 0, total: int = 9,
            complete: bool = False) -> Candidate:
    return Candidate(id=pk, name=name, assessor_ids=assessors, units_done=total if complete else done,
                     units_total=total, complete=complete)


def test_ncfe_asks_for_three_learners_two_complete_and_says_so():
    rule = rules.rule_for("NCFE")
    assert (rule.min_learners, rule.min_complete, rule.published) == (3, 2, True)
    assert "at least three learners" in rule.words and "at least two of them complete" in rule.words


def test_other_aos_get_attests_default_said_to_be_attests():
    for ao in ("Pearson", "City & Guilds", "SFJ Awards"):
        rule = rules.rule_for(ao)
        assert (rule.min_learners, rule.min_complete, rule.published) == (3, 1, False)
        assert rule.words.startswith(f"Attest's default, not {ao}'s rule")


def test_the_ncfe_proposal_picks_two_complete_and_spreads_across_assessors():
    scope = [
        learner(1, "Zoe Done", assessors=(1,), complete=True),
        learner(2, "Amy Done", assessors=(1,), complete=True),
        learner(3, "Bea Done", assessors=(2,), complete=True),
        learner(4, "Cal Far", assessors=(1,), done=7),
        learner(5, "Dan Near", assessors=(3,), done=2),
        learner(6, "Eli Far", assessors=(2,), done=8),
    ]
    proposal = rules.propose(scope, rules.rule_for("NCFE"), NAMES)
    # Complete quota: Amy (assessor 1, first by name), then Bea (brings assessor 2, not yet in).
    # Then to three: Dan brings assessor 3, who is not yet in the sample, though less far on.
    assert [p.name for p in proposal.picks] == ["Amy Done", "Bea Done", "Dan Near"]
    assert proposal.met and proposal.shortfall == ""
    reasons = {p.name: p.reason for p in proposal.picks}
    assert reasons["Amy Done"] == ("complete: all units signed off; counts towards the two complete learners NCFE "
                                   "asks for; assessor Asha Assessor not yet in the sample")
    assert reasons["Bea Done"].endswith("assessor Bo Assessor not yet in the sample")
    assert reasons["Dan Near"] == "in progress: 2 of 9 units; assessor Cy Assessor not yet in the sample"


def test_with_every_assessor_covered_the_furthest_on_comes_next():
    scope = [
        learner(1, "Amy Done", complete=True), learner(2, "Bea Done", complete=True),
        learner(3, "Cal Far", done=7), learner(4, "Dan Near", done=2), learner(5, "Abe Start", done=0),
    ]
    proposal = rules.propose(scope, rules.rule_for("NCFE"), NAMES)
    assert [p.name for p in proposal.picks] == ["Amy Done", "Bea Done", "Cal Far"]
    assert proposal.picks[2].reason == "in progress: 7 of 9 units"


def test_an_assessor_left_out_by_the_minimum_still_gets_a_learner():
    scope = [learner(1, "Amy Done", complete=True), learner(2, "Bea Done", complete=True),
             learner(3, "Cal Far", done=7), learner(4, "Dan Other", assessors=(2,), done=1)]
    proposal = rules.propose(scope, rules.rule_for("NCFE"), NAMES)
    # Dan brings assessor 2 (picked in the fill, before Cal); four would be one more than needed.
    assert [p.name for p in proposal.picks] == ["Amy Done", "Bea Done", "Dan Other"]
    scope.append(learner(5, "Eve Third", assessors=(3,), done=1))
    proposal = rules.propose(scope, rules.rule_for("NCFE"), NAMES)
    assert [p.name for p in proposal.picks] == ["Amy Done", "Bea Done", "Dan Other", "Eve Third"]


def test_level_on_units_the_one_with_more_criteria_met_is_further_on():
    scope = [learner(1, "Amy Done", complete=True), learner(2, "Bea Done", complete=True),
             Candidate(id=3, name="Abe", assessor_ids=(1,), units_done=0, units_total=4, complete=False),
             Candidate(id=4, name="Cal", assessor_ids=(1,), units_done=0, units_total=4, complete=False,
                       criteria_share=0.1)]
    assert rules.propose(scope, rules.rule_for("NCFE")).picks[2].name == "Cal"


def test_ties_go_by_name_so_the_proposal_is_the_same_every_time():
    scope = [learner(pk, name, complete=True) for pk, name in ((9, "Cy"), (3, "Al"), (5, "Bo"), (7, "Di"))]
    first = rules.propose(scope, rules.rule_for("NCFE"))
    assert [p.name for p in first.picks] == ["Al", "Bo", "Cy"]
    assert rules.propose(list(reversed(scope)), rules.rule_for("NCFE")) == first


def test_too_small_a_scope_says_why():
    two = [learner(1, "Amy Done", complete=True), learner(2, "Bea Far", done=3)]
    proposal = rules.propose(two, rules.rule_for("NCFE"))
    assert not proposal.met
    assert proposal.shortfall == "only 2 learners in scope; NCFE asks for at least three"
    assert [p.name for p in proposal.picks] == ["Amy Done", "Bea Far"]  # all there is, still proposed


def test_too_few_complete_learners_says_why():
    scope = [learner(1, "Amy Done", complete=True), learner(2, "Bea", done=3), learner(3, "Cal", done=1)]
    proposal = rules.propose(scope, rules.rule_for("NCFE"))
    assert not proposal.met
    assert proposal.shortfall == ("only 1 complete learner in scope; NCFE asks for at least two of the sample to be "
                                  "complete")
    default = rules.propose(scope, rules.rule_for("Pearson"))
    assert default.met and [p.name for p in default.picks] == ["Amy Done", "Bea", "Cal"]
    assert "counts towards the one complete learner Attest asks for" in default.picks[0].reason


def test_an_empty_scope_proposes_nobody_and_says_why():
    proposal = rules.propose([], rules.rule_for("Pearson"))
    assert proposal.picks == () and proposal.shortfall == "only 0 learners in scope; Attest's default asks for at least three"


def test_a_hand_picked_sample_is_checked_against_the_rule():
    rule = rules.rule_for("NCFE")
    done = [learner(1, "A", complete=True), learner(2, "B", complete=True)]
    assert rules.check(done + [learner(3, "C", done=1)], rule) == ""
    assert rules.check(done, rule) == "only 2 learners in the sample; NCFE asks for at least three"


def test_progress_in_words():
    assert rules.progress_words(learner(1, "A", done=4)) == "in progress: 4 of 9 units"
    assert rules.progress_words(learner(1, "A", done=0, total=1)) == "in progress: 0 of 1 unit"
    assert rules.progress_words(learner(1, "A", complete=True)) == "complete: all units signed off"


def test_due_dates_in_words():
    today = date(2026, 12, 2)
    assert rules.due_words(date(2026, 12, 7), today) == "due in 5 days"
    assert rules.due_words(date(2026, 12, 3), today) == "due tomorrow"
    assert rules.due_words(today, today) == "due today"
    assert rules.due_words(date(2026, 11, 30), today) == "overdue by 2 days"
    assert rules.due_words(date(2026, 12, 1), today) == "overdue by 1 day"
    assert rules.due_words(date(2026, 11, 1), today, done=True) == ""


@st.composite
def scopes(draw):
    n = draw(st.integers(min_value=0, max_value=12))
    return [
        Candidate(id=i, name=draw(st.sampled_from(["Al", "Bo", "Cy", "Di"])),
                  assessor_ids=tuple(draw(st.sets(st.integers(1, 4), min_size=1, max_size=2))),
                  units_done=draw(st.integers(0, 5)), units_total=5, complete=draw(st.booleans()))
        for i in range(n)
    ]


@given(scopes(), st.sampled_from(["NCFE", "Pearson"]))
def test_the_proposal_meets_the_rule_whenever_the_scope_can(scope, ao):
    rule = rules.rule_for(ao)
    proposal = rules.propose(scope, rule)
    ids = proposal.ids
    assert len(ids) == len(set(ids)) and set(ids) <= {c.id for c in scope}
    chosen = [c for c in scope if c.id in ids]
    complete_in_scope = sum(c.complete for c in scope)
    can = len(scope) >= rule.min_learners and complete_in_scope >= rule.min_complete
    assert proposal.met == can
    if can:
        assert len(chosen) >= rule.min_learners and sum(c.complete for c in chosen) >= rule.min_complete
    # every assessor of the scope has a learner in the sample
    assert {a for c in chosen for a in c.assessor_ids} == {a for c in scope for a in c.assessor_ids}
    assert all(p.reason for p in proposal.picks)
