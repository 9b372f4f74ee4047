"""Every URL × every role × a member of another centre: 200/302, 403 or 404, never anything else.

A URL that is added without an entry in ACCESS fails test_every_url_is_classified, so the
walk cannot silently miss a page.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.centres.models import Invitation
from apps.centres.roles import Cap
from apps.evidence.models import PortfolioExport
from apps.evidence.services import EvidenceContent, evidence_create
from apps.evidence.demo_files import demo_image
from apps.evidence.files import store
from apps.evidence.models import Upload
from apps.learners.models import Enrolment, Learner, LearnerImport, PriorAchievement
from apps.notifications.services import notify
from apps.qualifications.models import SpecImport
from tests.factories import CentreFactory, MembershipFactory, make_qualification
from tests.records.helpers import make_records

ROLES = ["anonymous", "learner", "assessor", "iqa", "admin", "eqa", "expired_eqa", "admin_of_another_centre"]
OK = {200, 302}


def by_role(**expected: set[int]) -> dict[str, set[int]]:
    """Expected answers per role; anyone not named gets the default given as `rest`."""
    rest = expected.pop("rest")
    table = {role: expected.get(role, rest) for role in ROLES}
    table.setdefault("anonymous", {302})
    if "anonymous" not in expected:
        table["anonymous"] = {302}  # to the sign-in page
    return table


def cap(c: Cap, scoped: bool = False) -> dict[str, set[int]]:
    """A capability page: 403 without it; another centre's object is a 404 even with it."""
    holders = {
        "learner": Cap.OWN_PORTFOLIO,
        "assessor": Cap.ASSESS,
        "iqa": Cap.QUALITY_ASSURE,
    }
    from apps.centres.roles import ROLE_CAPABILITIES, Role

    role_of = {"learner": Role.LEARNER, "assessor": Role.ASSESSOR, "iqa": Role.IQA, "admin": Role.ADMIN, "eqa": Role.EQA}
    table = {}
    for role in ROLES:
        if role == "anonymous":
            table[role] = {302}
        elif role == "expired_eqa":
            table[role] = {403}
        elif role == "admin_of_another_centre":
            table[role] = ({404} if scoped else OK) if c in ROLE_CAPABILITIES[Role.ADMIN] else {403}
        else:
            table[role] = OK if c in ROLE_CAPABILITIES[role_of[role]] else {403}
    del holders
    return table


