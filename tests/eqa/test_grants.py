"""The centre grants an EQA access, the access starts and ends by itself on its dates, the admin
ends it early; what the EQA then sees, and who may do any of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.presentation import describe
from apps.centres.models import Invitation, Membership
from apps.centres.services import invitation_accept
from apps.learners.models import ExternalAccess
from apps.notifications.models import Notification
from tests.eqa.support import EQA_EMAIL, enrol, eqa_world, grant_for

NEW_EMAIL = "nadia.new@ao.example.test"


@pytest.fixture
def bare(db, private_storage):
    """The EQA world without a grant: the EQA is a member with the role but sees nothing yet."""
    return eqa_world(grant=False)


def form(world, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "email": EQA_EMAIL, "full_name": "Eve External", "awarding_organisation": "NCFE",
        "qualifications": [world.ncfe.pk], "learners": [],
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
    }
    return data | changes


def post_grant(client, world, django_capture_on_commit_callbacks, **changes):
    client.force_login(world.admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("eqa_grant_new"), form(world, **changes))


def field_error(response, field: str) -> str:
    found = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', response.content.decode(), re.S)
    return found.group(1) if found else ""


def sees(client, enrolment) -> int:
    return client.get(reverse("enrolment_plan", args=[enrolment.pk])).status_code


# --- granting ---------------------------------------------------------------------------------


def test_an_admin_grants_a_member_access_and_the_eqa_sees_exactly_that_scope(client, bare,
                                                                              django_capture_on_commit_callbacks):
    world = bare
    ends = timezone.localdate() + timedelta(days=20)
    response = post_grant(client, world, django_capture_on_commit_callbacks, ends_on=ends.isoformat())
    grant = ExternalAccess.objects.get()
    assert response.status_code == 302 and response.url == reverse("eqa_grant", args=[grant.pk])
    assert grant.user == world.eqa.user and grant.invitation is None
    assert list(grant.qualifications.all()) == [world.ncfe] and not grant.learners.exists()
    world.eqa.refresh_from_db()
    assert world.eqa.roleset.eqa and world.eqa.eqa_expires_on == ends
    event = AuditEvent.objects.get(action="eqa.access_granted")
    sentence = describe(event).sentence
    assert "Ada Admin granted eve.external@ao.example.test EQA access for NCFE to 600/0000/1 Certificate in Testing" in sentence
    assert f"{ends.day} {ends:%b %Y}" in sentence
    note = Notification.objects.get(recipient=world.eqa.user)
    assert "NCFE" in note.body and "600/0000/1" in note.body

    page = client.get(response.url).content.decode()
    assert "EQA access granted to eve.external@ao.example.test. They have been told." in page
    assert "Cara Complete" in page and "Ned Newcomer" in page and "Paula Pearson" not in page

    client.force_login(world.eqa.user)
    hub = client.get(reverse("eqa_home")).content.decode()
    assert "600/0000/1 Certificate in Testing" in hub and "Every learner on this qualification" in hub
    assert sees(client, world.cara) == 200 and sees(client, world.ned) == 200
    assert sees(client, world.paula) == 404 and sees(client, world.elsewhere) == 404
    assert client.get(reverse("evidence_detail", args=[world.evidence.pk])).status_code == 200
    assert client.get(reverse("evidence_detail", args=[world.draft.pk])).status_code == 404


def test_a_grant_naming_learners_shows_only_them(client, bare, django_capture_on_commit_callbacks):
    world = bare
    post_grant(client, world, django_capture_on_commit_callbacks, learners=[world.cara.learner.pk])
    assert list(ExternalAccess.objects.get().learners.all()) == [world.cara.learner]
    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 200 and sees(client, world.ned) == 404


def test_a_new_email_is_invited_and_once_accepted_sees_the_scope(client, bare, django_capture_on_commit_callbacks):
    world = bare
    ends = timezone.localdate() + timedelta(days=45)
    response = post_grant(client, world, django_capture_on_commit_callbacks, email=NEW_EMAIL, full_name="Nadia New",
                          ends_on=ends.isoformat())
    assert response.status_code == 302
    grant = ExternalAccess.objects.get()
    invitation = Invitation.objects.get(email=NEW_EMAIL)
    assert grant.user is None and grant.invitation == invitation
    assert invitation.roleset.eqa and invitation.eqa_expires_on == ends and invitation.full_name == "Nadia New"
    assert [m.to for m in mail.outbox] == [[NEW_EMAIL]]
    assert "You are invited to Northgate Training" in mail.outbox[0].subject
    assert "600/0000/1 Certificate in Testing" in mail.outbox[0].body and f"{ends.day} {ends:%b %Y}" in mail.outbox[0].body
    # What the email says of the access waiting (the invitation email loads this tag).
    words = Template("{% load eqa_invitation %}{% eqa_access_in_words invitation %}").render(
        Context({"invitation": invitation}))
    assert "NCFE" in words and "600/0000/1 Certificate in Testing" in words and f"{ends.day} {ends:%b %Y}" in words
    assert Template("{% load eqa_invitation %}{% eqa_access_in_words invitation %}").render(
        Context({"invitation": Invitation(pk=None)})) == ""

    membership = invitation_accept(invitation=invitation, full_name="Nadia New", password="a-long-pass-phrase")
    assert membership.roleset.eqa and membership.eqa_expires_on == ends
    client.force_login(membership.user)
    assert reverse("eqa_grant", args=[grant.pk]) in client.get(reverse("eqa_home")).content.decode()
    assert sees(client, world.cara) == 200 and sees(client, world.paula) == 404


def test_a_second_grant_to_someone_not_yet_signed_up_replaces_the_invitation_for_both(
        client, bare, django_capture_on_commit_callbacks):
    world = bare
    today = timezone.localdate()
    post_grant(client, world, django_capture_on_commit_callbacks, email=NEW_EMAIL, ends_on=(today + timedelta(days=60)).isoformat())
    post_grant(client, world, django_capture_on_commit_callbacks, email=NEW_EMAIL, ends_on=(today + timedelta(days=10)).isoformat(),
               learners=[world.cara.learner.pk])
    pending = Invitation.objects.get(email=NEW_EMAIL, revoked_at=None)
    assert set(ExternalAccess.objects.values_list("invitation", flat=True)) == {pending.pk}
    assert pending.eqa_expires_on == today + timedelta(days=60)


BAD = [
    ({"ends_on": "_yesterday"}, "ends_on", "The end date is before the start date."),
    ({"ends_on": ""}, "ends_on", "Choose the day the access ends."),
    ({"ends_on": "_overayear"}, "ends_on", "EQA access lasts at most a year: choose an end date on or before"),
    ({"starts_on": "_yesterday"}, "starts_on", "The access cannot start in the past"),
    ({"qualifications": []}, "qualifications", "Choose at least one qualification the EQA may see."),
    ({"qualifications": ["_pearson"]}, "qualifications",
     "603/0000/2 Diploma in Other Things is a Pearson qualification; the EQA acts for NCFE."),
    ({"qualifications": ["_other_centre_only"]}, "qualifications", "Choose qualifications from the list."),
    ({"learners": ["_paula"]}, "learners", "Paula Pearson is not enrolled on the chosen qualifications"),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"email": "_assessor"}, "email", "works at the centre as assessor; an external quality assurer must be independent"),
    ({"awarding_organisation": "Ofqual"}, "awarding_organisation", "Select a valid choice."),
]


@pytest.mark.parametrize("changes, field, message", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_input_is_explained_beside_its_field_and_grants_nothing(client, bare, django_capture_on_commit_callbacks,
                                                                    changes, field, message):
    world = bare
    today = timezone.localdate()
    other_qualification = enrol(world.other_centre, name="Only Elsewhere", qualification=_other_qualification()).qualification
    values = {
        "_yesterday": (today - timedelta(days=1)).isoformat(), "_overayear": (today + timedelta(days=366)).isoformat(),
        "_pearson": world.pearson.pk, "_paula": world.paula.learner.pk, "_assessor": world.assessor.user.email,
        "_other_centre_only": other_qualification.pk,
    }

    def real(value):
        return [values.get(v, v) for v in value] if isinstance(value, list) else values.get(value, value)

    before = (AuditEvent.objects.count(), Invitation.objects.count(), Membership.objects.get(pk=world.eqa.pk).eqa_expires_on)
    response = post_grant(client, world, django_capture_on_commit_callbacks, **{k: real(v) for k, v in changes.items()})
    assert response.status_code == 200
    error = field_error(response, field)
    assert message in error, error
    assert not ExternalAccess.objects.exists() and not mail.outbox
    after = (AuditEvent.objects.count(), Invitation.objects.count(), Membership.objects.get(pk=world.eqa.pk).eqa_expires_on)
    assert after == before


def _other_qualification():
    from tests.eqa.support import qualification

    return qualification("610/0000/3", title="Award in Elsewhere Only")


def test_every_problem_is_shown_at_once(client, bare, django_capture_on_commit_callbacks):
    response = post_grant(client, bare, django_capture_on_commit_callbacks, ends_on="",
                          qualifications=[bare.pearson.pk], learners=[bare.paula.learner.pk])
    assert "Choose the day the access ends." in field_error(response, "ends_on")
    assert "is a Pearson qualification" in field_error(response, "qualifications")
    assert not ExternalAccess.objects.exists()


def test_an_unknown_qualification_is_refused_with_its_message(client, bare, django_capture_on_commit_callbacks):
    response = post_grant(client, bare, django_capture_on_commit_callbacks, qualifications=[999999])
    assert "Choose qualifications from the list." in field_error(response, "qualifications")
    assert not ExternalAccess.objects.exists()


def test_the_form_offers_the_centres_qualifications_and_learners_and_starts_today(client, bare):
    client.force_login(bare.admin.user)
    page = client.get(reverse("eqa_grant_new")).content.decode()
    assert "600/0000/1 Certificate in Testing · NCFE" in page and "603/0000/2 Diploma in Other Things · Pearson" in page
    assert "Cara Complete" in page and "Elsie Elsewhere" not in page
    assert f'value="{timezone.localdate().isoformat()}"' in page


# --- dates: access starts and ends by itself -----------------------------------------------------


def test_access_starts_on_its_start_date_and_ends_after_its_end_date(client, bare):
    world = bare
    today = timezone.localdate()
    upcoming = grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today + timedelta(days=3),
                         ends_on=today + timedelta(days=10))
    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 404
    assert client.get(reverse("eqa_grant", args=[upcoming.pk])).status_code == 404
    hub = client.get(reverse("eqa_home")).content.decode()
    starts = today + timedelta(days=3)
    assert "Access that has not started yet" in hub and f"Starts on {starts.day} {starts:%b %Y}" in hub

    # The same grant, started today: open.
    ExternalAccess.objects.filter(pk=upcoming.pk).update(starts_on=today)
    assert sees(client, world.cara) == 200
    assert client.get(reverse("eqa_grant", args=[upcoming.pk])).status_code == 200

    # It ended yesterday: nothing, and the role lapsed with it.
    ExternalAccess.objects.filter(pk=upcoming.pk).update(starts_on=today - timedelta(days=10),
                                                         ends_on=today - timedelta(days=1))
    assert sees(client, world.cara) == 404
    assert client.get(reverse("eqa_grant", args=[upcoming.pk])).status_code == 404
    Membership.objects.filter(pk=world.eqa.pk).update(eqa_expires_on=today - timedelta(days=1))
    assert client.get(reverse("eqa_home")).status_code == 403


def test_the_last_day_is_still_open(client, bare):
    world = bare
    today = timezone.localdate()
    grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today - timedelta(days=5), ends_on=today)
    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 200


def test_the_hub_tells_the_eqa_when_access_ended(client, bare):
    world = bare
    today = timezone.localdate()
    grant_for(world.eqa, qualifications=[world.ncfe])
    grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today - timedelta(days=40),
              ends_on=today - timedelta(days=5))
    client.force_login(world.eqa.user)
    hub = client.get(reverse("eqa_home")).content.decode()
    ended = today - timedelta(days=5)
    assert "Access that has ended" in hub and f"Ended on {ended.day} {ended:%b %Y}" in hub


# --- ending early ------------------------------------------------------------------------------


def test_ending_early_removes_access_at_once_and_the_reason_is_in_the_trail(client, world):
    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 200
    client.force_login(world.admin.user)
    response = client.post(reverse("eqa_grant_end", args=[world.grant.pk]), {"reason": "Visit cancelled by the AO"},
                           follow=True)
    assert "The EQA access of eve.external@ao.example.test has ended." in response.content.decode()
    assert "Ended early" in response.content.decode()
    world.grant.refresh_from_db()
    assert world.grant.ended_at is not None and world.grant.ended_by == world.admin.user
    world.eqa.refresh_from_db()
    assert world.eqa.eqa_expires_on == timezone.localdate() - timedelta(days=1)
    event = AuditEvent.objects.get(action="eqa.access_ended")
    assert describe(event).sentence == (
        "Ada Admin ended the EQA access of eve.external@ao.example.test early: Visit cancelled by the AO"
    )

    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 404
    assert client.get(reverse("eqa_grant", args=[world.grant.pk])).status_code == 404
    assert client.get(reverse("eqa_home")).status_code == 403


def test_ending_one_grant_early_leaves_the_other_standing(client, world):
    today = timezone.localdate()
    other = grant_for(world.eqa, qualifications=[world.pearson], awarding_organisation="Pearson",
                      ends_on=today + timedelta(days=90))
    client.force_login(world.admin.user)
    client.post(reverse("eqa_grant_end", args=[world.grant.pk]), {"reason": "Wrong qualification"})
    world.eqa.refresh_from_db()
    assert world.eqa.eqa_expires_on == other.ends_on
    client.force_login(world.eqa.user)
    assert sees(client, world.cara) == 404 and sees(client, world.paula) == 200


def test_ending_without_a_reason_is_explained_and_ends_nothing(client, world):
    client.force_login(world.admin.user)
    response = client.post(reverse("eqa_grant_end", args=[world.grant.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the access ends early" in field_error(response, "reason")
    world.grant.refresh_from_db()
    assert world.grant.ended_at is None and not AuditEvent.objects.filter(action="eqa.access_ended").exists()


def test_an_access_already_over_cannot_be_ended_again(client, world):
    client.force_login(world.admin.user)
    client.post(reverse("eqa_grant_end", args=[world.grant.pk]), {"reason": "Done"})
    response = client.post(reverse("eqa_grant_end", args=[world.grant.pk]), {"reason": "Again"})
    assert response.status_code == 200 and "This access has already ended." in response.content.decode()
    assert AuditEvent.objects.filter(action="eqa.access_ended").count() == 1


def test_ending_before_the_invitation_is_accepted_withdraws_it(client, bare, django_capture_on_commit_callbacks):
    world = bare
    post_grant(client, world, django_capture_on_commit_callbacks, email=NEW_EMAIL)
    grant = ExternalAccess.objects.get()
    client.post(reverse("eqa_grant_end", args=[grant.pk]), {"reason": "Wrong person"})
    assert Invitation.objects.get(email=NEW_EMAIL).status == Invitation.Status.REVOKED


# --- who may ---------------------------------------------------------------------------------


def test_only_admins_grant_and_end(client, world):
    end = reverse("eqa_grant_end", args=[world.grant.pk])
    for person in (world.lead, world.iqa, world.assessor, world.eqa):
        client.force_login(person.user)
        assert client.get(reverse("eqa_grant_new")).status_code == 403
        assert client.post(reverse("eqa_grant_new"), form(world)).status_code == 403
    for person, answer in ((world.lead, 403), (world.eqa, 403), (world.assessor, 404), (world.other_admin, 404)):
        client.force_login(person.user)
        assert client.post(end, {"reason": "Because"}).status_code == answer
        assert client.get(reverse("eqa_grant", args=[world.grant.pk])).status_code == (200 if answer == 403 else 404)
    world.grant.refresh_from_db()
    assert world.grant.ended_at is None and ExternalAccess.objects.count() == 1


def test_the_lead_iqa_reads_the_grants_but_changes_nothing(client, world):
    client.force_login(world.lead.user)
    page = client.get(reverse("eqa_home")).content.decode()
    assert "Eve External" in page and "Open" in page and "Grant EQA access" not in page
    grant_page = client.get(reverse("eqa_grant", args=[world.grant.pk])).content.decode()
    assert "Cara Complete" in grant_page and "End the access now" not in grant_page
    assert "Who looked at what, when" not in page  # the log is the admins'


def test_the_admin_list_shows_each_grant_with_its_state(client, world):
    today = timezone.localdate()
    grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today + timedelta(days=5), ends_on=today + timedelta(days=9))
    grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=2))
    grant_for(world.eqa, qualifications=[world.ncfe], learners=[world.ned.learner], ended=True)
    client.force_login(world.admin.user)
    page = client.get(reverse("eqa_home")).content.decode()
    for words in ("Not started yet", "Open", "Ended", "Ended early", "Ned Newcomer", "Every learner on them",
                  "Grant EQA access", EQA_EMAIL):
        assert words in page, words


def test_others_are_refused_the_hub(client, world):
    for person in (world.iqa, world.assessor):
        client.force_login(person.user)
        assert client.get(reverse("eqa_home")).status_code == 403
    learner = Membership.objects.get(user=world.cara.learner.user)
    client.force_login(learner.user)
    assert client.get(reverse("eqa_home")).status_code == 403


def test_the_navigation_offers_each_side_its_entry(client, world):
    client.force_login(world.eqa.user)
    assert ">External quality assurance</a>" in client.get(reverse("eqa_home")).content.decode()
    client.force_login(world.admin.user)
    page = client.get(reverse("eqa_home")).content.decode()
    assert ">EQA access</a>" in page and ">External quality assurance</a>" not in page
    client.force_login(world.assessor.user)
    page = client.get(reverse("caseload")).content.decode()
    assert ">EQA access</a>" not in page and ">External quality assurance</a>" not in page


# --- queries do not grow with rows ---------------------------------------------------------------


def test_the_grant_list_and_grant_page_queries_do_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.admin.user)

    def count(url: str) -> int:
        with django_assert_max_num_queries(100) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    home, grant = reverse("eqa_home"), reverse("eqa_grant", args=[world.grant.pk])
    few = count(home), count(grant)
    for n in range(6):
        enrol(world.centre, name=f"Extra Learner {n}", qualification=world.ncfe)
        grant_for(world.eqa, qualifications=[world.ncfe, world.pearson], learners=[world.cara.learner])
    assert (count(home), count(grant)) == few


# --- in Chromium, with axe -------------------------------------------------------------------


@pytest.mark.browser
def test_the_grant_pages_read_well_and_pass_axe(page, assert_accessible, transactional_db, settings, tmp_path):
    from tests.browser.helpers import sign_in

    settings.STORAGES = settings.STORAGES | {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                         "OPTIONS": {"location": tmp_path / "media"}}}
    world = eqa_world(grant=False)
    sign_in(page, world.admin.user.email)
    page.goto(reverse("eqa_home"))
    assert_accessible(page)
    page.get_by_role("link", name="Grant EQA access").click()
    assert_accessible(page)
    page.get_by_label("EQA's email address").fill(EQA_EMAIL)
    page.get_by_label("EQA's full name").fill("Eve External")
    page.get_by_label("Awarding organisation they act for").select_option("NCFE")
    page.get_by_label("603/0000/2 Diploma in Other Things · Pearson").check()
    page.get_by_role("button", name="Grant access").click()
    page.get_by_text("is a Pearson qualification").wait_for()
    assert_accessible(page)
    page.get_by_label("603/0000/2 Diploma in Other Things · Pearson").uncheck()
    page.get_by_label("600/0000/1 Certificate in Testing · NCFE").check()
    page.get_by_label("Access ends on").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Grant access").click()
    page.get_by_text("EQA access granted to eve.external@ao.example.test.").wait_for()
    assert_accessible(page)

    sign_in(page, EQA_EMAIL)
    page.get_by_role("link", name="External quality assurance").click()
    assert_accessible(page)
    page.get_by_role("link", name="NCFE: 600/0000/1 Certificate in Testing").click()
    page.get_by_role("link", name="Cara Complete").wait_for()
    assert_accessible(page)

    sign_in(page, world.admin.user.email)
    page.goto(reverse("eqa_access_log"))
    page.get_by_text("EQA access: NCFE", exact=False).first.wait_for()
    assert_accessible(page)
    page.goto(reverse("eqa_grant", args=[ExternalAccess.objects.get().pk]))
    page.get_by_role("button", name="End the access now").click()
    page.get_by_text("Say why the access ends early").first.wait_for()
    assert_accessible(page)
    page.get_by_label("Why the access ends early").fill("Visit moved to next term")
    page.get_by_role("button", name="End the access now").click()
    page.get_by_text("has ended. They can no longer see anything.").wait_for()
    assert_accessible(page)
