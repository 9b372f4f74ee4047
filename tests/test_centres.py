import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.centres.models import Invitation, Membership
from tests.factories import CentreFactory, MembershipFactory


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invitation form; the email goes out when the transaction commits."""

    def post(client, **data):
        form = {"full_name": "Nia Newcomer", "email": "nia@example.test", "is_learner": "on"} | data
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/centre/people/invite/", form, follow=True)

    return post


def link_from(message) -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db(transaction=True)
def test_an_admin_invites_a_learner_who_sets_a_password_and_lands_on_home(client, admin_membership):
    client.force_login(admin_membership.user)
    form = {"full_name": "Nia Newcomer", "email": "nia@example.test", "is_learner": "on"}
    response = client.post("/centre/people/invite/", form, follow=True)
    assert "Invitation sent to nia@example.test." in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nia@example.test"]

    client.logout()
    link = link_from(mail.outbox[0])
    page = client.get(link).content.decode()
    assert f"Join {admin_membership.centre.name}" in page and "Learner" in page

    response = client.post(
        link, {"full_name": "Nia Newcomer", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}, follow=True
    )
    assert "Welcome, Nia" in response.content.decode()
    membership = Membership.objects.get(user__email="nia@example.test")
    assert membership.centre == admin_membership.centre and membership.is_learner
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "invitation.sent",
        "user.created",
        "invitation.accepted",
    }
    # The link works once.
    assert "already been accepted" in client.get(link).content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"is_learner": ""}, "Choose at least one role."),
        ({"is_learner": "", "is_trainee_assessor": "on"}, "Only an assessor can be marked as a trainee."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
def test_a_bad_invitation_is_refused_clearly_and_sends_nothing(invite, admin_client, data, message):
    response = invite(admin_client, **data)
    assert message in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_the_roles_forms_give_no_eqa_access_and_say_where_it_is_given(admin_client, member):
    invite_page = admin_client.get("/centre/people/invite/").content.decode()
    assert 'name="is_eqa"' not in invite_page and 'name="eqa_expires_on"' not in invite_page
    assert 'External quality assurers are given access on the <a href="/eqa/">EQA access page</a>' in invite_page
    # A ticked box that is no longer offered gives nothing.
    admin_client.post("/centre/people/invite/", {"full_name": "Eve Quinn", "email": "eve@example.test",
                                                 "is_eqa": "on", "eqa_expires_on": "2030-01-01"})
    assert not Invitation.objects.exists()


def test_saving_the_roles_of_an_eqa_keeps_their_access_as_the_grant_gave_it(admin_client, member):
    until = timezone.localdate() + timedelta(days=20)
    eqa = member(is_eqa=True, eqa_expires_on=until)
    page = admin_client.get(f"/centre/people/{eqa.pk}/").content.decode()
    assert f"External quality assurer until {until:%-d %b %Y}" in page and 'name="is_eqa"' not in page
    admin_client.post(f"/centre/people/{eqa.pk}/", {"is_assessor": "on"})
    eqa.refresh_from_db()
    assert (eqa.is_eqa, eqa.eqa_expires_on, eqa.is_assessor) == (True, until, True)
    admin_client.post(f"/centre/people/{eqa.pk}/", {"is_assessor": ""})  # nothing ticked: the EQA role stays
    eqa.refresh_from_db()
    assert (eqa.is_eqa, eqa.eqa_expires_on, eqa.is_assessor) == (True, until, False)


def test_inviting_an_existing_member_is_refused(invite, admin_client, admin_membership, member):
    existing = member(is_learner=True)
    response = invite(admin_client, email=existing.user.email)
    assert "already belongs to" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_weak_or_mismatched_password_is_refused_and_creates_no_account(invite, admin_client, client):
    invite(admin_client)
    link = link_from(mail.outbox[0])
    client.logout()
    page = client.post(link, {"full_name": "Nia", "password1": "short", "password2": "short"}).content.decode()
    assert "This password is too short" in page
    page = client.post(
        link, {"full_name": "Nia", "password1": "a-long-pass-phrase", "password2": "another-pass-phrase"}
    ).content.decode()
    assert "The two passwords do not match." in page
    assert not Membership.objects.filter(user__email="nia@example.test").exists()


def test_expired_withdrawn_and_unknown_links_get_a_clear_page(invite, admin_client, client):
    invite(admin_client)
    link = link_from(mail.outbox[0])
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    response = client.get(link)
    assert response.status_code == 410 and "It has expired" in response.content.decode()
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404 and "The link is not valid" in response.content.decode()


def test_an_existing_user_accepts_by_signing_in(invite, admin_client, admin_membership, client):
    other_centre_member = MembershipFactory(is_learner=True)
    invite(admin_client, email=other_centre_member.user.email, is_learner="", is_iqa="on")
    link = link_from(mail.outbox[0])
    client.logout()
    assert client.get(link).url.startswith("/accounts/login/")
    client.force_login(other_centre_member.user)
    client.post(link)
    joined = Membership.objects.get(user=other_centre_member.user, centre=admin_membership.centre)
    assert joined.is_iqa and not joined.is_learner


def test_roles_change_and_the_last_admin_cannot_remove_their_own_admin_role(admin_client, admin_membership, member):
    learner = member(is_learner=True)
    admin_client.post(f"/centre/people/{learner.pk}/", {"is_learner": "on", "is_assessor": "on"})
    learner.refresh_from_db()
    assert learner.is_assessor
    page = admin_client.post(f"/centre/people/{admin_membership.pk}/", {"is_iqa": "on"}).content.decode()
    assert "at least one active admin" in page
    admin_membership.refresh_from_db()
    assert admin_membership.is_admin


def test_deactivating_removes_access_but_keeps_the_person(admin_client, member, client):
    learner = member(is_learner=True)
    admin_client.post(f"/centre/people/{learner.pk}/active/", {"active": "0"})
    learner.refresh_from_db()
    assert not learner.is_active
    client.force_login(learner.user)
    assert "You are not part of a centre yet" in client.get("/").content.decode()
    assert AuditEvent.objects.filter(action="membership.deactivated", object_id=str(learner.pk)).exists()


def test_an_admin_cannot_deactivate_themselves(admin_client, admin_membership):
    response = admin_client.post(f"/centre/people/{admin_membership.pk}/active/", {"active": "0"}, follow=True)
    assert "You cannot deactivate yourself." in response.content.decode()
    admin_membership.refresh_from_db()
    assert admin_membership.is_active


def test_a_person_in_two_centres_switches_between_them(client, member):
    first = member(is_learner=True)
    second_centre = CentreFactory(name="Second Centre")
    MembershipFactory(user=first.user, centre=second_centre, is_assessor=True)
    client.force_login(first.user)
    home = client.get("/").content.decode()
    assert 'id="centre-switch-select"' in home
    response = client.post("/centre/switch/", {"centre": second_centre.pk, "next": "/"}, follow=True)
    assert "You are working in <strong>Second Centre</strong> as Assessor" in response.content.decode()


def test_switching_to_a_centre_one_does_not_belong_to_is_refused(client, member):
    first = member(is_learner=True)
    stranger = CentreFactory()
    client.force_login(first.user)
    response = client.post("/centre/switch/", {"centre": stranger.pk}, follow=True)
    assert "You are not a member of that centre." in response.content.decode()


def test_expired_eqa_access_grants_nothing(client, member):
    eqa = member(is_eqa=True, eqa_expires_on=timezone.localdate() - timedelta(days=1))
    client.force_login(eqa.user)
    ended = timezone.localdate() - timedelta(days=1)
    assert f"Your access to {eqa.centre.name} ended on {ended:%-d %b %Y}." in client.get("/").content.decode()
    assert eqa.capabilities() == frozenset()


def test_a_centre_can_require_staff_to_use_two_factor(admin_client, admin_membership, member, client):
    admin_client.post("/centre/settings/", {"require_mfa_for_staff": "on"})
    admin_membership.centre.refresh_from_db()
    assert admin_membership.centre.require_mfa_for_staff
    assessor, learner = member(is_assessor=True), member(is_learner=True)
    client.force_login(assessor.user)
    assert client.get("/").url == "/accounts/2fa/totp/activate/"
    client.force_login(learner.user)
    assert client.get("/").status_code == 200


def test_people_page_queries_do_not_grow_with_the_centre(admin_client, admin_membership, django_assert_max_num_queries):
    for _ in range(3):
        MembershipFactory(centre=admin_membership.centre, is_learner=True)
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/centre/people/")
    for _ in range(30):
        MembershipFactory(centre=admin_membership.centre, is_learner=True)
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get("/centre/people/")
    assert "34 people" in response.content.decode()


def test_the_two_factor_rule_can_be_switched_off_again(admin_client, admin_membership):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin_membership.user, type=Authenticator.Type.TOTP, data={})
    admin_client.post("/centre/settings/", {"require_mfa_for_staff": "on"})
    admin_membership.centre.refresh_from_db()
    assert admin_membership.centre.require_mfa_for_staff
    response = admin_client.post("/centre/settings/", {})  # the box unticked: the browser sends nothing
    assert response.status_code == 302
    admin_membership.centre.refresh_from_db()
    assert not admin_membership.centre.require_mfa_for_staff


def people_page(client, **query) -> str:
    return client.get("/centre/people/", query).content.decode()


def test_the_people_list_shows_active_members_until_asked_for_others(admin_client, member):
    member(is_assessor=True, user__full_name="Asha Assessor")
    member(is_learner=True, is_active=False, user__full_name="Dora Departed")
    page = people_page(admin_client)
    assert "Asha Assessor" in page and "Dora Departed" not in page
    assert '<option value="active" selected>Active</option>' in page
    page = people_page(admin_client, status="inactive")
    assert "Dora Departed" in page and "Asha Assessor" not in page
    assert '<option value="inactive" selected>Deactivated</option>' in page
    page = people_page(admin_client, status="all")
    assert "Dora Departed" in page and "Asha Assessor" in page


def test_the_people_list_filters_by_role_and_by_name_or_email(admin_client, member):
    member(is_assessor=True, user__full_name="Asha Assessor", user__email="asha@example.test")
    member(is_learner=True, user__full_name="Liam Learner", user__email="liam@example.test")
    page = people_page(admin_client, role="assessor")
    assert "Asha Assessor" in page and "Liam Learner" not in page
    assert '<option value="assessor" selected>Assessor</option>' in page
    page = people_page(admin_client, q="LIAM@example")
    assert "Liam Learner" in page and "Asha Assessor" not in page
    assert "Nobody matches these filters." in people_page(admin_client, role="iqa", q="asha")


@pytest.mark.parametrize(
    "query, message",
    [
        ({"role": "wizard"}, "There is no such role: choose one from the list."),
        ({"status": "retired"}, "There is no such status: choose one from the list. Active members are shown."),
        ({"q": "x" * 201}, "Search for at most 200 characters."),
    ],
)
def test_a_nonsense_filter_on_the_people_list_is_explained_and_the_rest_still_applies(admin_client, member, query, message):
    member(is_assessor=True, user__full_name="Asha Assessor")
    member(is_learner=True, is_active=False, user__full_name="Dora Departed")
    response = admin_client.get("/centre/people/", {"role": "assessor", "q": "asha"} | query)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "Asha Assessor" in page and "Dora Departed" not in page


def test_the_people_pages_keep_the_filters(admin_client, admin_membership):
    for _ in range(51):
        MembershipFactory(centre=admin_membership.centre, is_learner=True)
    page = people_page(admin_client, role="learner")
    assert "51 people" in page and "Page 1 of 2" in page
    assert 'href="?role=learner&amp;page=2">Next</a>' in page
