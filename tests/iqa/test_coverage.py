"""Coverage, live: each heatmap cell, each gap, compliance on samples done, the page's scope, its
period picker and its query count, on a small college built by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.iqa import coverage as cov
from apps.iqa.clearance import State
from apps.iqa.coverage import LearnerState, Period, Tone, coverage, default_period
from apps.iqa.models import PlanItem, Stage
from tests.iqa.support_coverage import (
    action,
    add_learner,
    college,
    decide,
    item,
    membership,
    plan,
    sample,
    sign_off,
    strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Asha (medium risk, 50 %) assesses A, B, C and E; Tom (trainee, high risk, 100 %) assesses D;
    E finishes in three weeks. One plan of Ira's covers the period."""
    c = college(learners=3)
    strategy(c)
    a, b, learner_c = c.learners
    d = add_learner(c, "Learner D", assessors=[c.trainee])
    e = add_learner(c, "Learner E", planned_end=c.today + timedelta(weeks=3))
    p = plan(c)
    u1, u2, u3 = c.unit("1"), c.unit("2"), c.unit("3")
    decide(a, u1, c.assessor, method="observation")
    decide(b, u1, c.assessor, method="witness_testimony")
    sign_off(a, u1, c.assessor)
    sign_off(b, u1, c.assessor)
    sign_off(learner_c, u2, c.assessor)
    sample(c, a, u1, c.assessor, plan_item=item(p, a, u1, c.assessor, status=PlanItem.Status.DONE),
               methods=["observation"])
    sample(c, a, u3, c.assessor, stage=Stage.INTERIM, plan_item=item(p, a, u3, c.assessor, stage=Stage.INTERIM))
    outside = sample(c, b, u3, c.assessor, stage=Stage.INTERIM, unplanned=True)
    item(p, d, u1, c.trainee)
    decide(d, u2, c.trainee, provisional=True)
    late = action(c, outside, due=c.today + timedelta(days=1))
    type(late).objects.filter(pk=late.pk).update(due_on=c.today - timedelta(days=4))
    return {"c": c, "plan": p, "a": a, "b": b, "learner_c": learner_c, "d": d, "e": e, "late": late}


def read(world, user=None, **kw):
    c = world["c"]
    m = membership(c, user or c.iqa)
    return coverage(m, period=Period(c.today - timedelta(days=30), c.today + timedelta(days=30)), **kw)


def row(result, user):
    return next(r for r in result.assessors if r.id == user.pk)


def test_compliance_is_measured_on_samples_done_against_the_band(world):
    c = world["c"]
    result = read(world)
    asha, tom = row(result, c.assessor), row(result, c.trainee)
    assert asha.band == "medium" and tom.band == "high" and tom.trainee
    # One of Asha's four learners sampled in the plan (B's sample was outside it): 2 needed.
    assert asha.compliance.words == ("1 of 4 learners sampled, rule 50 % (2 needed); "
                                     "plus 1 sample outside the plan")
    assert asha.compliance.tone == Tone.AMBER
    assert tom.compliance.words == "0 of 1 learner sampled, rule 100 % (1 needed)"
    assert tom.compliance.tone == Tone.RED
    assert "version 1" in result.strategy_words


def test_assessors_by_units(world):
    c = world["c"]
    cells = {cell.unit_id: cell for cell in row(read(world), c.assessor).units}
    one, two, three, four = (cells[c.unit(n).pk] for n in "1234")
    assert (one.summative, one.sign_offs, one.tone) == (1, 2, Tone.GREEN)
    assert one.words == "1 summative of 2 sign-offs, 0 interim"
    assert (two.sign_offs, two.tone, two.symbol) == (1, Tone.RED, "✗")
    assert (three.interim, three.tone) == (2, Tone.AMBER) and "no summative sample yet" in three.words
    assert (four.tone, four.words) == (Tone.NONE, "No sign-offs or samples")


def test_assessors_by_methods(world):
    c = world["c"]
    cells = {cell.method: cell for cell in row(read(world), c.assessor).methods}
    assert (cells["observation"].used, cells["observation"].seen, cells["observation"].tone) == (1, 1, Tone.GREEN)
    witness = cells["witness_testimony"]
    assert (witness.used, witness.seen, witness.tone, witness.required) == (1, 0, Tone.RED, True)
    assert cells["work_product"].tone == Tone.NONE and cells["work_product"].required
    assert cells["rpl"].words == "Not used"


def test_learners_by_units(world):
    c = world["c"]
    result = read(world)
    grid = {r.name: {cell.unit_id: cell for cell in r.cells} for r in result.learners}
    u1, u2, u3, u4 = (c.unit(n).pk for n in "1234")
    a = grid["Learner A"]
    assert a[u1].state == LearnerState.SAMPLED and a[u1].clearance.state == State.SAMPLED
    assert a[u1].short == "Cleared: sampled"
    assert a[u3].state == LearnerState.SAMPLED and a[u3].short == "Sampled (interim)"
    assert a[u4].state == LearnerState.NOT_STARTED
    b = grid["Learner B"]  # signed off; B's only sample is outside the plan, but it is a sample
    assert b[u1].state == LearnerState.COVERED and b[u1].clearance.state == State.COVERED
    learner_c = grid["Learner C"]
    assert learner_c[u2].state == LearnerState.MUST_SAMPLE
    assert learner_c[u2].clearance.state == State.LEARNER_UNSAMPLED
    d = grid["Learner D"]
    assert d[u1].state == LearnerState.MUST_SAMPLE and d[u1].short == "Must sample"
    assert d[u2].state == LearnerState.IN_PROGRESS
    assert result.learners_total == 5


