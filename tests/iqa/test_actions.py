"""The action loop: a disagreement sets an action; the assessor answers it pointing at the new
decision; the IQA re-samples exactly that and closes it (or reopens it). Refusals are in words
and change nothing; overdue is computed; the assessor's home lists what is due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.assessment import services as assessment
from apps.audit.models import AuditEvent
from apps.iqa import actions, sampling
from apps.iqa.models import Action
from apps.notifications.models import Notification
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.iqa.support_samples import entry, in_a_week, signed_off_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return signed_off_unit()


def disagree(w):
    sample = sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit, stage="summative",
                                             reason="A concern")
    sampling.sample_sign(sample=sample, actor=w.iqa, signed_name="Ira Quality", ip_address=None,
                         entry=entry(sample, outcome="disagree", feedback="1.2 is not shown.",
                                     actions=[("Re-judge 1.2", in_a_week())], sufficient=("no", "One call only")))
    return sample, Action.objects.get(sample=sample)


def correct(w):
    """The assessor corrects 1.2 (the unit is open: its sign-off is suspended) and signs off again."""
    new = assessment.decision_correct(decision=w.decisions[1], actor=w.assessor, outcome="met", feedback="Shown now",
                                      reason="IQA sample", signed_name=w.assessor.full_name, ip_address=None)
    assessment.unit_sign_off(enrolment=w.enrolment, unit=w.unit, actor=w.assessor, signed_name=w.assessor.full_name,
                             ip_address=None)
    return new


def test_the_whole_loop_respond_follow_up_close(w):
    sample, action = disagree(w)
    new = correct(w)
    decisions, _ = actions.response_choices(action)
    assert [d.pk for d in decisions] == [new.pk]  # only decisions made in the unit since the action was set
    actions.action_respond(action=action, actor=w.assessor, response="Re-judged 1.2 with the rota", decision_id=new.pk)
    action.refresh_from_db()
    assert action.status == Action.Status.RESPONDED and action.response_decision == new
    assert Notification.objects.filter(recipient=w.iqa, subject__contains="answered action").exists()
    with pytest.raises(ValidationError, match="Re-sample the corrected work first"):
        actions.action_close(action=action, actor=w.iqa)
    follow = sampling.sample_start_follow_up(actor=w.iqa, action=action)
    assert follow.follow_up_of == sample and follow.snapshot["focus"]["decision"] == new.pk
    assert list(follow.decisions_sampled.values_list("pk", flat=True)) == [new.pk]
    assert new.pk in {d["id"] for d in follow.snapshot["decisions"]}
    sampling.sample_sign(sample=follow, actor=w.iqa, signed_name="Ira Quality", ip_address=None,
                         entry=entry(follow, decisions=[new.pk]))
    actions.action_close(action=action, actor=w.iqa, note="Safe now")
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED and action.closed_by == w.iqa
    assert {e.action for e in AuditEvent.objects.filter(object_id=str(action.pk), action__startswith="iqa.action")} >= {
        "iqa.action_set", "iqa.action_responded", "iqa.action_closed"}
    assert Notification.objects.filter(recipient=w.assessor, subject__contains="is closed").exists()


def test_a_disagreeing_follow_up_does_not_close_the_action(w):
    _, action = disagree(w)
    new = correct(w)
    actions.action_respond(action=action, actor=w.assessor, response="Done", decision_id=new.pk)
    follow = sampling.sample_start_follow_up(actor=w.iqa, action=action)
    sampling.sample_sign(sample=follow, actor=w.iqa, signed_name="Ira Quality", ip_address=None,
                         entry=entry(follow, outcome="disagree", feedback="Still not", decisions=[new.pk],
                                     actions=[("Again", in_a_week())]))
    with pytest.raises(ValidationError, match="Re-sample the corrected work first"):
        actions.action_close(action=action, actor=w.iqa)


def test_responses_are_refused_in_words_and_change_nothing(w):
    _, action = disagree(w)
    with pytest.raises(ValidationError) as caught:
        actions.action_respond(action=action, actor=w.assessor, response=" ")
    assert "Say what you did to answer the action." in caught.value.messages
    assert "Point at the corrected decision or the new evidence that answers this action." in caught.value.messages
    with pytest.raises(ValidationError, match="Choose one of the decisions made in this unit"):
        actions.action_respond(action=action, actor=w.assessor, response="x", decision_id=w.decisions[0].pk)
    with pytest.raises(PermissionDenied):
        actions.action_respond(action=action, actor=w.iqa, response="x")
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN and action.response == "" and action.responded_at is None
    # an open action is neither closed nor reopened
    with pytest.raises(ValidationError, match="has not answered this action yet"):
        actions.action_close(action=action, actor=w.iqa)
    with pytest.raises(ValidationError, match="open already"):
        actions.action_reopen(action=action, actor=w.iqa, note="x")
    with pytest.raises(PermissionDenied):
        actions.action_close(action=action, actor=w.assessor)


def test_a_new_evidence_version_may_answer_an_action(w):
    _, action = disagree(w)
    criteria = unit_criteria(w.enrolment, "1")
    evidence = submitted(w.enrolment, w.learner, title="The rota", criteria=criteria[1:])
    accept(evidence, w.assessor, met=criteria[1:])
    _, versions = actions.response_choices(action)
    assert [v.pk for v in versions] == [evidence.current_id]
    actions.action_respond(action=action, actor=w.assessor, response="New evidence", version_id=evidence.current_id)
    follow = sampling.sample_start_follow_up(actor=w.iqa, action=action)
    assert set(follow.decisions_sampled.values_list("pk", flat=True)) == set(
        evidence.current.decisions.values_list("pk", flat=True))


def test_reopening_needs_a_note_and_sends_it_back(w):
    _, action = disagree(w)
    new = correct(w)
    actions.action_respond(action=action, actor=w.assessor, response="Done", decision_id=new.pk)
    with pytest.raises(ValidationError, match="Say why the action is reopened"):
        actions.action_reopen(action=action, actor=w.iqa, note="")
    action.refresh_from_db()
    assert action.status == Action.Status.RESPONDED
    later = timezone.localdate() + timedelta(days=14)
    actions.action_reopen(action=action, actor=w.iqa, note="Feedback still leading", due_on=later)
    action.refresh_from_db()
    assert (action.status, action.reopened_count, action.due_on) == (Action.Status.OPEN, 1, later)
    assert Notification.objects.filter(recipient=w.assessor, subject__contains="was reopened").exists()


def test_overdue_is_computed_and_the_assessor_home_lists_actions_due(w, client):
    _, action = disagree(w)
    Action.objects.filter(pk=action.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    action.refresh_from_db()
    assert actions.is_overdue(action)
    client.force_login(w.assessor)
    body = client.get(reverse("home")).content.decode()
    assert "Actions from your internal quality assurer" in body and "overdue by 3 days" in body
    assert reverse("iqa_action", args=[action.pk]) in body
    listed = actions.actions_listed(client.get(reverse("home")).wsgi_request.membership)
    assert [a.pk for a in listed["for_me"]] == [action.pk]
    Action.objects.filter(pk=action.pk).update(status=Action.Status.CLOSED, closed_at=timezone.now())
    action.refresh_from_db()
    assert not actions.is_overdue(action)


def test_the_actions_page_and_home_read_in_a_fixed_number_of_queries(w, client):
    disagree(w)
    client.force_login(w.assessor)
    for url in (reverse("iqa_actions"), reverse("home")):
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        sample = sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit, stage="interim",
                                                 reason="Another concern")
        sampling.sample_sign(sample=sample, actor=w.iqa, signed_name="Ira Quality", ip_address=None,
                             entry=entry(sample, outcome="agree_with_advice", feedback="Date it",
                                         actions=[("One", in_a_week()), ("Two", in_a_week())]))
        with CaptureQueriesContext(connection) as large:
            assert client.get(url).status_code == 200
        assert len(large) == len(small), url


def test_the_action_page_answers_and_refuses_in_words(w, client):
    _, action = disagree(w)
    url = reverse("iqa_action", args=[action.pk])
    client.force_login(w.assessor)
    assert "Answer the action" in client.get(url).content.decode()
    response = client.post(reverse("iqa_action_respond", args=[action.pk]), {"response": "Done"})
    assert response.status_code == 200
    assert "Point at the corrected decision" in response.content.decode()
    new = correct(w)
    response = client.post(reverse("iqa_action_respond", args=[action.pk]), {"response": "Done", "decision": new.pk})
    assert response.status_code == 302
    client.force_login(w.iqa)
    body = client.get(url).content.decode()
    assert "Re-sample the answer" in body and "Re-sample the corrected work first" in body
    response = client.post(reverse("iqa_sample_start_follow_up", args=[action.pk]))
    assert response.status_code == 302 and "/iqa/samples/" in response.url


def test_the_lead_iqa_re_samples_and_closes_another_iqas_action_and_the_plan_re_check_is_used(w):
    from apps.iqa.models import PlanItem, SamplingPlan

    _, action = disagree(w)
    new = correct(w)
    actions.action_respond(action=action, actor=w.assessor, response="Done", decision_id=new.pk)
    plan = SamplingPlan.objects.create(centre=w.centre, iqa=w.lead, period_start="2026-01-01",
                                       period_end="2026-12-31", seed=1, created_by=w.lead)
    PlanItem.objects.filter(reason=PlanItem.Reason.FOLLOW_UP).delete()
    item = PlanItem.objects.create(centre=w.centre, plan=plan, enrolment=w.enrolment, unit=w.unit, assessor=w.assessor,
                                   stage="summative", due_from="2026-01-01", due_by="2026-12-31",
                                   reason=PlanItem.Reason.FOLLOW_UP, manual=True, added_reason="Re-check")
    follow = sampling.sample_start_follow_up(actor=w.lead, action=action)
    item.refresh_from_db()
    assert follow.plan_item == item and item.status == PlanItem.Status.IN_PROGRESS
    sampling.sample_sign(sample=follow, actor=w.lead, signed_name=w.lead.full_name, ip_address=None,
                         entry=entry(follow, decisions=[new.pk]))
    actions.action_close(action=action, actor=w.lead)
    item.refresh_from_db()
    action.refresh_from_db()
    assert item.status == PlanItem.Status.DONE and action.closed_by == w.lead