PUBLIC = {role: {200, 302} for role in ROLES}
LOGIN = by_role(rest=OK, expired_eqa=OK)
# Reading a portfolio: its learner, the assigned assessor and IQA, admins and EQAs of the centre.
PORTFOLIO_READ = by_role(rest=OK, expired_eqa={404}, admin_of_another_centre={404})
# Changing it: only its learner; others who can see it are refused, others do not see it.
PORTFOLIO_WRITE = by_role(rest={403}, learner=OK, expired_eqa={404}, admin_of_another_centre={404})
EXPORT_REQUEST = by_role(rest={403}, learner=OK, admin=OK, expired_eqa={404}, admin_of_another_centre={404})
EXPORT_READ = by_role(rest={404}, learner=OK, admin=OK)
# Assessment records: staff read an enrolment's records page; its assigned assessors create and
# manage records; its learner confirms observations; the witness's pages are public.
RECORDS_PAGE = by_role(rest=OK, learner={403}, expired_eqa={404}, admin_of_another_centre={404})
RECORD_CREATE = by_role(rest={403}, assessor=OK, expired_eqa={404}, admin_of_another_centre={404})
RECORD_CONFIRM = by_role(rest={403}, learner=OK, expired_eqa={404}, admin_of_another_centre={404})
# The unit plan: whoever sees the enrolment reads it; any role is needed first.
PLAN_READ = by_role(rest=OK, expired_eqa={403}, admin_of_another_centre={404})
MANAGE_SCOPED = cap(Cap.MANAGE_CENTRE, scoped=True)
# Resumable uploads answer signed-out clients with 403, not a redirect: a tus client cannot follow one.
UPLOADERS = {"learner", "assessor", "admin", "admin_of_another_centre"}
UPLOAD_CREATE = {role: ({201} if role in UPLOADERS else {403}) for role in ROLES}
UPLOAD_DETAIL = {role: ({200} if role == "learner" else {404} if role in UPLOADERS else {403}) for role in ROLES}
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
HEADERS = {
    "upload_create": TUS | {"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "filename YS5wZGY="},
    "upload_detail": TUS,
}

# url name -> (method, expected answers per role)
ACCESS: dict[str, tuple[str, dict[str, set[int]]]] = {
    "home": ("get", PUBLIC),
    "healthz": ("get", {role: {200, 503} for role in ROLES}),
    "invitation_accept": ("get", PUBLIC),
    "centre_switch": ("post", LOGIN),
    "centre_people": ("get", cap(Cap.MANAGE_CENTRE)),
    "centre_invite": ("get", cap(Cap.MANAGE_CENTRE)),
    "centre_member": ("get", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "centre_member_set_active": ("post", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "centre_invitation_revoke": ("post", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "centre_settings": ("get", cap(Cap.MANAGE_CENTRE)),
    "audit_events": ("get", cap(Cap.VIEW_AUDIT)),
    "catalogue": ("get", cap(Cap.VIEW_CATALOGUE)),
    "catalogue_search": ("get", cap(Cap.VIEW_CATALOGUE)),
    "qualification_detail": ("get", cap(Cap.VIEW_CATALOGUE)),  # the catalogue is shared by all centres
    "unit_detail": ("get", cap(Cap.VIEW_CATALOGUE)),
    "catalogue_imports": ("get", cap(Cap.MANAGE_CENTRE)),
    "catalogue_import": ("get", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "catalogue_import_apply": ("post", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "catalogue_import_discard": ("post", cap(Cap.MANAGE_CENTRE, scoped=True)),
    "portfolio_home": ("get", LOGIN),
    "portfolio": ("get", PORTFOLIO_READ),
    "evidence_detail": ("get", PORTFOLIO_READ),
    "evidence_new": ("get", PORTFOLIO_WRITE),
    "evidence_edit": ("get", PORTFOLIO_WRITE),
    "evidence_submit": ("get", PORTFOLIO_WRITE),
    "evidence_withdraw": ("post", PORTFOLIO_WRITE),
    "portfolio_export_request": ("post", EXPORT_REQUEST),
    "portfolio_export": ("get", EXPORT_READ),
    "portfolio_export_download": ("get", by_role(rest={404})),  # not built yet: nobody downloads it
    "learner_list": ("get", cap(Cap.MANAGE_CENTRE)),
    "learner_create": ("get", cap(Cap.MANAGE_CENTRE)),
    "learner_import": ("get", cap(Cap.MANAGE_CENTRE)),
    "learner_import_preview": ("get", MANAGE_SCOPED),
    "learner_import_apply": ("post", MANAGE_SCOPED),
    "learner_detail": ("get", MANAGE_SCOPED),
    "learner_edit": ("get", MANAGE_SCOPED),
    "learner_invite": ("post", MANAGE_SCOPED),
    "enrolment_create": ("get", MANAGE_SCOPED),
    "enrolment_edit": ("get", MANAGE_SCOPED),
    "enrolment_plan": ("get", PLAN_READ),
    "prior_achievement_add": ("post", MANAGE_SCOPED),
    "prior_achievement_remove": ("post", MANAGE_SCOPED),
    "upload_create": ("post", UPLOAD_CREATE),
    "upload_detail": ("head", UPLOAD_DETAIL),
    "file_download": ("get", PORTFOLIO_READ),
    "file_view": ("get", PORTFOLIO_READ),
    "file_thumbnail": ("get", PORTFOLIO_READ),
    "caseload": ("get", cap(Cap.ASSESS)),
    "notifications": ("get", LOGIN),
    "notification_open": ("post", LOGIN),
    "notifications_read_all": ("post", LOGIN),
    "records_enrolment": ("get", RECORDS_PAGE),
    "records_observation_new": ("get", RECORD_CREATE),
    "records_questioning_new": ("get", RECORD_CREATE),
    "records_discussion_new": ("get", RECORD_CREATE),
    "records_witness_new": ("get", RECORD_CREATE),
    "records_observation": ("get", PORTFOLIO_READ),
    "records_observation_confirm": ("get", RECORD_CONFIRM),
    "records_questioning": ("get", PORTFOLIO_READ),
    "records_discussion": ("get", PORTFOLIO_READ),
    "records_witness": ("get", PORTFOLIO_READ),
    "records_witness_resend": ("post", RECORD_CREATE),
    "records_witness_cancel": ("post", RECORD_CREATE),
    "records_witness_respond": ("get", PUBLIC),
    "records_witness_thanks": ("get", PUBLIC),
}
# allauth's own pages: public or for any signed-in person; none is centre-scoped.
ALLAUTH_PREFIX = "accounts/"
# Pages that need a secret from an email; they are exercised in test_accounts and test_centres.
NEEDS_EMAILED_KEY = {"account_confirm_email", "account_reset_password_from_key", "account_login_by_code"}


def walk(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry.name


def app_urls() -> list[str]:
    return sorted({name for route, name in walk() if not route.startswith(("django-admin/", ALLAUTH_PREFIX))})


def allauth_urls() -> list[str]:
    return sorted(
        {
            name
            for route, name in walk()
            if route.startswith(ALLAUTH_PREFIX) and "<" not in route and name not in NEEDS_EMAILED_KEY
        }
    )


def test_every_url_is_classified():
    # The assessment pages need assessed evidence in the world; tests/assessment/test_access.py
    # walks them over the same roles and world.
    from tests.assessment.test_access import ASSESSMENT_ACCESS

    assert set(app_urls()) == set(ACCESS) | set(ASSESSMENT_ACCESS), "add each new URL to ACCESS with who may use it"


def _centre_objects(centre, *, qualification, learner, assessor=None, iqa=None, admin):
    record = Learner.objects.create(centre=centre, user=learner.user, full_name=learner.user.full_name, email=learner.user.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification, start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365), iqa=iqa.user if iqa else None,
    )
    if assessor:
        enrolment.assessors.add(assessor.user)
    photo = store(source=io.BytesIO(demo_image("Till")), original_name="till.jpg", centre=centre, uploaded_by=learner.user)
    evidence = evidence_create(
        enrolment=enrolment, actor=learner.user,
        content=EvidenceContent(title="Call log", evidence_date=timezone.localdate(), method="work_product",
                                context="real_work", text="What I did.", files=[photo]),
    )
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        centre=centre, email=f"invitee-{centre.slug}@example.test", full_name="Invitee", token_hash=token_hash,
        invited_by=admin.user, expires_at=timezone.now() + timedelta(days=3), is_learner=True,
    )
    invitation.raw_token = token
    # Records need an assessor assigned to the enrolment (the other centre has none of its own).
    records_assessor = assessor or MembershipFactory(centre=centre, is_assessor=True)
    enrolment.assessors.add(records_assessor.user)
    records = make_records(enrolment, records_assessor.user)
    return {
        "observation": records["observation"],
        "questioning": records["questioning"],
        "discussion": records["discussion"],
        "witness_request": records["witness"],
        "witness_token": records["token"],
        "member": learner,
        "invitation": invitation,
        "spec_import": SpecImport.objects.create(uploaded_by=admin.user, centre=centre, filename="spec.txt", text="x", sha256="0"),
        "enrolment": enrolment,
        "evidence": evidence,
        "export": PortfolioExport.objects.create(centre=centre, enrolment=enrolment, requested_by=learner.user),
        "learner": record,
        "learner_import": LearnerImport.objects.create(
            centre=centre, uploaded_by=admin.user, filename="learners.csv", sha256="0", columns={}, rows=[]
        ),
        "prior": PriorAchievement.objects.create(
            enrolment=enrolment, unit=qualification.units.get(number="2"), route="rpl", reference="RPL record 7",
            recorded_by=admin.user,
        ),
        "upload": Upload.objects.create(
            centre=centre, user=learner.user, filename="a.pdf", length=10, expires_at=timezone.now() + timedelta(days=1)
        ),
        "file": photo,
        "notification": notify(recipients=[learner.user], centre=centre, subject="Hello", url="/")[0],
    }


@pytest.fixture
def world(db):
    """Two centres with a portfolio each; everyone but the outsider belongs to `home`."""
    qualification = make_qualification(number="600/0000/1")
    home, elsewhere = CentreFactory(name="Home Centre"), CentreFactory(name="Elsewhere")
    today = timezone.localdate()
    people = {
        "learner": MembershipFactory(centre=home, is_learner=True),
        "assessor": MembershipFactory(centre=home, is_assessor=True),
        "iqa": MembershipFactory(centre=home, is_iqa=True),
        "admin": MembershipFactory(centre=home, is_admin=True),
        "eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=today + timedelta(days=30)),
        "expired_eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=today - timedelta(days=1)),
        "admin_of_another_centre": MembershipFactory(centre=elsewhere, is_admin=True),
    }
    objects = {
        home: _centre_objects(home, qualification=qualification, learner=people["learner"], assessor=people["assessor"], iqa=people["iqa"], admin=people["admin"]),
        elsewhere: _centre_objects(
            elsewhere, qualification=qualification, learner=MembershipFactory(centre=elsewhere, is_learner=True), admin=people["admin_of_another_centre"]
        ),
    }
    return home, elsewhere, people, objects


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
        "portfolio": [objects["enrolment"].pk],
        "evidence_new": [objects["enrolment"].pk],
        "portfolio_export_request": [objects["enrolment"].pk],
        "evidence_detail": [objects["evidence"].pk],
        "evidence_edit": [objects["evidence"].pk],
        "evidence_submit": [objects["evidence"].pk],
        "evidence_withdraw": [objects["evidence"].pk],
        "portfolio_export": [objects["export"].pk],
        "portfolio_export_download": [objects["export"].pk],
        "learner_import_preview": [objects["learner_import"].pk],
        "learner_import_apply": [objects["learner_import"].pk],
        "learner_detail": [objects["learner"].pk],
        "learner_edit": [objects["learner"].pk],
        "learner_invite": [objects["learner"].pk],
        "enrolment_create": [objects["learner"].pk],
        "enrolment_edit": [objects["enrolment"].pk],
        "enrolment_plan": [objects["enrolment"].pk],
        "prior_achievement_add": [objects["enrolment"].pk],
        "prior_achievement_remove": [objects["enrolment"].pk, objects["prior"].pk],
        "upload_detail": [objects["upload"].pk],
        "file_download": [objects["file"].pk],
        "file_view": [objects["file"].pk],
        "file_thumbnail": [objects["file"].pk],
        "notification_open": [objects["notification"].pk],
        "records_enrolment": [objects["enrolment"].pk],
        "records_observation_new": [objects["enrolment"].pk],
        "records_questioning_new": [objects["enrolment"].pk],
        "records_discussion_new": [objects["enrolment"].pk],
        "records_witness_new": [objects["enrolment"].pk],
        "records_observation": [objects["observation"].pk],
        "records_observation_confirm": [objects["observation"].pk],
        "records_questioning": [objects["questioning"].pk],
        "records_discussion": [objects["discussion"].pk],
        "records_witness": [objects["witness_request"].pk],
        "records_witness_resend": [objects["witness_request"].pk],
        "records_witness_cancel": [objects["witness_request"].pk],
        "records_witness_respond": [objects["witness_token"]],
    }.get(name, [])
    return reverse(name, args=args)


def request(client, name: str, url: str):
    method = getattr(client, ACCESS[name][0])
    return method(url, **HEADERS.get(name, {}))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_url_answers_each_role_as_it_should(client, world, name, role):
    home, _, people, objects = world
    if role != "anonymous":
        client.force_login(people[role].user)
    response = request(client, name, url_for(name, objects[home]))
    assert response.status_code in ACCESS[name][1][role], (name, role, response.status_code)
    if role == "anonymous" and response.status_code == 302 and ACCESS[name][1] is not PUBLIC:
        assert response.url.startswith(reverse("account_login"))


SCOPED = sorted(
    name for name, (_, table) in ACCESS.items() if table["admin_of_another_centre"] == {404} and table["admin"] <= OK
)


@pytest.mark.parametrize("name", SCOPED)
def test_objects_of_another_centre_are_404_for_its_admins_peers(client, world, name):
    home, elsewhere, people, objects = world
    client.force_login(people["admin"].user)
    assert request(client, name, url_for(name, objects[elsewhere])).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "learner", "admin"])
@pytest.mark.parametrize("name", allauth_urls())
def test_account_pages_never_fail(client, world, name, role):
    _, _, people, _ = world
    if role != "anonymous":
        client.force_login(people[role].user)
    response = client.get(reverse(name))
    allowed = {200, 302, 405}
    if name.startswith("mfa_") and role != "anonymous":
        allowed.add(404)  # allauth: there is no authenticator of that kind to manage yet
    assert response.status_code in allowed, (name, role, response.status_code)


def test_the_django_admin_is_for_platform_staff_only(client, world):
    _, _, people, _ = world
    client.force_login(people["admin"].user)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response.url


@pytest.mark.parametrize(
    "model", ["audit/auditevent", "assessment/decision", "learners/enrolment", "qualifications/qualification", "records/observation"]
)
def test_platform_staff_read_but_never_change_records_in_the_django_admin(client, db, model):
    from apps.accounts.models import User

    client.force_login(User.objects.create_superuser(email="platform@example.test", password="x", full_name="Platform"))
    assert client.get(f"/django-admin/{model}/").status_code == 200
    assert client.get(f"/django-admin/{model}/add/").status_code == 403