def test_each_gap_in_words_with_a_link(world):
    c = world["c"]
    groups = {g.kind: g for g in read(world).gaps}
    assert [g.words for g in groups["assessor"].gaps] == ["Tom Trainee has had no sample this period (1 learner)."]
    assert groups["assessor"].gaps[0].href.endswith(f"#assessor-{c.trainee.pk}")
    assert [g.words for g in groups["unit"].gaps] == [
        "Unit 2 Unit 2 title (600/0000/1) has 1 sign-off and has never been sampled summatively."]
    assert [g.words for g in groups["trainee"].gaps] == [
        "Tom Trainee's first decision in unit 2 (for Learner D) has not been sampled."]
    assert groups["trainee"].gaps[0].href == reverse("assessment_unit", args=[world["d"].pk, "2"])
    near = [g.words for g in groups["near_end"].gaps]
    assert len(near) == 1 and near[0].startswith("Learner E is due to finish on") and "(in 21 days)" in near[0]
    late = world["late"]
    assert [g.words for g in groups["action"].gaps] == [
        f"Action A-{late.pk} for Asha Assessor was due {(c.today - timedelta(days=4)):%d %b %Y}".replace(
            f" {(c.today - timedelta(days=4)):%d}", f" {(c.today - timedelta(days=4)).day}", 1) + ": 4 days overdue."]


def test_an_iqa_sees_only_their_assessors_and_the_lead_the_centre(world):
    c = world["c"]
    other = add_learner(c, "Olly Outside", assessors=[c.admin])  # nobody allocated to Ira assesses Olly
    names = {r.name for r in read(world).learners}
    assert "Olly Outside" not in names
    assert "Olly Outside" in {r.name for r in read(world, c.lead).learners}
    assert read(world).scope_words == "the 2 assessors you quality-assure"
    # The EQA's grant covers the qualification: every learner on it, in their own words.
    eqa_view = read(world, c.eqa)
    assert "Olly Outside" in {r.name for r in eqa_view.learners}
    assert eqa_view.scope_words == "the 6 learners your EQA access covers"
    del other


def test_learner_filter_and_paging(world, monkeypatch):
    monkeypatch.setattr(cov, "LEARNERS_PER_PAGE", 2)
    result = read(world, page=2)
    assert (result.page, result.pages, [r.name for r in result.learners]) == (2, 3, ["Learner C", "Learner D"])
    assert [r.name for r in read(world, learner_query="  learner   e ").learners] == ["Learner E"]
    assert read(world, page=99).page == 3


def test_the_default_period_is_the_iqas_current_plan(world):
    c = world["c"]
    period = default_period(membership(c, c.iqa))
    assert (period.start, period.end) == (world["plan"].period_start, world["plan"].period_end)
    assert default_period(membership(c, c.admin)) == period  # the centre's plan covering today
    fresh = college(learners=0)
    term = default_period(membership(fresh, fresh.iqa))
    assert term.start.day == 1 and term.start <= fresh.today <= term.end


def test_without_a_plan_the_default_period_is_the_one_plans_are_made_for():
    from datetime import date

    from apps.iqa.planning import period_containing

    fresh = college(learners=0)
    for today in (date(2026, 1, 15), date(2025, 9, 1), date(2026, 7, 31)):
        period = default_period(membership(fresh, fresh.iqa), today=today)
        assert (period.start, period.end) == period_containing(today, 3), today


def test_the_page_for_each_reader_and_refused_to_assessors(client, world):
    c = world["c"]
    for user in (c.iqa, c.lead, c.admin, c.eqa):
        client.force_login(user)
        response = client.get(reverse("iqa_coverage"))
        assert response.status_code == 200
        assert "Are we covered?" in response.content.decode()
    client.force_login(c.assessor)
    assert client.get(reverse("iqa_coverage")).status_code == 403


def test_the_page_shows_red_amber_and_the_gaps_in_words(client, world):
    c = world["c"]
    client.force_login(c.iqa)
    page = client.get(reverse("iqa_coverage")).content.decode()
    assert "Red: behind" in page and "Amber: short" in page
    assert "Tom Trainee has had no sample this period (1 learner)." in page
    assert "Quality assurance</a>" in page  # the navigation entry


def test_a_bad_period_is_said_and_the_current_period_shown(client, world):
    c = world["c"]
    client.force_login(c.iqa)
    start, end = c.today, c.today - timedelta(days=3)
    response = client.get(reverse("iqa_coverage"), {"start": start.isoformat(), "end": end.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The period ends before it starts: swap the dates." in page
    assert "(the current plan period)" in page
    response = client.get(reverse("iqa_coverage"), {"start": "0223-01-01", "end": c.today.isoformat()})
    assert "before 1900" in response.content.decode()


def _grow(world, n: int) -> None:
    c, p = world["c"], world["plan"]
    for k in range(n):
        learner = add_learner(c, f"Grown {len(c.learners)}-{k}", assessors=[c.assessor, c.trainee])
        decide(learner, c.unit("1"), c.trainee, provisional=True, method="questioning")
        sign_off(learner, c.unit("1"), c.assessor)
        s = sample(c, learner, c.unit("1"), c.assessor, plan_item=item(p, learner, c.unit("1"), c.assessor),
                   methods=["questioning"])
        action(c, s, due=c.today + timedelta(days=1))
        item(p, learner, c.unit("2"), c.assessor)


def test_the_query_count_does_not_grow_with_learners(client, world):
    c = world["c"]
    client.force_login(c.iqa)
    counts = []
    for n in (2, 30):
        _grow(world, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("iqa_coverage")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
