"""An assessor records an observation; it is signed evidence in the portfolio; the learner confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.evidence.models import Evidence, EvidenceVersion
from apps.notifications.models import Notification
from apps.records.models import Observation, ObservationConfirmation
from tests.records import helpers
from tests.records.helpers import criteria, text


def url(setup) -> str:
    return f"/records/enrolments/{setup.enrolment.pk}/observation/new/"


def test_an_assessor_records_an_observation_that_becomes_signed_submitted_evidence(client, setup):
    client.force_login(setup.assessor.user)
    covered = criteria(setup.enrolment, "1") + criteria(setup.enrolment, "2")[:1]
    response = client.post(
        url(setup), helpers.observation(setup, criteria=[c.pk for c in covered], context="rwe"),
        REMOTE_ADDR="203.0.113.7", follow=True,
    )
    page = text(response)
    assert "Observation recorded and signed." in page
    assert "Waiting for the learner's confirmation" in page and "Handling an inbound complaint call" in page

    observation = Observation.objects.get()
    evidence = observation.version.evidence
    version = evidence.current
    assert version == observation.version and version.number == 1
    assert evidence.status == Evidence.Status.SUBMITTED and evidence.submitted_at is not None
    assert evidence.created_by == setup.assessor.user and evidence.enrolment == setup.enrolment
    assert version.method == "observation" and version.context == "rwe"
    assert version.declared_name == setup.assessor.user.full_name and str(version.declared_ip) == "203.0.113.7"
    assert version.is_locked and version.text.startswith("Sam greeted the caller")
    assert sorted(version.suggested_criteria.values_list("pk", flat=True)) == sorted(c.pk for c in covered)
    assert observation.place == "Northgate contact centre, team 3"

    event = AuditEvent.objects.get(action="records.observation_created")
    assert event.actor == setup.assessor.user and event.ip_address == "203.0.113.7"
    assert event.payload["evidence"] == evidence.pk and event.payload["criteria"] == 3
    assert Notification.objects.filter(recipient=setup.learner.user, url=f"/records/observation/{observation.pk}/confirm/").exists()


def test_the_observation_is_in_the_portfolio_and_waiting_for_the_assessor(client, setup):
    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.observation(setup))
    evidence = Evidence.objects.get()
    assert "Handling an inbound complaint call" in text(client.get("/"))  # the assessor's waiting list
    client.force_login(setup.learner.user)
    portfolio = text(client.get(f"/portfolio/enrolments/{setup.enrolment.pk}/"))
    assert "Handling an inbound complaint call" in portfolio
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 200


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"activity": ""}, "Say what you observed."),
        ({"place": ""}, "Say where the observation took place."),
        ({"account": "   "}, "Write your account of what you saw."),
        ({"on": ""}, "This field is required."),
        ({"on": "31/31/2020"}, "Enter a valid date."),
        ({"on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "The date is in the future."),
        ({"context": "dream"}, "Select a valid choice."),
        ({"criteria": []}, "Tick at least one criterion this record covers."),
        ({"criteria": ["999999"]}, "A ticked criterion is not part of this qualification."),
        ({"signed_name": ""}, "Type your full name to sign the record."),
        ({"signed_name": "Somebody Else"}, "Type your full name exactly as the centre has it"),
        ({"activity": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_observation_input_gets_a_clear_message_and_stores_nothing(client, setup, overrides, message):
    client.force_login(setup.assessor.user)
    response = client.post(url(setup), helpers.observation(setup, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert not Observation.objects.exists() and not Evidence.objects.exists() and not EvidenceVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="records.").exists()


def test_criteria_of_another_qualification_are_refused(client, setup):
    from tests.factories import make_qualification

    other = make_qualification(number="600/9999/9")
    foreign = other.units.get(number="1").criteria.first()
    client.force_login(setup.assessor.user)
    page = text(client.post(url(setup), helpers.observation(setup, criteria=[foreign.pk])))
    assert "A ticked criterion is not part of this qualification." in page
    assert not Observation.objects.exists()


def test_the_form_keeps_what_was_typed_and_ticked_after_an_error(client, setup):
    client.force_login(setup.assessor.user)
    ticked = criteria(setup.enrolment, "2")[1]
    page = text(client.post(url(setup), helpers.observation(setup, place="", criteria=[ticked.pk])))
    assert f'value="{ticked.pk}" id="crit-{ticked.pk}" checked' in page
    assert "Sam greeted the caller" in page


def test_the_learner_confirms_the_observation_with_their_own_name(client, setup):
    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.observation(setup))
    observation = Observation.objects.get()
    evidence_id = observation.version.evidence_id

    client.force_login(setup.learner.user)
    confirm_url = f"/records/observation/{observation.pk}/confirm/"
    page = text(client.get(confirm_url))
    assert "Confirm the observation record" in page and "Sam greeted the caller" in page

    wrong = text(client.post(confirm_url, {"signed_name": "Not Me"}))
    assert f"Type your full name exactly as the centre has it: {setup.enrolment.learner.full_name}." in wrong
    assert not ObservationConfirmation.objects.exists()
    assert "Type your full name to confirm the observation." in text(client.post(confirm_url, {"signed_name": ""}))

    response = client.post(
        confirm_url, {"signed_name": f" {setup.enrolment.learner.full_name.lower()} "}, REMOTE_ADDR="198.51.100.4",
        follow=True,
    )
    assert "You have confirmed the observation record." in text(response)
    confirmation = ObservationConfirmation.objects.get()
    assert confirmation.confirmed_by == setup.learner.user and str(confirmation.confirmed_ip) == "198.51.100.4"
    assert confirmation.confirmed_name == setup.enrolment.learner.full_name.lower()
    event = AuditEvent.objects.get(action="records.observation_confirmed")
    assert event.actor == setup.learner.user and event.ip_address == "198.51.100.4"

    again = text(client.get(confirm_url, follow=True))
    assert "You have already confirmed this observation." in again
    assert ObservationConfirmation.objects.count() == 1
    client.force_login(setup.assessor.user)
    detail = text(client.get(f"/records/observation/{observation.pk}/"))
    assert "Confirmed by the learner" in detail and "Waiting for the learner" not in detail
    assert client.get(f"/portfolio/evidence/{evidence_id}/").status_code == 200


def test_only_the_observed_learner_confirms(client, setup):
    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.observation(setup))
    observation = Observation.objects.get()
    confirm_url = f"/records/observation/{observation.pk}/confirm/"
    for someone in (setup.assessor, setup.iqa):
        client.force_login(someone.user)
        assert client.post(confirm_url, {"signed_name": someone.user.full_name}).status_code == 403
    assert not ObservationConfirmation.objects.exists()


def test_records_cannot_be_changed_or_removed_in_the_database(setup, client):
    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.observation(setup))
    observation = Observation.objects.get()
    for attempt in (
        lambda: Observation.objects.filter(pk=observation.pk).update(place="Elsewhere"),
        lambda: Observation.objects.filter(pk=observation.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            attempt()
    observation.refresh_from_db()
    assert observation.place == "Northgate contact centre, team 3"


def test_the_learner_home_can_list_observations_waiting_for_confirmation(client, setup):
    from apps.records.selectors import observations_awaiting_confirmation

    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.observation(setup))
    client.post(url(setup), helpers.observation(setup, activity="Closing a sale"))
    waiting = observations_awaiting_confirmation(membership=setup.learner)
    assert [o.activity for o in waiting] == ["Handling an inbound complaint call", "Closing a sale"]
    assert not observations_awaiting_confirmation(membership=setup.assessor).exists()
