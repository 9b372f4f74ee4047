"""The Django admin lets platform staff read everything and change nothing: every write in
Attest goes through a service that records it in the audit trail. Centres are opened with
`manage.py centre_create`, which runs those services."""

from __future__ import annotations

import re
import sys

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.assessment.models import Countersignature, FeedbackRead, SignOffAcknowledgement, UnitReopening, UnitSignOff
from apps.audit.models import AuditEvent
from apps.centres.models import Centre, Invitation, Membership
from apps.records.services import Signature, observation_confirm
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.factories import CentreFactory, MembershipFactory
from tests.worlds import build_world

PASSWORD = "a-long-pass-phrase"


def registered() -> list[type]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def everything(models) -> dict[str, list[dict]]:
    """Every row of every model, to show that nothing changed."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def platform_staff(db):
    return User.objects.create_superuser(email="pat@platform.test", password=PASSWORD, full_name="Pat Platform")


@pytest.fixture
def every_kind_of_row(db, private_storage):  # noqa: F811
    """Two centres with portfolios, assessed evidence, records, a signed-off unit acknowledged and
    reopened, a countersigned decision and an authenticator: a row of every model there is."""
    users, objects = build_world()
    mine = objects["home"]
    home, found = mine["enrolment"].centre, mine
    enrolment, learner = mine["enrolment"], mine["enrolment"].learner
    assessor = users["assessor"]
    observation_confirm(observation=mine["observation"], learner_user=learner.user,
                        signature=Signature(name=learner.full_name))
    # Signed rows written directly: their services' rules are tested in tests/assessment.
    sign_off = UnitSignOff.objects.create(centre=home, enrolment=enrolment, unit=found["decision"].criterion.unit,
                                          signed_by=assessor, signed_name=assessor.full_name)
    SignOffAcknowledgement.objects.create(sign_off=sign_off, signed_by=learner.user, signed_name=learner.full_name)
    UnitReopening.objects.create(sign_off=sign_off, reason="Evidence found to be copied.", signed_by=assessor,
                                 signed_name=assessor.full_name)
    Countersignature.objects.create(decision=found["decision"], signed_by=assessor, signed_name=assessor.full_name)
    FeedbackRead.objects.create(assessment=mine["evidence"].current.assessments.get(), read_by=learner.user)
    Authenticator.objects.create(user=learner.user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    return users, objects


def test_platform_staff_read_every_registered_model_and_change_none(client, platform_staff, every_kind_of_row):
    client.force_login(platform_staff)
    models = registered()
    before, events = everything(models), AuditEvent.objects.count()
    problems = []

    def expect(what: str, response, status: int) -> None:
        if response.status_code != status:
            problems.append(f"{what}: {response.status_code}, expected {status}")

    for model in models:
        label = model._meta.label
        row = model.objects.order_by("pk").first()
        if row is None:
            problems.append(f"{label}: no row to look at; give every_kind_of_row one")
            continue
        listing = client.get(admin_url(model, "changelist"))
        expect(f"{label} list", listing, 200)
        expect(f"{label} page", client.get(admin_url(model, "change", row.pk)), 200)
        expect(f"{label} add", client.get(admin_url(model, "add")), 403)
        expect(f"{label} add (post)", client.post(admin_url(model, "add"), {"_save": "Save"}), 403)
        text = {"CharField", "TextField", "EmailField"}
        changed = {f.name: "Changed in the admin" for f in model._meta.concrete_fields if f.get_internal_type() in text}
        response = client.post(admin_url(model, "change", row.pk), changed | {"_save": "Save"})
        expect(f"{label} change (post)", response, 403)
        expect(f"{label} delete", client.get(admin_url(model, "delete", row.pk)), 403)
        expect(f"{label} delete (post)", client.post(admin_url(model, "delete", row.pk), {"post": "yes"}), 403)
        # The bulk "delete selected" action is not offered, and asking for it anyway does nothing.
        if 'name="action"' in listing.content.decode():
            problems.append(f"{label} list offers bulk actions")
        bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        client.post(admin_url(model, "changelist"), bulk)

    assert not problems, "\n".join(problems)
    assert everything(models) == before
    assert AuditEvent.objects.count() == events


def test_a_users_page_shows_no_password_hash_and_the_password_cannot_be_set(client, platform_staff):
    client.force_login(platform_staff)
    person = MembershipFactory(is_learner=True).user
    page = client.get(admin_url(User, "change", person.pk)).content.decode()
    assert person.email in page
    assert person.password not in page and "pbkdf2" not in page.lower() and "algorithm" not in page.lower()
    assert client.get(reverse("admin:auth_user_password_change", args=[person.pk])).status_code == 403
    password = person.password
    new = {"password1": "x-new-phrase-9", "password2": "x-new-phrase-9"}
    client.post(reverse("admin:auth_user_password_change", args=[person.pk]), new)
    person.refresh_from_db()
    assert person.password == password


def test_an_authenticators_secret_is_not_shown(client, platform_staff):
    client.force_login(platform_staff)
    person = MembershipFactory(is_learner=True).user
    authenticator = Authenticator.objects.create(
        user=person, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    page = client.get(admin_url(Authenticator, "change", authenticator.pk)).content.decode()
    assert "TOTP" in page and "JBSWY3DPEHPK3PXP" not in page


def test_people_without_platform_staff_access_are_sent_to_sign_in(client, db):
    client.force_login(MembershipFactory(is_admin=True).user)
    response = client.get(admin_url(Centre, "changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response.url


# --- manage.py centre_create ---------------------------------------------------------------------------


def manage(*argv: str) -> int:
    """Run a command as `manage.py` would and return its exit status; a refusal goes to stderr.
    (Not through `run_from_argv`, which closes the database connection the test runs in.)"""
    try:
        call_command(*argv)
    except CommandError as refusal:
        sys.stderr.write(f"CommandError: {refusal}\n")
        return refusal.returncode
    return 0


def centre_create(**options: str) -> list[str]:
    values = {"name": "Riverside Training", "slug": "riverside", "admin-email": "Rita@Riverside.test",
              "admin-name": "Rita Rivers"} | options
    return ["centre_create", *(f"--{key}={value}" for key, value in values.items())]


def test_platform_staff_open_a_centre_and_its_first_admin_joins_from_the_printed_link(
    client, platform_staff, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert manage(*centre_create()) == 0
    out = capsys.readouterr().out
    centre = Centre.objects.get(slug="riverside")
    assert "Created centre Riverside Training (riverside)." in out
    assert "Invited Rita Rivers <rita@riverside.test> as centre admin" in out

    # The link is printed and emailed; both are the same one-time link.
    printed = re.search(r"https?://\S+(/invitations/[^/\s]+/)", out).group(1)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rita@riverside.test"]
    assert printed in mail.outbox[0].body
    events = AuditEvent.objects.filter(centre=centre, actor=platform_staff)
    assert set(events.values_list("action", flat=True)) == {"centre.created", "invitation.sent"}

    accept = {"full_name": "Rita Rivers", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(printed, accept, follow=True)
    assert response.status_code == 200
    membership = Membership.objects.get(centre=centre, user__email="rita@riverside.test")
    assert membership.is_admin and membership.is_active


@pytest.mark.parametrize(
    "options, message",
    [
        ({"slug": "taken"}, "The slug 'taken' is already used by Taken College: choose another."),
        ({"admin-email": "rita@riverside"}, "'rita@riverside' is not a valid email address (--admin-email)."),
        ({"admin-email": "not an email"}, "'not an email' is not a valid email address (--admin-email)."),
        ({"slug": "River side!"}, "'River side!' is not a valid slug"),
        ({"name": "  "}, "The centre needs a name (--name)."),
        ({"admin-name": ""}, "The first admin needs a name (--admin-name)."),
        ({"by": "nobody@platform.test"}, "nobody@platform.test is not an active platform staff account (--by)."),
        ({"ao-centre-number": "9" * 51}, "The awarding organisation centre number is longer than 50 characters."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(platform_staff, capsys, options, message):
    CentreFactory(name="Taken College", slug="taken")
    counts = Centre.objects.count(), Invitation.objects.count(), AuditEvent.objects.count()
    assert manage(*centre_create(**options)) != 0
    assert message in capsys.readouterr().err
    assert (Centre.objects.count(), Invitation.objects.count(), AuditEvent.objects.count()) == counts
    assert not mail.outbox


def test_without_a_platform_staff_account_it_says_how_to_make_one(db, capsys):
    assert manage(*centre_create()) != 0
    assert "create one with manage.py createsuperuser" in capsys.readouterr().err
    assert not Centre.objects.exists()


def test_with_several_platform_staff_it_asks_who_is_acting(platform_staff, capsys, django_capture_on_commit_callbacks):
    colleague = User.objects.create_superuser(email="sam@platform.test", password=PASSWORD, full_name="Sam Platform")
    assert manage(*centre_create()) != 0
    assert "say which is acting with --by EMAIL" in capsys.readouterr().err
    with django_capture_on_commit_callbacks(execute=True):
        assert manage(*centre_create(by="SAM@platform.test")) == 0
    assert AuditEvent.objects.get(action="centre.created").actor == colleague
