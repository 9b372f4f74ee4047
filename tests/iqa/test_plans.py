"""Sampling plans with the database: generating from the facts, regenerating without losing work,
adding and dropping by hand, readiness, the receivers, and the pages (query counts with two
sizes of data)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.assessment.models import UnitReopening
from apps.audit.models import AuditEvent
from apps.iqa import plans, signals
from apps.iqa.models import AssessorProfile, Band, PlanItem, Sample, SamplingPlan, Stage
from apps.learners.models import Enrolment
from tests.iqa.support_plans import caseload, enrol, judge, plan_world, sign_off

pytestmark = pytest.mark.django_db


def generate(w, **kwargs):
    return plans.plan_generate(actor=w.iqa, centre=w.centre, seed=kwargs.pop("seed", 42), **kwargs)


def live(plan):
    return PlanItem.objects.filter(plan=plan).exclude(status=PlanItem.Status.DROPPED)


def test_without_an_approved_strategy_nothing_is_saved_and_the_message_says_where_to_go():
    w = plan_world(approved=False)
    caseload(w, 1)
    with pytest.raises(ValidationError) as caught:
        generate(w)
    assert "approved sampling strategy" in caught.value.messages[0]
    assert not SamplingPlan.objects.exists() and not AuditEvent.objects.filter(action__startswith="iqa.plan").exists()


def test_only_an_iqa_generates_a_plan():
    w = plan_world()
    with pytest.raises(PermissionDenied):
        plans.plan_generate(actor=w.admin, centre=w.centre)


def test_a_generated_plan_covers_every_assessor_all_the_trainees_learners_and_never_the_iqas_own():
    w = plan_world()
    learners = caseload(w, 3)
    own = enrol(w, "Assessed By The IQA", w.assessor)
    own.assessors.add(w.iqa)
    judge(own, w.assessor)
    made = generate(w)
    items = list(live(made.plan))
    assert made.created and made.added == len(items) > 0
    assert {i.assessor_id for i in items} == {w.assessor.pk, w.trainee.pk}
    trainees_learners = {e.pk for e in learners if w.trainee in e.assessors.all()}
    assert trainees_learners <= {i.enrolment_id for i in items if i.assessor_id == w.trainee.pk}
    assert own.pk not in {i.enrolment_id for i in items}
    assert all(i.reason_detail and i.rule for i in items)
    plan = made.plan
    assert plan.generation == 1 and plan.generated_at and plan.seed == 42 and plan.strategies
    event = AuditEvent.objects.get(action="iqa.plan_generated")
    assert event.payload["added"] == len(items) and event.payload["seed"] == 42


def test_the_same_seed_and_facts_give_the_same_plan_in_another_period():
    w = plan_world()
    caseload(w, 3)
    first = generate(w).plan
    keys = {(i.enrolment_id, i.unit_id, i.stage, i.reason) for i in live(first)}
    again = generate(w, period_start=first.period_end + timedelta(days=1)).plan
    assert again.pk != first.pk
    assert {(i.enrolment_id, i.unit_id, i.stage, i.reason) for i in live(again)} == keys


def test_regeneration_keeps_done_in_progress_and_manual_items_and_drops_what_is_no_longer_chosen():
    w = plan_world()
    learners = caseload(w, 3)
    plan = generate(w).plan
    items = list(live(plan).order_by("id"))
    done, under_way = items[0], items[1]
    PlanItem.objects.filter(pk=done.pk).update(status=PlanItem.Status.DONE)
    PlanItem.objects.filter(pk=under_way.pk).update(status=PlanItem.Status.IN_PROGRESS)
    extra = enrol(w, "Added By Hand", w.assessor)
    manual = plans.plan_item_add(actor=w.iqa, plan=plan, enrolment=extra, unit_number="2", stage=Stage.INTERIM,
                                 kind=PlanItem.Reason.CONCERN, reason="The learner complained about feedback.")
    # A learner withdraws: their planned samples are no longer chosen.
    gone = next(e for e in learners if live(plan).filter(enrolment=e, status=PlanItem.Status.PLANNED).exists()
                and e.pk not in (done.enrolment_id, under_way.enrolment_id))
    Enrolment.objects.filter(pk=gone.pk).update(status=Enrolment.Status.WITHDRAWN)
    made = generate(w)
    assert not made.created and made.plan.pk == plan.pk and made.plan.generation == 2
    kept = {i.pk: i for i in live(plan)}
    assert {done.pk, under_way.pk, manual.pk} <= set(kept)
    assert kept[done.pk].status == PlanItem.Status.DONE and kept[under_way.pk].status == PlanItem.Status.IN_PROGRESS
    keys = [(i.enrolment_id, i.unit_id, i.stage) for i in kept.values()]
    assert len(keys) == len(set(keys))
    dropped = PlanItem.objects.filter(plan=plan, enrolment=gone, status=PlanItem.Status.DROPPED)
    assert dropped.exists() and all(d.dropped_reason.startswith("replanned: ") for d in dropped)
    assert AuditEvent.objects.filter(action="iqa.plan_regenerated").get().payload["dropped"] == made.dropped >= 1


def test_gathering_the_facts_takes_the_same_queries_for_more_learners():
    counts = []
    for n in (1, 4):
        w = plan_world()
        caseload(w, n)
        with CaptureQueriesContext(connection) as ctx:
            generate(w)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_adding_by_hand_needs_a_reason_and_refuses_the_iqas_own_learner_and_a_repeat():
    w = plan_world()
    e = caseload(w, 1)[0]
    plan = generate(w).plan
    before = PlanItem.objects.count()
    with pytest.raises(ValidationError) as caught:
        plans.plan_item_add(actor=w.iqa, plan=plan, enrolment=e, unit_number="9", stage="weekly", kind="whim",
                            reason="  ")
    assert len(caught.value.messages) == 4 and PlanItem.objects.count() == before
    own = enrol(w, "IQA's Own", w.assessor)
    own.assessors.add(w.iqa)
    with pytest.raises(ValidationError, match="never samples their own"):
        plans.plan_item_add(actor=w.iqa, plan=plan, enrolment=own, unit_number="1", stage=Stage.SUMMATIVE,
                            kind=PlanItem.Reason.MANUAL, reason="Checking")
    item = plans.plan_item_add(actor=w.iqa, plan=plan, enrolment=e, unit_number="3", stage=Stage.SUMMATIVE,
                               kind=PlanItem.Reason.EQA_REQUEST, reason="The EQA asked for unit 3.")
    assert item.manual and item.reason == PlanItem.Reason.EQA_REQUEST and item.added_by == w.iqa
    with pytest.raises(ValidationError, match="already has"):
        plans.plan_item_add(actor=w.iqa, plan=plan, enrolment=e, unit_number="3", stage=Stage.SUMMATIVE,
                            kind=PlanItem.Reason.MANUAL, reason="Again")
    assert AuditEvent.objects.filter(action="iqa.plan_item_added").count() == 1
    with pytest.raises(PermissionDenied):
        plans.plan_item_add(actor=w.admin, plan=plan, enrolment=e, unit_number="4", stage=Stage.SUMMATIVE,
                            kind=PlanItem.Reason.MANUAL, reason="Admins change nothing")
    # The lead IQA edits anyone's plan.
    plans.plan_item_add(actor=w.lead, plan=plan, enrolment=e, unit_number="4", stage=Stage.INTERIM,
                        kind=PlanItem.Reason.MANUAL, reason="Lead's check")


def test_dropping_needs_a_reason_and_never_drops_work_done_or_under_way():
    w = plan_world()
    caseload(w, 1)
    plan = generate(w).plan
    first, second = list(live(plan).order_by("id"))[:2]
    with pytest.raises(ValidationError, match="reason"):
        plans.plan_item_drop(actor=w.iqa, item=first, reason=" ")
    first.refresh_from_db()
    assert first.status == PlanItem.Status.PLANNED
    PlanItem.objects.filter(pk=second.pk).update(status=PlanItem.Status.DONE)
    with pytest.raises(ValidationError, match="Only a planned sample"):
        plans.plan_item_drop(actor=w.iqa, item=second, reason="Done already")
    dropped = plans.plan_item_drop(actor=w.iqa, item=first, reason="The learner withdrew.")
    assert dropped.status == PlanItem.Status.DROPPED and dropped.dropped_by == w.iqa
    assert AuditEvent.objects.get(action="iqa.plan_item_dropped").payload["reason"] == "The learner withdrew."


def test_readiness_is_computed_in_the_query_ready_first_and_the_longest_waiting_first():
    w = plan_world()
    a, b, c = (enrol(w, name, w.assessor) for name in ("Ann", "Bob", "Cat"))
    for e in (a, b, c):
        judge(e, w.assessor)
    plan = generate(w).plan
    unit = w.unit("1")
    PlanItem.objects.filter(plan=plan).update(status=PlanItem.Status.DROPPED, dropped_reason="test")

    def item(e, stage):
        return PlanItem.objects.create(centre=w.centre, plan=plan, enrolment=e, unit=unit, assessor=w.assessor,
                                       stage=stage, due_from=plan.period_start, due_by=plan.period_end,
                                       reason=PlanItem.Reason.MANUAL, manual=True, added_reason="t")
    waiting = item(a, Stage.SUMMATIVE)  # not signed off
    later = item(b, Stage.SUMMATIVE)
    sooner = item(c, Stage.SUMMATIVE)
    interim = item(a, Stage.INTERIM)  # unit 1 has judged criteria
    sign_off(c, w.assessor, unit)
    reopened = sign_off(a, w.assessor, unit)
    UnitReopening.objects.create(sign_off=reopened, reason="Wrong", signed_by=w.assessor,
                                 signed_name=w.assessor.full_name)
    sign_off(b, w.assessor, unit)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(plans.with_readiness(PlanItem.objects.filter(plan=plan).exclude(status=PlanItem.Status.DROPPED)))
    assert len(ctx.captured_queries) == 1
    ready = {r.pk: r.ready for r in rows}
    assert ready == {waiting.pk: False, later.pk: True, sooner.pk: True, interim.pk: True}
    assert [r.pk for r in rows][-1] == waiting.pk
    assert [r.pk for r in rows].index(sooner.pk) < [r.pk for r in rows].index(later.pk)


def test_a_band_change_regenerates_the_plans_that_cover_the_assessor():
    w = plan_world()
    caseload(w, 4)
    plan = generate(w).plan
    profile = AssessorProfile.objects.create(centre=w.centre, assessor=w.assessor, band=Band.LOW,
                                             derived_band=Band.LOW)
    signals.band_changed.send(sender=AssessorProfile, profile=profile, from_band=Band.HIGH, to_band=Band.LOW)
    plan.refresh_from_db()
    assert plan.generation == 2
    event = AuditEvent.objects.get(action="iqa.plan_regenerated")
    assert event.actor is None and "high risk to low risk" in event.payload["why"]


def test_a_referral_adds_a_follow_up_and_keeps_the_done_item():
    w = plan_world()
    e = caseload(w, 1)[0]
    plan = generate(w).plan
    item = live(plan).filter(enrolment=e).first()
    PlanItem.objects.filter(pk=item.pk).update(status=PlanItem.Status.DONE)
    sample = Sample.objects.create(
        centre=w.centre, plan_item=item, enrolment=e, unit=item.unit, assessor=item.assessor, iqa=w.iqa,
        stage=item.stage, snapshot={}, snapshot_sha256="0" * 64, outcome=Sample.Outcome.DISAGREE,
    )
    signals.referral_raised.send(sender=Sample, sample=sample)
    follow = PlanItem.objects.get(plan=plan, reason=PlanItem.Reason.FOLLOW_UP)
    assert (follow.enrolment_id, follow.unit_id, follow.assessor_id) == (e.pk, item.unit_id, item.assessor_id)
    assert follow.manual and follow.status == PlanItem.Status.PLANNED
    assert PlanItem.objects.get(pk=item.pk).status == PlanItem.Status.DONE
    expected = Stage.SUMMATIVE if item.stage == Stage.INTERIM else Stage.INTERIM
    assert follow.stage == expected


# --- pages ----------------------------------------------------------------------------------------


def test_the_plan_page_takes_the_same_queries_for_more_learners(client):
    counts = []
    for n in (1, 4):
        w = plan_world()
        caseload(w, n)
        plan = generate(w).plan
        client.force_login(w.iqa)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("iqa_plan", args=[plan.pk]))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_big_plan_shows_each_assessors_first_samples_ready_first_and_all_of_one_on_demand(client):
    w = plan_world()
    learners = [enrol(w, name, w.assessor) for name in ("Ann", "Bob", "Cat")]
    judge(learners[0], w.assessor)
    plan = generate(w).plan
    PlanItem.objects.filter(plan=plan).update(status=PlanItem.Status.DROPPED, dropped_reason="test")
    unit = w.unit("1")
    for e in learners:
        for stage in (Stage.INTERIM, Stage.SUMMATIVE):
            PlanItem.objects.create(
                centre=w.centre, plan=plan, enrolment=e, unit=unit, assessor=w.assessor, stage=stage,
                due_from=plan.period_start, due_by=plan.period_end, reason=PlanItem.Reason.MANUAL, manual=True,
                added_reason="t")
    judge(learners[2], w.assessor)  # Ann's and Cat's interim items are ready: Ann's, judged first, waited longest
    page = plans.plan_page(plan, shown=2)
    group = next(g for g in page.groups if g.assessor == w.assessor)
    assert (group.total, group.hidden, len(group.items)) == (6, 4, 2)
    assert [(i.enrolment, i.stage, i.ready) for i in group.items] == [
        (learners[0], Stage.INTERIM, True), (learners[2], Stage.INTERIM, True)]
    assert group.ready_total == 2
    assert page.counts["dropped"] == PlanItem.objects.filter(plan=plan, status=PlanItem.Status.DROPPED).count()
    full = plans.plan_page(plan, assessor_id=w.assessor.pk, shown=2)
    assert [len(g.items) for g in full.groups] == [6] and full.groups[0].hidden == 0
    client.force_login(w.iqa)
    html = client.get(reverse("iqa_plan", args=[plan.pk])).content.decode()
    assert "Show all" not in html  # ten a group by default: six fit


def test_the_list_page_points_at_the_strategy_when_none_is_approved_and_refuses_a_bad_seed(client):
    w = plan_world(approved=False)
    client.force_login(w.iqa)
    page = client.get(reverse("iqa_plans")).content.decode()
    assert "no approved sampling strategy" in page
    response = client.post(reverse("iqa_plan_generate"), {"seed": "-4"})
    assert response.status_code == 200 and not SamplingPlan.objects.exists()
    response = client.post(reverse("iqa_plan_generate"), {})
    assert response.status_code == 200 and "approved sampling strategy" in response.content.decode()


def test_generate_add_and_drop_through_the_pages(client):
    w = plan_world()
    e = caseload(w, 1)[0]
    client.force_login(w.iqa)
    response = client.post(reverse("iqa_plan_generate"), {"seed": "7"})
    plan = SamplingPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("iqa_plan", args=[plan.pk])
    page = client.get(response.url).content.decode()
    assert "Asha Assessor" in page and "Tom Trainee" in page and "Ready" in page
    add = reverse("iqa_plan_item_add", args=[plan.pk])
    assert client.post(add, {"enrolment": e.pk, "unit": "4", "stage": "interim", "kind": "manual",
                             "reason": ""}).status_code == 200
    response = client.post(add, {"enrolment": e.pk, "unit": "4", "stage": "interim", "kind": "manual",
                                 "reason": "Spot check"})
    assert response.status_code == 302
    item = PlanItem.objects.get(plan=plan, manual=True)
    drop = reverse("iqa_plan_item_drop", args=[item.pk])
    assert client.get(drop).status_code == 200
    assert client.post(drop, {"reason": ""}).status_code == 200
    assert client.post(drop, {"reason": "Not needed after all"}).status_code == 302
    item.refresh_from_db()
    assert item.status == PlanItem.Status.DROPPED
    client.force_login(w.admin)
    assert client.get(reverse("iqa_plan", args=[plan.pk])).status_code == 200
    assert client.get(drop).status_code == 403


def test_the_iqa_home_lists_ready_samples_first(client):
    w = plan_world()
    caseload(w, 2)
    generate(w)
    client.force_login(w.iqa)
    page = client.get(reverse("home")).content.decode()
    assert "ready to take" in page and reverse("iqa_plans") in page


def test_the_plan_page_ignores_an_assessor_that_is_not_a_plain_number(client):
    w = plan_world()
    caseload(w, 1)
    plan = generate(w).plan
    client.force_login(w.iqa)
    for odd in ("²", "١٢", "9" * 40, "-1"):
        assert client.get(reverse("iqa_plan", args=[plan.pk]), {"assessor": odd}).status_code == 200, odd


def test_when_a_trainee_qualifies_the_plan_drops_their_first_decision_samples_even_if_the_band_stays():
    from apps.iqa.profiles import band_override, profile_for, profile_record_qualified

    w = plan_world()
    caseload(w, 1)
    plan = generate(w).plan

    def firsts():
        return live(plan).filter(assessor=w.trainee, reason=PlanItem.Reason.TRAINEE_FIRST,
                                 status=PlanItem.Status.PLANNED).count()

    assert firsts() > 0
    today = timezone.localdate()
    profile = band_override(actor=w.lead, profile=profile_for(w.centre.pk, w.trainee.pk), band=Band.HIGH,
                            reason="Kept under close watch", review_on=today + timedelta(days=30))
    profile = profile_record_qualified(actor=w.lead, profile=profile, qualification="Assessor award",
                                       qualified_on=today)
    assert profile.band == Band.HIGH  # the band stood, yet the plan followed
    assert firsts() == 0


def test_a_plan_that_would_overlap_another_of_the_same_iqa_is_refused_in_words():
    w = plan_world()
    caseload(w, 1)
    first = generate(w).plan
    with pytest.raises(ValidationError, match="which overlaps"):
        generate(w, period_start=first.period_start + timedelta(days=1))
    assert SamplingPlan.objects.count() == 1
    after = generate(w, period_start=first.period_end + timedelta(days=1)).plan
    assert after.period_start == first.period_end + timedelta(days=1)
