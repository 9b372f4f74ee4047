"""Observations of practice and standardisation meetings: the services (bad input is a clear
message and saves nothing), their audit events and actions, and their pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.iqa import quality
from apps.iqa.models import Action, PracticeObservation, StandardisationJudgement, StandardisationMeeting
from apps.iqa.quality import ActionInput, JudgementInput, MeetingInput, ObservationInput
from tests.factories import MembershipFactory
from tests.iqa.support_coverage import college

pytestmark = pytest.mark.django_db

ALL_YES = {key: {"answer": "yes", "comment": ""} for key in
           ("planning", "conduct", "questioning", "feedback", "recording", "appeals")}


@pytest.fixture
def c():
    return college(learners=1)


def observation(c, **changes) -> ObservationInput:
    values = dict(assessor_id=c.assessor.pk, observed_on=c.today, activity="Till procedure observed", method="observation",
                  checklist=ALL_YES, outcome=PracticeObservation.Outcome.SATISFACTORY, notes="Well run.",
                  signed_name=c.iqa.full_name)
    return ObservationInput(**(values | changes))


def meeting(c, **changes) -> MeetingInput:
    values = dict(
        held_on=c.today, qualification_id=c.qualification.pk, unit_id=c.unit("1").pk, facilitator_id=c.iqa.pk,
        exemplar="Anonymised unit 1 portfolio", agreed_judgement="met",
        judgements=[JudgementInput(c.assessor.pk, "met"), JudgementInput(c.trainee.pk, "not_yet_met", "Too thin"),
                    JudgementInput(c.iqa.pk, "met")],
        notes="Discussed witness testimony.", actions=[],
    )
    return MeetingInput(**(values | changes))


def nothing_saved():
    assert not PracticeObservation.objects.exists() and not StandardisationMeeting.objects.exists()
    assert not Action.objects.exists() and not StandardisationJudgement.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["iqa.practice_observed", "iqa.standardisation_recorded",
                                                     "iqa.action_set"]).exists()


def test_an_observation_is_recorded_signed_audited_and_sets_its_actions(c):
    due = c.today + timedelta(days=14)
    recorded = quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(
        c, outcome=PracticeObservation.Outcome.UNSATISFACTORY,
        checklist=ALL_YES | {"questioning": {"answer": "no", "comment": "Leading questions."}},
        actions=[ActionInput("Plan open questions for the next observation.", due)],
    ))
    assert recorded.checklist["questioning"] == {"answer": "no", "comment": "Leading questions."}
    assert recorded.signed_name == c.iqa.full_name and recorded.iqa == c.iqa
    event = AuditEvent.objects.get(action="iqa.practice_observed")
    assert event.payload["assessor_id"] == c.assessor.pk and event.payload["actions"] == 1
    action = Action.objects.get()
    assert (action.owner, action.observation, action.source, action.due_on) == (c.assessor, recorded, "observation", due)


@pytest.mark.parametrize(("changes", "message"), [
    ({"assessor_id": None}, "Choose the assessor you observed."),
    ({"observed_on": None}, "Give the date of the observation."),
    ({"activity": "   "}, "Say what you observed"),
    ({"method": "telepathy"}, "Choose the assessment method from the list."),
    ({"checklist": {}}, "Answer “Planning”: yes, no or not applicable."),
    ({"checklist": ALL_YES | {"feedback": {"answer": "no", "comment": ""}}}, "Say what was wrong with “Feedback”"),
    ({"outcome": "brilliant"}, "Choose the outcome of the observation."),
    ({"outcome": "unsatisfactory"}, "An observation that is not satisfactory needs at least one action"),
    ({"signed_name": "Somebody Else"}, "Type your full name exactly as the centre has it"),
    ({"actions": [ActionInput("", None)]}, "Action 1: say what the assessor must do."),
])
def test_bad_observation_input_is_refused_in_words_and_nothing_is_saved(c, changes, message):
    with pytest.raises(ValidationError) as refused:
        quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(c, **changes))
    assert any(message in m for m in refused.value.messages), refused.value.messages
    nothing_saved()


def test_a_future_date_and_a_past_due_date_are_refused(c):
    with pytest.raises(ValidationError) as refused:
        quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(
            c, observed_on=c.today + timedelta(days=1), actions=[ActionInput("Do it", c.today - timedelta(days=1))]))
    assert "The date of the observation is in the future." in refused.value.messages
    assert "Action 1: the due date cannot be in the past." in refused.value.messages
    nothing_saved()


def test_an_iqa_observes_only_assessors_they_quality_assure_never_themself(c):
    stranger = MembershipFactory(centre=c.centre, is_assessor=True).user
    with pytest.raises(ValidationError, match="only the assessors you quality-assure"):
        quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(c, assessor_id=stranger.pk))
    with pytest.raises(ValidationError, match="cannot observe your own practice"):
        quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(c, assessor_id=c.iqa.pk))
    with pytest.raises(PermissionDenied):
        quality.observation_record(actor=c.admin, centre=c.centre, data=observation(c, signed_name=c.admin.full_name))
    nothing_saved()
    # The lead IQA observes any assessor of the centre.
    quality.observation_record(actor=c.lead, centre=c.centre,
                               data=observation(c, assessor_id=stranger.pk, signed_name=c.lead.full_name))


def test_a_meeting_is_recorded_with_each_judgement_and_its_agreement_rate(c):
    due = c.today + timedelta(days=30)
    recorded = quality.meeting_record(actor=c.iqa, centre=c.centre, data=meeting(
        c, actions=[ActionInput("Re-read the witness testimony guidance.", due, c.trainee.pk)]))
    assert {(j.attendee_id, j.judgement) for j in recorded.judgements.all()} == {
        (c.assessor.pk, "met"), (c.trainee.pk, "not_yet_met"), (c.iqa.pk, "met")}
    assert quality.agreement_rate([j.judgement for j in recorded.judgements.all()], recorded.agreed_judgement) == 67
    event = AuditEvent.objects.get(action="iqa.standardisation_recorded")
    assert event.payload["agreement"] == 67 and event.payload["attendees"] == 3
    action = Action.objects.get()
    assert (action.owner, action.meeting, action.source) == (c.trainee, recorded, "standardisation")


@pytest.mark.parametrize(("changes", "message"), [
    ({"held_on": None}, "Give the date of the meeting."),
    ({"qualification_id": None, "unit_id": None}, "Choose the qualification"),
    ({"unit_id": -1}, "The unit must be one of the chosen qualification's units."),
    ({"facilitator_id": None}, "Choose who facilitated the meeting"),
    ({"exemplar": " "}, "Describe the exemplar"),
    ({"agreed_judgement": "maybe"}, "Give the judgement the meeting agreed"),
    ({"judgements": []}, "at least two attendees"),
    ({"judgements": [JudgementInput(1, "met")] * 2}, "Each attendee judges the exemplar once."),
    ({"judgements": [JudgementInput(-5, "met"), JudgementInput(-6, "met")]}, "Attendees must be the centre's"),
    ({"judgements": [JudgementInput(-5, "meh"), JudgementInput(-6, "met")]}, "met or not yet met"),
])
def test_bad_meeting_input_is_refused_in_words_and_nothing_is_saved(c, changes, message):
    with pytest.raises(ValidationError) as refused:
        quality.meeting_record(actor=c.iqa, centre=c.centre, data=meeting(c, **changes))
    assert any(message in m for m in refused.value.messages), refused.value.messages
    nothing_saved()


def test_a_meeting_action_is_for_an_attendee(c):
    with pytest.raises(ValidationError, match="choose who it is for, from the attendees"):
        quality.meeting_record(actor=c.iqa, centre=c.centre, data=meeting(
            c, actions=[ActionInput("Read it", c.today, c.admin.pk)]))
    nothing_saved()


# --- pages --------------------------------------------------------------------------------------


def test_recording_an_observation_through_its_page(client, c):
    client.force_login(c.iqa)
    form = client.get(reverse("iqa_observation_new"))
    assert c.assessor.full_name in form.content.decode() and c.lead.full_name not in form.content.decode()
    post = {"assessor": c.assessor.pk, "observed_on": c.today.isoformat(), "activity": "Complaint call",
            "method": "observation", "outcome": "satisfactory_with_advice", "signed_name": c.iqa.full_name,
            "action_1_text": "Give written feedback the same day.", "action_1_due": (c.today + timedelta(days=7)).isoformat()}
    post |= {f"check_{key}": "yes" for key in ALL_YES}
    refused = client.post(reverse("iqa_observation_new"), post | {"check_feedback": "no"})
    assert "Say what was wrong with “Feedback”" in refused.content.decode() and not PracticeObservation.objects.exists()
    response = client.post(reverse("iqa_observation_new"), post)
    recorded = PracticeObservation.objects.get()
    assert response.status_code == 302 and response.url == reverse("iqa_observation", args=[recorded.pk])
    page = client.get(response.url).content.decode()
    assert "Give written feedback the same day." in page and "Satisfactory, with advice" in page
    client.force_login(c.assessor)
    assert client.get(response.url).status_code == 200
    client.force_login(c.trainee)
    assert client.get(response.url).status_code == 404


def test_recording_a_meeting_through_its_page(client, c):
    client.force_login(c.iqa)
    assert client.get(reverse("iqa_standardisation_new")).status_code == 200
    post = {"held_on": c.today.isoformat(), "qualification": c.qualification.pk, "unit": "", "facilitator": c.iqa.pk,
            "exemplar": "Unit 2 work product", "agreed_judgement": "not_yet_met", "notes": "Agreed the gap.",
            f"judgement_{c.assessor.pk}": "not_yet_met", f"judgement_{c.trainee.pk}": "met"}
    response = client.post(reverse("iqa_standardisation_new"), post)
    meeting_row = StandardisationMeeting.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("iqa_standardisation_meeting", args=[meeting_row.pk])).content.decode()
    assert "50 % of attendees judged as the meeting agreed" in page
    listing = client.get(reverse("iqa_standardisation")).content.decode()
    assert "50 % (1 of 2)" in listing


def test_the_lists_query_count_does_not_grow(client, c):
    client.force_login(c.iqa)
    counts = []
    for n in (1, 8):
        for _ in range(n):
            quality.observation_record(actor=c.iqa, centre=c.centre, data=observation(
                c, actions=[ActionInput("Do it", c.today + timedelta(days=3))]))
            quality.meeting_record(actor=c.iqa, centre=c.centre, data=meeting(c))
        sizes = []
        for name in ("iqa_observations", "iqa_standardisation"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            sizes.append(len(queries))
        counts.append(sizes)
    assert counts[0] == counts[1], counts


def test_a_meeting_action_for_an_iqa_attendee_can_be_seen_answered_and_closed(c, client):
    from apps.iqa import actions as action_services

    due = c.today + timedelta(days=30)
    quality.meeting_record(actor=c.lead, centre=c.centre, data=meeting(
        c, actions=[ActionInput("Lead the next exemplar.", due, c.iqa.pk)]))
    action = Action.objects.get()
    client.force_login(c.iqa)
    assert client.get(reverse("iqa_action", args=[action.pk])).status_code == 200
    assert "Lead the next exemplar." in client.get(reverse("iqa_actions")).content.decode()
    action_services.action_respond(action=action, actor=c.iqa, response="Done: exemplar chosen.")
    action_services.action_close(action=action, actor=c.lead)
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED
