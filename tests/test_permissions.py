"""Every URL × every role × a member of another centre: 200/302, 403 or 404, never anything else.

A URL that is added without an entry in ACCESS fails test_every_url_is_classified, so the
walk cannot silently miss a page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.centres.models import Invitation
from apps.centres.roles import Cap
from apps.qualifications.models import SpecImport
from tests.factories import CentreFactory, MembershipFactory, make_qualification

PUBLIC, LOGIN = "public", "login"

# url name -> (method, who may use it, does it resolve an object of a centre)
ACCESS: dict[str, tuple[str, str | Cap, bool]] = {
    "home": ("get", PUBLIC, False),
    "healthz": ("get", PUBLIC, False),
    "invitation_accept": ("get", PUBLIC, False),
    "centre_switch": ("post", LOGIN, False),
    "centre_people": ("get", Cap.MANAGE_CENTRE, False),
    "centre_invite": ("get", Cap.MANAGE_CENTRE, False),
    "centre_member": ("get", Cap.MANAGE_CENTRE, True),
    "centre_member_set_active": ("post", Cap.MANAGE_CENTRE, True),
    "centre_invitation_revoke": ("post", Cap.MANAGE_CENTRE, True),
    "centre_settings": ("get", Cap.MANAGE_CENTRE, False),
    "audit_events": ("get", Cap.VIEW_AUDIT, False),
    "catalogue": ("get", Cap.VIEW_CATALOGUE, False),
    "catalogue_search": ("get", Cap.VIEW_CATALOGUE, False),
    "qualification_detail": ("get", Cap.VIEW_CATALOGUE, False),  # the catalogue is shared by all centres
    "unit_detail": ("get", Cap.VIEW_CATALOGUE, False),
    "catalogue_imports": ("get", Cap.MANAGE_CENTRE, False),
    "catalogue_import": ("get", Cap.MANAGE_CENTRE, True),
    "catalogue_import_apply": ("post", Cap.MANAGE_CENTRE, True),
    "catalogue_import_discard": ("post", Cap.MANAGE_CENTRE, True),
}
# allauth's own pages: public or for any signed-in person; none is centre-scoped.
ALLAUTH_PREFIX = "accounts/"
# Pages that need a secret from an email; they are exercised in test_accounts and test_centres.
NEEDS_EMAILED_KEY = {"account_confirm_email", "account_reset_password_from_key", "account_login_by_code"}

ROLES = {
    "anonymous": None,
    "learner": {"is_learner": True},
    "assessor": {"is_assessor": True},
    "iqa": {"is_iqa": True},
    "admin": {"is_admin": True},
    "eqa": {"is_eqa": True, "eqa_expires_on": "future"},
    "expired_eqa": {"is_eqa": True, "eqa_expires_on": "past"},
    "admin_of_another_centre": {"is_admin": True},
}


def walk(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry.name


def app_urls() -> list[str]:
    return sorted(
        {name for route, name in walk() if not route.startswith(("django-admin/", ALLAUTH_PREFIX))}
    )


def allauth_urls() -> list[str]:
    return sorted(
        {
            name
            for route, name in walk()
            if route.startswith(ALLAUTH_PREFIX) and "<" not in route and name not in NEEDS_EMAILED_KEY
        }
    )


def test_every_url_is_classified():
    assert set(app_urls()) == set(ACCESS), "add each new URL to ACCESS with who may use it"


@pytest.fixture
def world(db):
    """Two centres with objects in each; the person under test belongs to `home`."""
    home, elsewhere = CentreFactory(name="Home Centre"), CentreFactory(name="Elsewhere")
    home_admin = MembershipFactory(centre=home, is_admin=True)
    elsewhere_admin = MembershipFactory(centre=elsewhere, is_admin=True)
    make_qualification(number="600/0000/1")
    objects = {
        home: {
            "member": MembershipFactory(centre=home, is_learner=True),
            "invitation": _invitation(home, home_admin.user),
            "spec_import": _spec_import(home_admin),
        },
        elsewhere: {
            "member": MembershipFactory(centre=elsewhere, is_learner=True),
            "invitation": _invitation(elsewhere, elsewhere_admin.user),
            "spec_import": _spec_import(elsewhere_admin),
        },
    }
    return home, elsewhere, home_admin, objects


def _invitation(centre, by):
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        centre=centre,
        email=f"invitee-{centre.slug}@example.test",
        full_name="Invitee",
        token_hash=token_hash,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=3),
    )
    invitation.is_learner = True
    invitation.save()
    invitation.raw_token = token
    return invitation


def _spec_import(admin):
    return SpecImport.objects.create(
        uploaded_by=admin.user, centre=admin.centre, filename="spec.txt", text="x", sha256="0"
    )


def url_for(name: str, objects: dict) -> str:
    args = {
        "qualification_detail": ["600-0000-1"],
        "unit_detail": ["600-0000-1", "1"],
        "catalogue_import": [objects["spec_import"].pk],
        "catalogue_import_apply": [objects["spec_import"].pk],
        "catalogue_import_discard": [objects["spec_import"].pk],
        "centre_member": [objects["member"].pk],
        "centre_member_set_active": [objects["member"].pk],
        "centre_invitation_revoke": [objects["invitation"].pk],
        "invitation_accept": [objects["invitation"].raw_token],
    }.get(name, [])
    return reverse(name, args=args)


def sign_in(client, role: str, home, elsewhere):
    spec = ROLES[role]
    if spec is None:
        return None
    spec = dict(spec)
    if "eqa_expires_on" in spec:
        delta = timedelta(days=30 if spec["eqa_expires_on"] == "future" else -1)
        spec["eqa_expires_on"] = timezone.localdate() + delta
    centre = elsewhere if role == "admin_of_another_centre" else home
    membership = MembershipFactory(centre=centre, **spec)
    client.force_login(membership.user)
    return membership


def expected(name: str, role: str, membership) -> set[int]:
    method, who, scoped = ACCESS[name]
    if who == PUBLIC:
        return {200, 302, 503} if name == "healthz" else {200, 302}
    if membership is None:
        return {302}  # to the sign-in page
    if who == LOGIN:
        return {200, 302}
    if not membership.can(who):
        return {403}
    if scoped and role == "admin_of_another_centre":
        return {404}
    return {200, 302}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_url_answers_each_role_as_its_capabilities_say(client, world, name, role):
    home, elsewhere, _, objects = world
    membership = sign_in(client, role, home, elsewhere)
    url = url_for(name, objects[home])
    method = ACCESS[name][0]
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code in expected(name, role, membership), (url, role, response.status_code)
    if response.status_code == 302 and membership is None and ACCESS[name][1] not in (PUBLIC,):
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name",
    [
        "centre_member",
        "centre_member_set_active",
        "centre_invitation_revoke",
        "catalogue_import",
        "catalogue_import_apply",
        "catalogue_import_discard",
    ],
)
def test_objects_of_another_centre_are_404_even_for_its_admins_peers(client, world, name):
    home, elsewhere, home_admin, objects = world
    client.force_login(home_admin.user)
    url = url_for(name, objects[elsewhere])
    response = client.post(url) if ACCESS[name][0] == "post" else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "learner", "admin"])
@pytest.mark.parametrize("name", allauth_urls())
def test_account_pages_never_fail(client, world, name, role):
    home, elsewhere, _, _ = world
    sign_in(client, role, home, elsewhere)
    response = client.get(reverse(name))
    allowed = {200, 302, 405}
    if name.startswith("mfa_") and role != "anonymous":
        allowed.add(404)  # allauth: there is no authenticator of that kind to manage yet
    assert response.status_code in allowed, (name, role, response.status_code)


def test_the_django_admin_is_for_platform_staff_only(client, world):
    _, _, home_admin, _ = world
    client.force_login(home_admin.user)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response.url
