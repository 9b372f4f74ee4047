"""Admins list, add, edit and invite learners; learners are linked to their accounts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from apps.audit.models import AuditEvent
from apps.centres.models import Invitation, Membership
from apps.learners.models import Learner
from tests.factories import MembershipFactory, UserFactory

GOOD = {"full_name": "Nia Newcomer", "email": "nia@example.test", "date_of_birth": "2004-03-02", "uln": "1000000043"}


@pytest.fixture
def add(django_capture_on_commit_callbacks):
    """Post the add-a-learner form; invitations go out when the transaction commits."""

    def post(client, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/learners/new/", GOOD | data, follow=True)

    return post


def test_an_admin_adds_a_learner_who_is_invited_and_linked_when_they_join(add, admin_client, admin_membership, client):
    page = add(admin_client).content.decode()
    assert "Nia Newcomer added. An invitation to sign in has been sent to nia@example.test." in page
    learner = Learner.objects.get()
    assert (learner.centre, learner.uln, learner.date_of_birth) == (admin_membership.centre, "1000000043", date(2004, 3, 2))
    assert learner.user is None and "Invitation sent, valid until" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nia@example.test"]
    invitation = Invitation.objects.get()
    assert invitation.is_learner and not invitation.is_assessor

    link = re.search(r"http://testserver(/invitations/[^/\s]+/)", mail.outbox[0].body).group(1)
    client.post(link, {"full_name": "Nia Newcomer", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"})
    learner.refresh_from_db()
    assert learner.user is not None and learner.user.email == "nia@example.test"
    assert AuditEvent.objects.filter(action="learner.account_linked", object_id=str(learner.pk)).exists()
    assert AuditEvent.objects.filter(action="learner.created", payload__uln="1000000043").exists()


def test_someone_already_in_the_centre_is_linked_and_gains_the_learner_role_without_an_invitation(
    add, admin_client, member
):
    staff = member(is_assessor=True)
    page = add(admin_client, email=staff.user.email.upper(), uln="").content.decode()
    assert "linked to their existing account in this centre: no invitation is needed" in page
    learner = Learner.objects.get()
    staff.refresh_from_db()
    assert learner.user == staff.user and learner.email == staff.user.email
    assert staff.is_learner and staff.is_assessor
    assert not mail.outbox and not Invitation.objects.exists()


def test_a_deactivated_member_is_linked_with_a_warning(add, admin_client, member):
    gone = member(is_iqa=True, is_active=False)
    page = add(admin_client, email=gone.user.email, uln="").content.decode()
    assert "membership of" in page and "is deactivated: reactivate it under People" in page
    assert Learner.objects.get().user == gone.user and not mail.outbox


def test_someone_with_an_account_elsewhere_is_linked_and_invited_to_sign_in(add, admin_client):
    elsewhere = MembershipFactory(is_learner=True)
    page = add(admin_client, email=elsewhere.user.email).content.decode()
    assert "They already have an Attest account" in page
    assert Learner.objects.get().user == elsewhere.user
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "data, field_message",
    [
        ({"uln": "1234567890"}, "The ULN 1234567890 fails its check digit: check for a typing error."),
        ({"uln": "1000000063"}, "no check digit fits its first nine digits"),
        ({"uln": "12345"}, "The ULN 12345 has 5 digits: a ULN has exactly 10."),
        ({"full_name": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"date_of_birth": "31/02/2004"}, "Enter a valid date."),
        ({"date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat()}, "is in the future"),
    ],
)
def test_bad_details_are_refused_clearly_and_nothing_is_stored(add, admin_client, data, field_message):
    response = add(admin_client, **data)
    assert field_message in response.content.decode()
    assert not Learner.objects.exists() and not Invitation.objects.exists() and not mail.outbox
    assert not AuditEvent.objects.filter(action__startswith="learner.").exists()


def test_an_email_or_uln_already_used_in_the_centre_is_refused(add, admin_client, make_learner):
    make_learner(full_name="Olu Older", email="nia@example.test")
    page = add(admin_client, uln="").content.decode()
    assert "Olu Older already has the email nia@example.test in this centre." in page
    make_learner(full_name="Ula Uln", email="ula@example.test", uln="1000000043")
    page = add(admin_client, email="other@example.test").content.decode()
    assert "The ULN 1000000043 already belongs to Ula Uln (ula@example.test) in this centre." in page
    assert Learner.objects.count() == 2 and not mail.outbox


def test_the_same_email_and_uln_may_be_a_learner_in_another_centre(add, admin_client, make_learner):
    other = MembershipFactory(is_admin=True).centre
    make_learner(centre=other, email="nia@example.test", uln="1000000043")
    add(admin_client)
    assert Learner.objects.count() == 2


def test_editing_a_learner_records_the_uln_change_in_the_audit_trail(admin_client, make_learner):
    learner = make_learner(full_name="Ben Baker", email="ben@example.test", uln="1000000043")
    response = admin_client.post(
        f"/learners/{learner.pk}/edit/",
        {"full_name": "Ben  Baker-Smith", "email": "ben@example.test", "uln": "2000000001", "mis_reference": "MIS9"},
        follow=True,
    )
    assert "Details of Ben Baker-Smith saved." in response.content.decode()
    learner.refresh_from_db()
    assert (learner.full_name, learner.uln, learner.mis_reference) == ("Ben Baker-Smith", "2000000001", "MIS9")
    uln_event = AuditEvent.objects.get(action="learner.uln_changed")
    assert uln_event.payload == {"before": "1000000043", "after": "2000000001"}
    assert AuditEvent.objects.get(action="learner.updated").payload["changes"]["full_name"] == ["Ben Baker", "Ben Baker-Smith"]


def test_a_bad_edit_changes_nothing(admin_client, make_learner):
    learner = make_learner(full_name="Ben Baker", email="ben@example.test", uln="1000000043")
    page = admin_client.post(
        f"/learners/{learner.pk}/edit/", {"full_name": "Ben Baker", "email": "ben@example.test", "uln": "1000000042"}
    ).content.decode()
    assert "The ULN 1000000042 fails its check digit" in page
    learner.refresh_from_db()
    assert learner.uln == "1000000043" and not AuditEvent.objects.exists()


def test_the_email_of_a_learner_with_an_account_cannot_be_changed_here(admin_client, make_learner):
    user = UserFactory(email="ben@example.test")
    learner = make_learner(full_name="Ben Baker", email="ben@example.test", user=user)
    page = admin_client.post(
        f"/learners/{learner.pk}/edit/", {"full_name": "Ben Baker", "email": "benji@example.test"}
    ).content.decode()
    assert "the email of someone with an account cannot be changed here" in page
    learner.refresh_from_db()
    assert learner.email == "ben@example.test"


def test_an_invitation_can_be_sent_again_until_the_learner_joins(
    admin_client, make_learner, django_capture_on_commit_callbacks, member
):
    learner = make_learner(email="late@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(f"/learners/{learner.pk}/invite/", follow=True).content.decode()
    assert "Invitation sent to late@example.test." in page and len(mail.outbox) == 1
    joined = member(is_learner=True)
    learner_joined = make_learner(email=joined.user.email, user=joined.user)
    page = admin_client.post(f"/learners/{learner_joined.pk}/invite/", follow=True).content.decode()
    assert "already belongs to" in page and len(mail.outbox) == 1


def test_the_list_finds_learners_by_name_email_uln_and_qualification(admin_client, make_learner, enrol):
    ada = make_learner(full_name="Ada Lovelace", email="ada@example.test", uln="1000000043", mis_reference="MIS-7")
    make_learner(full_name="Bob Brown", email="bob@example.test")
    enrol(ada)
    page = admin_client.get("/learners/").content.decode()
    assert "2 learners" in page and "600/0000/1" in page and "Not invited" in page
    for q in ("ada", "ADA@EXAMPLE", "1000000043", "mis-7"):
        page = admin_client.get("/learners/", {"q": q}).content.decode()
        assert "1 learner" in page and "Ada Lovelace" in page and "Bob Brown" not in page, q
    page = admin_client.get("/learners/", {"qualification": "600/0000/1"}).content.decode()
    assert "Ada Lovelace" in page and "Bob Brown" not in page


def test_the_search_takes_a_uln_typed_in_groups_and_an_mis_reference_only_whole(admin_client, make_learner):
    make_learner(full_name="Ada Lovelace", uln="1000000043", mis_reference="MIS-7")
    assert "Ada Lovelace" in admin_client.get("/learners/", {"q": "1000 000 043"}).content.decode()
    page = admin_client.get("/learners/", {"q": "MIS"}).content.decode()
    assert "Ada Lovelace" not in page and "No learner matches." in page


def test_the_enrolled_on_filter_offers_only_this_centres_qualifications(admin_client, make_learner, enrol):
    from tests.factories import make_qualification

    ada = make_learner(full_name="Ada Lovelace")
    enrol(ada)
    elsewhere = MembershipFactory(is_admin=True).centre
    other = make_qualification(number="600/9999/9")
    Learner.objects.create(centre=elsewhere, full_name="Stranger", email="s@example.test").enrolments.create(
        centre=elsewhere, qualification=other, start_date=date(2025, 9, 1), planned_end_date=date(2026, 7, 31)
    )
    page = admin_client.get("/learners/", {"qualification": "600/0000/1"}).content.decode()
    assert '<option value="600/0000/1" selected>600/0000/1</option>' in page and "600/9999/9" not in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"qualification": "600/9999/9"}, "Nobody here is enrolled on that qualification: choose one from the list."),
        ({"qualification": "' OR 1=1 --"}, "Nobody here is enrolled on that qualification: choose one from the list."),
        ({"q": "a" * 201}, "Search for at most 200 characters."),
    ],
)
def test_a_nonsense_filter_on_the_list_is_explained_and_the_rest_still_applies(admin_client, make_learner, enrol,
                                                                               query, message):
    enrol(make_learner(full_name="Ada Lovelace"))
    make_learner(full_name="Bob Brown")
    response = admin_client.get("/learners/", {"q": "ada", "qualification": "600/0000/1"} | query)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "Ada Lovelace" in page and "Bob Brown" not in page


def test_the_list_pages_keep_the_search(admin_client, make_learner):
    for n in range(51):
        make_learner(full_name=f"Pat {n:02}")
    page = admin_client.get("/learners/", {"q": "pat"}).content.decode()
    assert "51 learners" in page and 'href="?q=pat&amp;page=2">Next</a>' in page


def test_the_list_shows_only_this_centres_learners(admin_client, make_learner):
    other = MembershipFactory(is_admin=True).centre
    make_learner(centre=other, full_name="Stranger Danger")
    assert "Stranger Danger" not in admin_client.get("/learners/").content.decode()


def test_the_list_queries_do_not_grow_with_the_centre(admin_client, admin_membership, make_learner, enrol,
                                                       django_assert_max_num_queries):
    for _ in range(3):
        enrol(make_learner())
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/learners/")
    for n in range(40):
        learner = make_learner()
        if n % 2:
            enrol(learner)
        Invitation.objects.create(
            centre=admin_membership.centre, email=learner.email, full_name=learner.full_name, token_hash=f"h{n}",
            invited_by=admin_membership.user, expires_at=timezone.now() + timedelta(days=3),
        )
    with django_assert_max_num_queries(len(few)):
        page = admin_client.get("/learners/").content.decode()
    assert "43 learners" in page and "Invitation sent" in page and "Page 1 of 1" not in page


def test_a_learner_page_shows_details_and_enrolments(admin_client, make_learner, enrol, assessor):
    learner = make_learner(full_name="Cat Carter", uln="1000000043")
    enrol(learner, registration_number="REG-1", assessors=[assessor.user])
    page = admin_client.get(f"/learners/{learner.pk}/").content.decode()
    assert "Cat Carter" in page and "1000000043" in page and "REG-1" in page and escape(str(assessor.user)) in page
    assert "Unit plan" in page
    assert Membership.objects.filter(user__email=learner.email).count() == 0
