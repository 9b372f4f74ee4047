"""The claim gate: each state of a signed-off unit's clearance, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.iqa.clearance import State, unit_clearance
from apps.iqa.models import Action, PlanItem, Sample, Stage
from tests.iqa.support_coverage import (
    action,
    add_learner,
    college,
    decide,
    item,
    plan,
    reopen,
    sample,
    sign_off,
    strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    c = college(learners=2)
    strategy(c)
    return c


def gate(enrolment, unit):
    return unit_clearance(enrolment_ids=[enrolment.pk])[(enrolment.pk, unit.pk)]


def test_an_agreeing_summative_sample_clears_the_unit(c):
    learner, unit = c.learners[0], c.unit("1")
    sign_off(learner, unit, c.assessor)
    s = sample(c, learner, unit, c.assessor, outcome=Sample.Outcome.AGREE_WITH_ADVICE)
    cleared = gate(learner, unit)
    assert cleared.cleared and cleared.state == State.SAMPLED and cleared.sample_id == s.pk
    assert f"S-{s.pk}" in cleared.reason and "agree, with advice" in cleared.reason


def test_a_later_disagreement_stands_until_a_summative_re_check_agrees(c):
    learner, unit = c.learners[0], c.unit("1")
    sign_off(learner, unit, c.assessor, on=c.today - timedelta(days=4))
    sample(c, learner, unit, c.assessor, on=c.today - timedelta(days=3))
    disagree = sample(c, learner, unit, c.assessor, outcome=Sample.Outcome.DISAGREE, stage=Stage.INTERIM,
                      on=c.today - timedelta(days=2))
    held = gate(learner, unit)
    assert not held.cleared and held.state == State.DISAGREED
    assert held.reason == f"IQA disagreed (sample S-{disagree.pk}): re-check pending."
    sample(c, learner, unit, c.assessor, on=c.today - timedelta(days=1))
    assert gate(learner, unit).state == State.SAMPLED


def test_an_agreement_with_an_earlier_sign_off_does_not_clear_the_sign_off_in_force(c):
    """Reopened and signed off again, the unit's decisions may have changed since the sample."""
    learner, unit = c.learners[0], c.unit("1")
    first = sign_off(learner, unit, c.assessor, on=c.today - timedelta(days=5))
    sample(c, learner, unit, c.assessor, on=c.today - timedelta(days=4))
    assert gate(learner, unit).state == State.SAMPLED
    reopen(first, c.assessor)
    sign_off(learner, unit, c.assessor, on=c.today - timedelta(days=2))
    again = gate(learner, unit)
    assert again.state != State.SAMPLED and again.sample_id is None
    later = sample(c, learner, unit, c.assessor, on=c.today - timedelta(days=1))
    assert gate(learner, unit).sample_id == later.pk


def test_an_open_or_answered_action_holds_the_unit_and_a_closed_one_does_not(c):
    learner, unit = c.learners[0], c.unit("1")
    sign_off(learner, unit, c.assessor)
    s = sample(c, learner, unit, c.assessor)
    a = action(c, s)
    held = gate(learner, unit)
    assert not held.cleared and held.state == State.OPEN_ACTION and held.action_ids == (a.pk,)
    assert f"A-{a.pk}" in held.reason
    Action.objects.filter(pk=a.pk).update(status=Action.Status.RESPONDED)
    assert gate(learner, unit).state == State.OPEN_ACTION
    action(c, s, status=Action.Status.CLOSED)
    Action.objects.filter(pk=a.pk).delete()
    assert gate(learner, unit).cleared


def test_a_planned_sample_not_yet_done_is_awaited(c):
    learner, unit = c.learners[0], c.unit("1")
    sign_off(learner, unit, c.assessor)
    p = plan(c)
    item(p, learner, unit, c.assessor, status=PlanItem.Status.IN_PROGRESS)
    awaited = gate(learner, unit)
    assert not awaited.cleared and awaited.state == State.AWAITING_SAMPLE
    assert awaited.reason == f"Awaiting IQA sample: planned in plan P-{p.pk}."


def test_covered_by_the_plan_without_a_sample_names_the_plan_and_the_rule(c):
    learner, unit = c.learners[0], c.unit("1")
    p = plan(c)
    sign_off(learner, unit, c.assessor)
    sample(c, learner, c.unit("2"), c.assessor, stage=Stage.INTERIM, plan_item=item(p, learner, c.unit("2"), c.assessor))
    covered = gate(learner, unit)
    assert covered.cleared and covered.state == State.COVERED and covered.plan_id == p.pk
    assert covered.reason == (f"Not sampled — covered by plan P-{p.pk}, rule medium risk: 50 % of learners, "
                              "25 % of units.")


def test_every_learner_before_claim_holds_a_learner_never_sampled(c):
    learner, unit = c.learners[0], c.unit("1")
    plan(c)
    sign_off(learner, unit, c.assessor)
    held = gate(learner, unit)
    assert not held.cleared and held.state == State.LEARNER_UNSAMPLED
    strategy(c, qualification=c.qualification, every_learner_before_claim=False)
    assert gate(learner, unit).state == State.COVERED


def test_no_plan_covering_the_assessor_at_the_sign_off(c):
    learner, unit = c.learners[0], c.unit("1")
    plan(c, start=c.today + timedelta(days=10))  # a later plan does not cover today's sign-off
    sign_off(learner, unit, c.assessor)
    held = gate(learner, unit)
    assert not held.cleared and held.state == State.NO_PLAN and held.reason.startswith("No plan covers it")


def test_a_trainees_first_decision_in_the_unit_must_be_sampled(c):
    learner, unit = c.learners[0], c.unit("1")
    plan(c)
    other = add_learner(c, "Someone Sampled", assessors=[c.trainee])
    sample(c, other, c.unit("2"), c.trainee)
    decide(learner, unit, c.trainee, provisional=True)
    sign_off(learner, unit, c.assessor)
    sample(c, learner, c.unit("3"), c.assessor, stage=Stage.INTERIM)  # the learner has been sampled
    held = gate(learner, unit)
    assert held.state == State.AWAITING_SAMPLE and "trainee's first decision" in held.reason
    strategy(c, qualification=c.qualification, trainee_first_decision_per_unit=False)
    assert gate(learner, unit).state == State.COVERED


def test_only_units_signed_off_and_not_reopened_are_answered(c):
    learner = c.learners[0]
    reopen(sign_off(learner, c.unit("1"), c.assessor), c.assessor)
    sign_off(learner, c.unit("2"), c.assessor)
    assert set(unit_clearance(enrolment_ids=[learner.pk])) == {(learner.pk, c.unit("2").pk)}
    assert unit_clearance(enrolment_ids=[]) == {}


def _world(c, n: int) -> list[int]:
    p = plan(c)
    ids = []
    for k in range(n):
        learner = add_learner(c, f"Bulk {n}-{k}")
        for number in ("1", "2"):
            sign_off(learner, c.unit(number), c.assessor)
        s = sample(c, learner, c.unit("1"), c.assessor, plan_item=item(p, learner, c.unit("1"), c.assessor))
        action(c, s)
        decide(learner, c.unit("3"), c.trainee, provisional=True)
        ids.append(learner.pk)
    return ids


def test_the_number_of_queries_does_not_grow_with_the_enrolments(c):
    small, large = _world(c, 2), _world(c, 12)
    counts = []
    for ids in (small, small + large):
        with CaptureQueriesContext(connection) as queries:
            result = unit_clearance(enrolment_ids=ids)
        assert len(result) == 2 * len(ids)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10
