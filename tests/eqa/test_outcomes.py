"""Visit outcomes: the EQA records one per qualification of the grant, signed, with actions for
the centre; a Direct Claims Status decision is followed by the centre's approval and so by the
claim pages; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.certification.models import ClaimBatch, QualificationApproval
from apps.eqa.models import CentreAction, VisitOutcome
from apps.notifications.models import Notification
from tests.eqa.support import grant_for
from tests.eqa.support_visit import approval, authorise, declared_batch, learner_with_units, outcome, today

pytestmark = pytest.mark.django_db

DCS, RESULT = VisitOutcome.DCS, VisitOutcome.Result


def new_url(world, grant=None) -> str:
    return reverse("eqa_outcome_new", args=[(grant or world.grant).pk])


def as_user(client, membership):
    client.force_login(membership.user)
    return client


def form(world, **changes) -> dict:
    data = {
        "qualification": world.ncfe.pk, "kind": VisitOutcome.Kind.VISIT,
        "visited_on": (today() - timedelta(days=1)).isoformat(), "result": RESULT.ACTIONS, "dcs": DCS.NOT_DECIDED,
        "report": "Assessment decisions are sound; standardisation records are thin.",
        "action-0-text": "Record standardisation of unit 2.", "action-0-due": (today() + timedelta(days=30)).isoformat(),
        "action-1-text": "", "action-1-due": "", "action-2-text": "", "action-2-due": "",
        "signed_name": world.eqa.user.full_name,
    }
    return data | changes


def nothing_recorded() -> bool:
    return (not VisitOutcome.objects.exists() and not CentreAction.objects.exists()
            and not AuditEvent.objects.filter(action__in=["eqa.outcome_recorded", "certification.approval_set"]).exists()
            and not Notification.objects.filter(subject__startswith="EQA outcome").exists())


def test_the_eqa_records_an_outcome_with_an_action_and_the_centre_is_told(client, world):
    response = as_user(client, world.eqa).post(new_url(world), form(world))
    outcome = VisitOutcome.objects.get()
    assert response.status_code == 302 and response.url == reverse("eqa_outcome", args=[outcome.pk])
    assert (outcome.qualification, outcome.result, outcome.dcs, outcome.signed_name, outcome.recorded_by) == (
        world.ncfe, RESULT.ACTIONS, DCS.NOT_DECIDED, world.eqa.user.full_name, world.eqa.user)
    action = CentreAction.objects.get()
    assert (action.outcome, action.text, action.status, action.due_on) == (
        outcome, "Record standardisation of unit 2.", CentreAction.Status.OPEN, today() + timedelta(days=30))
    event = AuditEvent.objects.get(action="eqa.outcome_recorded")
    assert event.actor == world.eqa.user
    assert event.payload["qualification"] == f"{world.ncfe.number} {world.ncfe.title}"
    assert event.payload["result"] == "Satisfactory with actions" and event.payload["actions"] == 1
    told = Notification.objects.filter(subject=f"EQA outcome for {world.ncfe.number}: Satisfactory with actions")
    assert {n.recipient for n in told} == {world.admin.user, world.lead.user}
    assert not AuditEvent.objects.filter(action="certification.approval_set").exists()  # DCS not decided
    page = client.get(response.url)
    text = page.content.decode()
    assert "standardisation records are thin" in text and "Record standardisation of unit 2." in text
    assert "Due in 30 days" in text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"qualification": "PEARSON"}, "qualification", "Choose one of the qualifications your access covers."),
    ({"signed_name": ""}, "signed_name", "Type your full name to sign."),
    ({"signed_name": "Somebody Else"}, "signed_name", "Type your full name exactly as the centre has it"),
    ({"action-0-text": "", "action-0-due": ""}, "action-0-text", "“Satisfactory with actions” needs at least one action"),
    ({"action-0-due": "VISIT"}, "action-0-due", "not after the visit on"),
    ({"visited_on": "TOMORROW"}, "visited_on", "is in the future"),
    ({"report": "  "}, "report", "Write the report to the centre"),
    ({"result": RESULT.SATISFACTORY}, "result", "You set actions but chose “Satisfactory: no actions”"),
    ({"result": RESULT.BLOCK, "dcs": DCS.KEPT}, "dcs", "Claims are blocked"),
    ({"action-1-text": "Half an action", "action-1-due": ""}, "action-1-due", "Give the date action 2 is due."),
    ({"visited_on": "not a date"}, "visited_on", "The visit date is not a date"),
])
def test_bad_input_is_said_beside_its_field_and_changes_nothing(client, world, changes, field, message):
    values = {"PEARSON": world.pearson.pk, "VISIT": (today() - timedelta(days=1)).isoformat(),
              "TOMORROW": (today() + timedelta(days=1)).isoformat()}
    changes = {k: values.get(v, v) if isinstance(v, str | int) else v for k, v in changes.items()}
    page = as_user(client, world.eqa).post(new_url(world), form(world, **changes))
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert any(message in e for e in errors.get(field, [])), errors
    assert message.split("“")[0][:30] in page.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert nothing_recorded()


def test_a_qualification_outside_the_grant_is_refused_by_the_service_too(world):
    from django.core.exceptions import ValidationError

    from apps.eqa import visits
    from tests.eqa.support_visit import outcome_facts

    with pytest.raises(ValidationError) as refused:
        visits.outcome_record(actor=world.eqa.user, grant=world.grant,
                              facts=outcome_facts(world, qualification_id=world.pearson.pk))
    assert refused.value.message_dict["qualification"] == ["Choose one of the qualifications your access covers."]
    assert nothing_recorded()


# --- Direct Claims Status --------------------------------------------------------------------------------


def test_removed_dcs_sends_the_next_batch_to_the_eqa(client, world):
    approval(world, dcs=True)
    amy = learner_with_units(world, "Amy Achiever")
    batch = declared_batch(world, [amy])
    as_user(client, world.eqa).post(new_url(world), form(world, dcs=DCS.REMOVED))
    row = QualificationApproval.objects.get(centre=world.centre, qualification_number=world.ncfe.number)
    assert (row.has_dcs, row.dcs_since, row.updated_by) == (False, None, world.eqa.user)
    event = AuditEvent.objects.get(action="certification.approval_set")
    assert event.actor == world.eqa.user and event.payload["has_dcs"] is False
    assert event.payload["decision"] == "Direct Claims Status removed"
    batch = authorise(world, batch)
    assert (batch.route, batch.status) == (ClaimBatch.Route.EQA, ClaimBatch.Status.AWAITING_EQA)
    settings_page = as_user(client, world.admin).get(reverse("claims_settings")).content.decode()
    assert "No: claims wait for the EQA" in settings_page


def test_granted_dcs_lets_the_next_batch_go_without_the_eqa(client, world):
    approval(world, dcs=False)
    amy = learner_with_units(world, "Amy Achiever")
    batch = declared_batch(world, [amy])
    visited = today() - timedelta(days=3)
    as_user(client, world.eqa).post(new_url(world), form(world, dcs=DCS.GRANTED, result=RESULT.SATISFACTORY,
                                                         **{"visited_on": visited.isoformat(), "action-0-text": "",
                                                            "action-0-due": ""}))
    row = QualificationApproval.objects.get(centre=world.centre, qualification_number=world.ncfe.number)
    assert (row.has_dcs, row.dcs_since) == (True, visited)
    batch = authorise(world, batch)
    assert (batch.route, batch.status) == (ClaimBatch.Route.DCS, ClaimBatch.Status.READY)
    assert f"Yes, since {visited.day} {visited:%B %Y}" in as_user(client, world.admin).get(
        reverse("claims_settings")).content.decode()


def test_kept_dcs_keeps_the_earlier_date_and_records_nothing_new(world):
    earlier = approval(world, dcs=True).dcs_since
    outcome(world, dcs=DCS.KEPT)
    row = QualificationApproval.objects.get(centre=world.centre, qualification_number=world.ncfe.number)
    assert (row.has_dcs, row.dcs_since) == (True, earlier)
    assert not AuditEvent.objects.filter(action="certification.approval_set").exists()  # nothing changed


def test_withheld_dcs_records_the_approval_without_dcs(world):
    outcome(world, dcs=DCS.WITHHELD)
    row = QualificationApproval.objects.get(centre=world.centre, qualification_number=world.ncfe.number)
    assert (row.has_dcs, row.dcs_since) == (False, None)
    assert AuditEvent.objects.filter(action="certification.approval_set", actor=world.eqa.user).count() == 1


# --- who may record, and who reads ---------------------------------------------------------------------


def test_only_the_eqa_of_an_open_grant_records(client, world):
    assert as_user(client, world.admin).get(new_url(world)).status_code == 403
    assert client.post(new_url(world), form(world, signed_name=world.admin.user.full_name)).status_code == 403
    assert as_user(client, world.lead).post(new_url(world), form(world)).status_code == 403  # reads the grant, may not act
    assert as_user(client, world.other_admin).get(new_url(world)).status_code == 404
    assert nothing_recorded()
    world.grant.ended_at, world.grant.ended_by = world.grant.created_at, world.admin.user
    world.grant.save()
    assert as_user(client, world.eqa).get(new_url(world)).status_code == 404
    assert client.post(new_url(world), form(world)).status_code == 404
    assert nothing_recorded()


def test_a_grant_not_yet_started_records_nothing(client, world):
    later = grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today() + timedelta(days=3),
                      ends_on=today() + timedelta(days=10), created_by=world.admin.user)
    assert as_user(client, world.eqa).post(new_url(world, later), form(world)).status_code == 404
    assert nothing_recorded()


def test_both_sides_read_the_outcomes_and_others_do_not(client, world):
    recorded = outcome(world)
    for side in (world.eqa, world.admin, world.lead):
        listing = as_user(client, side).get(reverse("eqa_outcomes"))
        assert listing.status_code == 200 and world.ncfe.number in listing.content.decode()
        assert client.get(reverse("eqa_outcome", args=[recorded.pk])).status_code == 200
    assert as_user(client, world.assessor).get(reverse("eqa_outcomes")).status_code == 403
    assert as_user(client, world.other_admin).get(reverse("eqa_outcome", args=[recorded.pk])).status_code == 404


def test_the_outcomes_list_does_not_grow_with_outcomes(client, world, django_assert_max_num_queries):
    outcome(world)
    as_user(client, world.admin)
    with django_assert_max_num_queries(12):
        client.get(reverse("eqa_outcomes"))
    for _ in range(4):
        outcome(world)
    with django_assert_max_num_queries(12):
        assert len(client.get(reverse("eqa_outcomes")).context["page"]) == 5
