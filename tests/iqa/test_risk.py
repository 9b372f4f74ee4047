"""The risk band as a pure function of the facts (apps/iqa/risk.py): thresholds, reasons in
words, and properties that hold for any facts."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from apps.iqa import risk
from apps.iqa.models import AssessorProfile, Band, Sample

AGREE, ADVICE, DISAGREE = "agree", "agree_with_advice", "disagree"
outcomes = st.lists(st.sampled_from([AGREE, ADVICE, DISAGREE]), max_size=12).map(tuple)
statuses = st.sampled_from(list(risk.STATUS_BAND))
RANK = {"low": 0, "medium": 1, "high": 2}


def facts(**kw) -> risk.Facts:
    return risk.Facts(**({"status": risk.EXPERIENCED} | kw))


def test_the_pure_module_speaks_the_models_values():
    assert set(risk.STATUS_BAND) == set(AssessorProfile.Status.values)
    assert set(risk.BANDS) == set(Band.values)
    assert risk.DISAGREE == Sample.Outcome.DISAGREE


def test_a_trainee_is_high_risk_and_says_why():
    verdict = risk.derive(facts(status=risk.TRAINEE))
    assert verdict.band == "high"
    assert verdict.reasons[0] == "Trainee: every first decision sampled"
    assert "0 signed samples so far: too few to judge agreement (4 needed)" in verdict.reasons


def test_an_experienced_assessor_with_clean_samples_is_low():
    verdict = risk.derive(facts(recent_outcomes=(AGREE,) * 6))
    assert verdict.band == "low"
    assert verdict.reasons == ("Experienced", "No disagreement in the last 6 samples")


def test_three_of_the_last_eight_disagreeing_is_high_and_one_is_medium():
    three = risk.derive(facts(recent_outcomes=(DISAGREE, AGREE, DISAGREE, AGREE, DISAGREE, AGREE, AGREE, AGREE)))
    assert three.band == "high" and "3 of the last 8 samples disagreed" in three.reasons
    one = risk.derive(facts(recent_outcomes=(DISAGREE,) + (AGREE,) * 7))
    assert one.band == "medium" and "1 of the last 8 samples disagreed" in one.reasons


def test_only_the_last_eight_count_and_fewer_than_four_do_not():
    old_disagreements = (AGREE,) * 8 + (DISAGREE,) * 4
    assert risk.derive(facts(recent_outcomes=old_disagreements)).band == "low"
    too_few = risk.derive(facts(recent_outcomes=(DISAGREE,) * 3))
    assert too_few.band == "low" and too_few.counted == 0
    assert "3 signed samples so far: too few to judge agreement (4 needed)" in too_few.reasons


def test_actions_overdue_are_high_and_open_ones_medium():
    overdue = risk.derive(facts(open_actions=2, overdue_actions=1))
    assert overdue.band == "high"
    assert overdue.reasons[-2:] == ("1 action overdue", "1 action open")
    assert risk.derive(facts(open_actions=2)).band == "medium"
    assert "2 actions open" in risk.derive(facts(open_actions=2)).reasons


def test_statuses_give_their_conventional_bands():
    assert {status: risk.derive(facts(status=status)).band for status in risk.STATUS_BAND} == {
        "trainee": "high", "under_development": "high", "new_to_centre": "medium", "newly_qualified": "medium",
        "experienced": "low"}


def test_an_override_stands_until_its_review_date_has_passed():
    today = date(2027, 3, 1)
    assert risk.override_in_force("low", today, today)
    assert not risk.override_in_force("low", today - timedelta(days=1), today)
    assert not risk.override_in_force("", today + timedelta(days=9), today)


def test_a_trainee_near_or_past_their_qualify_by_date_is_flagged():
    today = date(2027, 3, 1)
    assert risk.qualify_by_warning("trainee", today + timedelta(days=91), today) is None
    assert risk.qualify_by_warning("trainee", today + timedelta(days=90), today) == "Must qualify within 90 days"
    assert risk.qualify_by_warning("trainee", today, today) == "Qualify-by date is today"
    assert risk.qualify_by_warning("trainee", today - timedelta(days=1), today) == "Qualify-by date passed 1 day ago"
    assert risk.qualify_by_warning("experienced", today, today) is None


def test_months_are_added_to_the_last_day_of_a_short_month():
    assert risk.add_months(date(2026, 8, 31), 18) == date(2028, 2, 29)
    assert risk.add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


@given(statuses, outcomes, st.integers(0, 5), st.integers(0, 5))
def test_any_facts_give_a_band_and_reasons(status, recent, opened, overdue):
    verdict = risk.derive(risk.Facts(status, recent, opened + overdue, overdue))
    assert verdict.band in risk.BANDS
    assert verdict.reasons and all(isinstance(r, str) and r for r in verdict.reasons)
    # Never lower than the status alone gives.
    assert RANK[verdict.band] >= RANK[risk.STATUS_BAND[status][0]]
    if overdue:
        assert verdict.band == "high"


@given(statuses, outcomes, st.integers(0, 11))
def test_one_more_disagreement_never_lowers_the_band(status, recent, at):
    if not recent:
        return
    at %= len(recent)
    worse = recent[:at] + (DISAGREE,) + recent[at + 1:]
    assert RANK[risk.derive(risk.Facts(status, worse)).band] >= RANK[risk.derive(risk.Facts(status, recent)).band]


@given(statuses, outcomes, st.integers(0, 4))
def test_more_open_actions_never_lower_the_band(status, recent, opened):
    fewer = risk.derive(risk.Facts(status, recent, opened, 0)).band
    more = risk.derive(risk.Facts(status, recent, opened + 1, 0)).band
    assert RANK[more] >= RANK[fewer]
