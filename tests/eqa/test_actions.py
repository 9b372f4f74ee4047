"""EQA actions: the centre (an admin or the lead IQA) answers, the EQA closes; each side is told;
nobody else acts; the list says what is overdue in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.eqa.models import CentreAction
from apps.notifications.models import Notification
from tests.eqa.support_visit import action_of, outcome, today

pytestmark = pytest.mark.django_db
Status = CentreAction.Status


def as_user(client, membership):
    client.force_login(membership.user)
    return client


def respond(client, action, text="Minutes of the June standardisation meeting are now filed."):
    return client.post(reverse("eqa_action_respond", args=[action.pk]), {"response": text})


def close(client, action, note=""):
    return client.post(reverse("eqa_action_close", args=[action.pk]), {"note": note})


def test_the_centre_answers_and_the_eqa_closes(client, world):
    action = action_of(world)
    page = as_user(client, world.lead).get(reverse("eqa_action", args=[action.pk]))
    assert "Answer the action" in page.content.decode() and "Close the action" not in page.content.decode()
    assert respond(client, action).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.responded_by) == (Status.RESPONDED, world.lead.user)
    assert action.response.startswith("Minutes of the June")
    event = AuditEvent.objects.get(action="eqa.action_responded")
    assert event.actor == world.lead.user and event.payload["action"] == "“Add standardisation minutes for unit 2.”"
    told = Notification.objects.get(subject__startswith="The centre answered your action")
    assert told.recipient == world.eqa.user and told.url == reverse("eqa_action", args=[action.pk])

    page = as_user(client, world.eqa).get(reverse("eqa_action", args=[action.pk]))
    assert "Minutes of the June" in page.content.decode() and "Close the action" in page.content.decode()
    assert close(client, action, note="Seen and filed.").status_code == 302
    action.refresh_from_db()
    assert (action.status, action.closed_by, action.closing_note) == (Status.CLOSED, world.eqa.user, "Seen and filed.")
    assert AuditEvent.objects.filter(action="eqa.action_closed", actor=world.eqa.user).count() == 1
    closed = Notification.objects.filter(subject__startswith="The EQA closed the action")
    assert {n.recipient for n in closed} == {world.admin.user, world.lead.user}
    # Closed: no more answers.
    assert "Answer the action" not in as_user(client, world.admin).get(
        reverse("eqa_action", args=[action.pk])).content.decode()
    assert "This action is closed: it takes no more answers." in respond(client, action).content.decode()
    action.refresh_from_db()
    assert action.response.startswith("Minutes of the June")


def test_an_empty_answer_is_refused_and_changes_nothing(client, world):
    action = action_of(world)
    page = respond(as_user(client, world.admin), action, text="   ")
    assert page.status_code == 200
    assert "Say what the centre did to answer the action." in page.content.decode()
    action.refresh_from_db()
    assert (action.status, action.response) == (Status.OPEN, "")
    assert not AuditEvent.objects.filter(action="eqa.action_responded").exists()
    assert not Notification.objects.filter(subject__startswith="The centre answered").exists()


def test_an_unanswered_action_does_not_close(client, world):
    action = action_of(world)
    assert "Close the action" not in as_user(client, world.eqa).get(
        reverse("eqa_action", args=[action.pk])).content.decode()
    page = close(client, action)
    assert page.status_code == 200
    assert "The centre has not answered this action yet: it closes once they have." in page.content.decode()
    action.refresh_from_db()
    assert action.status == Status.OPEN
    assert not AuditEvent.objects.filter(action="eqa.action_closed").exists()


def test_each_side_does_only_its_part(client, world):
    action = action_of(world)
    assert respond(as_user(client, world.eqa), action).status_code == 403  # the EQA does not answer for the centre
    assert respond(as_user(client, world.assessor), action).status_code == 404  # not theirs to see
    assert respond(as_user(client, world.other_admin), action).status_code == 404
    respond(as_user(client, world.admin), action)
    assert close(client, action).status_code == 403  # the centre does not close its own actions
    assert close(as_user(client, world.lead), action).status_code == 403
    action.refresh_from_db()
    assert action.status == Status.RESPONDED
    assert as_user(client, world.assessor).get(reverse("eqa_action", args=[action.pk])).status_code == 404


def test_after_the_grant_ends_the_eqa_no_longer_sees_or_closes(client, world):
    action = action_of(world)
    respond(as_user(client, world.admin), action)
    world.grant.starts_on = today() - timedelta(days=40)
    world.grant.ends_on = today() - timedelta(days=1)
    world.grant.save()
    as_user(client, world.eqa)
    assert client.get(reverse("eqa_action", args=[action.pk])).status_code == 404
    assert close(client, action).status_code == 404
    action.refresh_from_db()
    assert action.status == Status.RESPONDED
    # The centre still reads it.
    assert as_user(client, world.admin).get(reverse("eqa_action", args=[action.pk])).status_code == 200


def test_the_list_says_what_is_overdue_in_words(client, world):
    first = action_of(world)
    second = outcome(world).actions.get()
    CentreAction.objects.filter(pk=first.pk).update(due_on=today() - timedelta(days=2))
    CentreAction.objects.filter(pk=second.pk).update(due_on=today() + timedelta(days=5))
    for side in (world.admin, world.eqa):
        text = as_user(client, side).get(reverse("eqa_actions")).content.decode()
        assert "Overdue by 2 days" in text and "Due in 5 days" in text
        assert text.index("Overdue by 2 days") < text.index("Due in 5 days")
    CentreAction.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    closed_only = as_user(client, world.admin).get(reverse("eqa_actions") + "?status=closed").content.decode()
    assert "Overdue by" not in closed_only and "Due in 5 days" not in closed_only
    assert as_user(client, world.assessor).get(reverse("eqa_actions")).status_code == 403


def test_the_action_list_does_not_grow_with_actions(client, world, django_assert_max_num_queries):
    action_of(world)
    as_user(client, world.admin)
    with django_assert_max_num_queries(10):
        client.get(reverse("eqa_actions"))
    for _ in range(5):
        action_of(world)
    with django_assert_max_num_queries(10):
        assert len(client.get(reverse("eqa_actions")).context["rows"]) == 6
