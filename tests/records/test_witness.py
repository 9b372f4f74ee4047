"""Witness testimony: a one-time link emailed to a witness without an account, answered,
turned into evidence; used, expired, cancelled and unknown links get pages that say so."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.evidence.models import Evidence
from apps.notifications.models import Notification
from apps.records.models import WitnessRequest, hash_token
from apps.records.services import RecordBasics, Witness, witness_request_create, witness_request_email
from tests.factories import CentreFactory, MembershipFactory
from tests.records import helpers
from tests.records.helpers import criteria, text

LINK = re.compile(r"http://testserver(/records/witness/respond/[A-Za-z0-9_-]{40,}/)")


def new_url(setup) -> str:
    return f"/records/enrolments/{setup.enrolment.pk}/witness/new/"


def wait_for_mail(count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count, f"expected {count} emails, got {[m.subject for m in mail.outbox]}"
    return mail.outbox


def answer(**overrides) -> dict:
    data = {
        "account": "I listened to Sam take three complaint calls on 12 March. They stayed calm and logged each one.",
        "job_title": "Team leader",
        "signed_name": "Priya Shah",
        "agree": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_request(setup, token: str = "a-known-token-for-tests-only-0123456789abcdef") -> WitnessRequest:
    """A request made through the service, its link's token replaced by one the test knows
    (the real one only ever exists in the email)."""
    witness_request = witness_request_create(
        enrolment=setup.enrolment, assessor=setup.assessor.user,
        witness=Witness(name="Priya Shah", email="priya.shah@example.test", job_title="Team leader",
                        relationship="Line manager"),
        activity="Complaint calls in March.",
        basics=RecordBasics(on=timezone.localdate(), context="real_work", criteria=criteria(setup.enrolment, "1")),
        base_url="http://testserver/",
    )
    WitnessRequest.objects.filter(pk=witness_request.pk).update(token_hash=hash_token(token))
    witness_request.token = token
    return witness_request


@pytest.mark.django_db(transaction=True)
def test_a_witness_answers_through_the_emailed_link_and_the_assessor_is_told(client, setup, celery_worker):
    asked = criteria(setup.enrolment, "1")
    client.force_login(setup.assessor.user)
    response = client.post(new_url(setup), helpers.witness(setup), follow=True)
    page = text(response)
    assert "Request sent." in page and "Priya Shah" in page and "Sent" in page
    witness_request = WitnessRequest.objects.get()
    assert len(witness_request.token_hash) == 64 and witness_request.status == "sent"
    assert witness_request.expires_at - witness_request.created_at == timedelta(days=14)
    assert AuditEvent.objects.filter(action="records.witness_requested", object_id=str(witness_request.pk)).exists()

    email = wait_for_mail(1)[0]
    assert email.to == ["priya.shah@example.test"] and setup.enrolment.learner.full_name in email.subject
    assert "How Sam handled complaint calls" in email.body and asked[0].text in email.body
    link = LINK.search(email.body).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert hash_token(token) == witness_request.token_hash and token not in str(WitnessRequest.objects.values().get())

    client.logout()
    response = client.get(link)
    page = text(response)
    assert response.status_code == 200 and response["Referrer-Policy"] == "same-origin"
    assert f"Witness testimony for {setup.enrolment.learner.full_name}" in page
    assert "How Sam handled complaint calls on the evening shift in March." in page and asked[1].text in page
    assert 'value="Team leader"' in page

    refused = text(client.post(link, answer(signed_name="Somebody Else")))
    assert "Type your full name exactly as the centre has it: Priya Shah." in refused
    assert not Evidence.objects.exists()

    response = client.post(link, answer(signed_name="priya  shah", job_title="Senior team leader"),
                           REMOTE_ADDR="192.0.2.55", follow=True)
    assert "Your testimony has been signed and sent." in text(response)

    evidence = Evidence.objects.get()
    version = evidence.current
    assert evidence.status == Evidence.Status.SUBMITTED and evidence.enrolment == setup.enrolment
    assert evidence.created_by == setup.assessor.user  # on the assessor's behalf: the witness has no account
    assert version.method == "witness_testimony" and version.context == "real_work"
    assert version.declared_name == "priya  shah" and str(version.declared_ip) == "192.0.2.55"
    assert version.text.startswith("I listened to Sam take three complaint calls")
    assert version.title == "Witness testimony from Priya Shah" and "Senior team leader" in version.description
    assert sorted(version.suggested_criteria.values_list("pk", flat=True)) == sorted(c.pk for c in asked)
    witness_request.refresh_from_db()
    assert witness_request.status == "responded" and witness_request.version == version
    assert witness_request.response_job_title == "Senior team leader"
    event = AuditEvent.objects.get(action="records.witness_responded")
    assert event.actor is None and event.ip_address == "192.0.2.55" and event.payload["evidence"] == evidence.pk

    told = wait_for_mail(2)[1]
    assert told.to == [setup.assessor.user.email] and "Priya Shah has responded" in told.subject
    assert f"/portfolio/evidence/{evidence.pk}/" in told.body
    assert Notification.objects.filter(recipient=setup.assessor.user, subject__contains="has responded").count() == 1

    again = client.get(link)
    assert again.status_code == 410 and "It has already been used" in text(again)
    assert client.post(link, answer()).status_code == 410
    assert Evidence.objects.count() == 1

    client.force_login(setup.assessor.user)
    records = text(client.get(f"/records/enrolments/{setup.enrolment.pk}/"))
    assert "Responded" in records
    assert "Map and judge it on the evidence page" in text(client.get(f"/records/witness/{witness_request.pk}/"))


@pytest.mark.django_db(transaction=True)
def test_resending_emails_a_new_link_and_the_old_one_stops_working(client, setup, celery_worker):
    client.force_login(setup.assessor.user)
    client.post(new_url(setup), helpers.witness(setup))
    first = LINK.search(wait_for_mail(1)[0].body).group(1)
    witness_request = WitnessRequest.objects.get()
    response = client.post(f"/records/witness/{witness_request.pk}/resend/", follow=True)
    assert "A new link is on its way to priya.shah@example.test" in text(response)
    second = LINK.search(wait_for_mail(2)[1].body).group(1)
    assert second != first
    witness_request.refresh_from_db()
    assert witness_request.times_sent == 2
    assert AuditEvent.objects.filter(action="records.witness_request_resent").count() == 1

    client.logout()
    stale = client.get(first)
    assert stale.status_code == 404 and "use the newest email" in text(stale)
    assert client.get(second).status_code == 200


def test_an_expired_link_gets_a_page_that_says_so(client, setup):
    witness_request = make_request(setup)
    WitnessRequest.objects.filter(pk=witness_request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link = f"/records/witness/respond/{witness_request.token}/"
    response = client.get(link)
    page = text(response)
    assert response.status_code == 410
    assert "This link cannot be used" in page and "It expired on" in page and "send you a new link" in page
    assert client.post(link, answer()).status_code == 410
    assert not Evidence.objects.exists()


def test_an_unknown_link_gets_a_404_page_in_words(client, setup):
    response = client.get("/records/witness/respond/not-a-real-token-at-all/")
    assert response.status_code == 404 and "The link is not valid." in text(response)


def test_a_cancelled_request_tells_the_witness_it_is_no_longer_needed(client, setup):
    witness_request = make_request(setup)
    client.force_login(setup.assessor.user)
    response = client.post(f"/records/witness/{witness_request.pk}/cancel/", follow=True)
    assert "Request cancelled." in text(response) and "Cancelled" in text(response)
    assert AuditEvent.objects.filter(action="records.witness_request_cancelled").count() == 1
    client.logout()
    gone = client.get(f"/records/witness/respond/{witness_request.token}/")
    assert gone.status_code == 410 and "no longer needed" in text(gone)
    client.force_login(setup.assessor.user)
    again = client.post(f"/records/witness/{witness_request.pk}/resend/", follow=True)
    assert "This request was cancelled. Make a new request instead." in text(again)
    assert AuditEvent.objects.filter(action="records.witness_request_resent").count() == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"account": "  "}, "Write what you saw the learner do."),
        ({"job_title": ""}, "Confirm your job title."),
        ({"signed_name": ""}, "Type your full name to sign your testimony."),
        ({"signed_name": "P. Shah"}, "Type your full name exactly as the centre has it: Priya Shah."),
        ({"agree": None}, "Tick the box to confirm your testimony is true."),
    ],
)
def test_a_witness_gets_clear_messages_and_nothing_is_stored(client, setup, overrides, message):
    witness_request = make_request(setup)
    link = f"/records/witness/respond/{witness_request.token}/"
    response = client.post(link, answer(**overrides))
    assert response.status_code == 200 and message in text(response)
    assert not Evidence.objects.exists()
    witness_request.refresh_from_db()
    assert witness_request.status == "sent"
    assert client.get(link).status_code == 200  # the link still works


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"witness_name": ""}, "Give the witness's full name."),
        ({"witness_email": ""}, "Give the witness's email address: the link is sent there."),
        ({"witness_email": "priya at work"}, "Enter a whole email address, like name@example.com."),
        ({"witness_job_title": ""}, "Give the witness's job title."),
        ({"relationship": ""}, "Say how the witness knows the learner."),
        ({"activity": ""}, "Describe what you are asking the witness about."),
        ({"criteria": []}, "Tick at least one criterion the witness is asked to confirm."),
        ({"context": "moon"}, "Select a valid choice."),
    ],
)
def test_bad_witness_request_input_gets_a_clear_message_and_sends_nothing(client, setup, overrides, message):
    client.force_login(setup.assessor.user)
    response = client.post(new_url(setup), helpers.witness(setup, **overrides))
    assert response.status_code == 200 and message in text(response)
    assert not WitnessRequest.objects.exists() and not AuditEvent.objects.filter(action__startswith="records.").exists()


def test_the_learner_cannot_be_their_own_witness(client, setup):
    client.force_login(setup.assessor.user)
    page = text(client.post(new_url(setup), helpers.witness(setup, witness_email=setup.enrolment.learner.email.upper())))
    assert "That is the learner's own email address: a witness must be someone else." in page
    assert not WitnessRequest.objects.exists()


def test_the_link_is_emailed_once_and_never_after_it_was_replaced(setup):
    witness_request = make_request(setup, token="first-token-for-tests-0123456789abcdefghij")
    assert witness_request_email(request_id=witness_request.pk, token=witness_request.token, base_url="http://x/")
    assert not witness_request_email(request_id=witness_request.pk, token=witness_request.token, base_url="http://x/")
    assert not witness_request_email(request_id=witness_request.pk, token="some-other-token", base_url="http://x/")
    assert len(mail.outbox) == 1 and "http://x/records/witness/respond/first-token-for-tests" in mail.outbox[0].body


def test_the_witness_page_is_rate_limited_per_address(client, setup, settings):
    settings.RECORDS_WITNESS_RATE_LIMIT = (3, 600)
    for _ in range(3):
        assert client.get("/records/witness/respond/guess-one/").status_code == 404
    response = client.get("/records/witness/respond/guess-two/")
    assert response.status_code == 429 and "Too many attempts" in text(response)
    other_address = client.get("/records/witness/respond/guess-three/", REMOTE_ADDR="192.0.2.99")
    assert other_address.status_code == 404


def test_only_the_assigned_assessors_resend_or_cancel(client, setup):
    witness_request = make_request(setup)
    for someone, status in (
        (setup.iqa, 403),
        (setup.learner, 403),
        (MembershipFactory(centre=setup.centre, is_assessor=True), 404),
        (MembershipFactory(centre=CentreFactory(), is_admin=True), 404),
    ):
        client.force_login(someone.user)
        assert client.post(f"/records/witness/{witness_request.pk}/cancel/").status_code == status
        assert client.post(f"/records/witness/{witness_request.pk}/resend/").status_code == status
    witness_request.refresh_from_db()
    assert witness_request.status == "sent" and witness_request.times_sent == 1


def test_the_demo_records_are_added_once(setup):
    from apps.records.demo import seed_records
    from apps.records.models import Observation, ObservationConfirmation

    assert seed_records(enrolment=setup.enrolment, assessor=setup.assessor.user) == ["observation", "witness testimony"]
    assert seed_records(enrolment=setup.enrolment, assessor=setup.assessor.user) == []
    assert Observation.objects.count() == 1 and ObservationConfirmation.objects.count() == 1
    assert WitnessRequest.objects.get().status == "responded"
    assert Evidence.objects.filter(status="submitted").count() == 2


def test_an_expired_request_can_be_sent_again_with_a_fresh_fortnight(client, setup):
    witness_request = make_request(setup)
    WitnessRequest.objects.filter(pk=witness_request.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(setup.assessor.user)
    page = text(client.get(f"/records/witness/{witness_request.pk}/"))
    assert "Expired" in page and "Send a new link" in page and "Cancel the request" not in page
    client.post(f"/records/witness/{witness_request.pk}/resend/")
    witness_request.refresh_from_db()
    assert witness_request.status == "sent" and witness_request.expires_at > timezone.now() + timedelta(days=13)
    # The old link is dead: its token was replaced.
    assert client.get(f"/records/witness/respond/{witness_request.token}/").status_code == 404


def test_the_learner_sees_who_was_asked_but_not_their_email_address(client, setup):
    witness_request = make_request(setup)
    client.force_login(setup.learner.user)
    page = text(client.get(f"/records/witness/{witness_request.pk}/"))
    assert "Priya Shah" in page and "priya.shah@example.test" not in page and "Send a new link" not in page
