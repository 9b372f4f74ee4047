"""The one permission table: every URL × every HTTP method it serves × every kind of person.

Each answer is exact. A page is 200; an action that succeeds (or refuses with a message on the
page it returns to) redirects with 302, and only where a redirect is what that person should
get; a person outside the object's scope gets 404 (nothing tells them it exists); a person in
scope without the right gets 403; someone signed out is sent to sign in. A URL added without
an entry here fails `test_every_url_and_method_is_in_the_table`.

The people: the enrolment's learner; another learner of the centre; the learner's assessor, a
trainee assessor also assigned, and an assessor not assigned; the learner's IQA; the centre's
admin; an EQA and an EQA whose access has expired; a deactivated member (once the learner's
assessor); an admin and a learner of another centre; platform staff, who belong to no centre.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.permission_answers import IN_SCOPE, LOGIN, PEOPLE, answers, capability, scoped
from tests.worlds import build_world, extensions

READERS = {p: 200 for p in IN_SCOPE}
STAFF_READERS = {p: 200 for p in IN_SCOPE - {"learner"}}
ASSESSORS = ("assessor", "trainee")
CATALOGUE = capability("assessor", "trainee", "other_assessor", "iqa", "admin", "eqa", "other_centre_admin",
                       "platform_staff")
ADMINS = capability("admin", "other_centre_admin")
UPLOADERS = {"learner", "other_learner", "assessor", "trainee", "other_assessor", "admin", "other_centre_admin",
             "other_centre_learner"}
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}

# (url name, method) -> expected answer per person
TABLE: dict[tuple[str, str], dict[str, int | str]] = {
    ("home", "get"): answers(200, anonymous=200),
    ("invitation_accept", "get"): answers(200, anonymous=200),
    ("centre_switch", "post"): answers(302),
    ("centre_people", "get"): ADMINS,
    ("centre_invite", "get"): ADMINS,
    ("centre_invite", "post"): ADMINS,
    ("centre_member", "get"): scoped({"admin": 200}, in_scope=404),
    ("centre_member", "post"): scoped({"admin": 200}, in_scope=404),
    ("centre_member_set_active", "post"): scoped({"admin": 302}, in_scope=404),
    ("centre_invitation_revoke", "post"): scoped({"admin": 302}, in_scope=404),
    ("centre_settings", "get"): ADMINS,
    ("centre_settings", "post"): capability("admin", "other_centre_admin", ok=302),
    ("audit_events", "get"): ADMINS,
    ("audit_platform_events", "get"): capability("platform_staff"),
    ("catalogue", "get"): CATALOGUE,
    ("catalogue_search", "get"): CATALOGUE,
    ("glossary", "get"): answers(200, anonymous=200),  # the words of the specifications: nothing of a centre
    ("qualification_detail", "get"): CATALOGUE,
    ("unit_detail", "get"): CATALOGUE,
    ("catalogue_imports", "get"): capability("admin", "other_centre_admin", "platform_staff"),
    ("catalogue_imports", "post"): capability("admin", "other_centre_admin", "platform_staff"),
    ("catalogue_import", "get"): scoped({"admin": 200, "platform_staff": 200}, in_scope=404),
    ("catalogue_import_request", "post"): scoped({"admin": 302, "platform_staff": 403}, in_scope=404),
    ("catalogue_import_apply", "post"): scoped({"admin": 403, "platform_staff": 302}, in_scope=404),
    ("catalogue_import_discard", "post"): scoped({"admin": 302, "platform_staff": 302}, in_scope=404),
    ("learner_list", "get"): ADMINS,
    ("learner_create", "get"): ADMINS,
    ("learner_create", "post"): ADMINS,
    ("learner_import", "get"): ADMINS,
    ("learner_import", "post"): ADMINS,
    ("learner_import_preview", "get"): scoped({"admin": 200}, in_scope=404),
    ("learner_import_apply", "post"): scoped({"admin": 302}, in_scope=404),
    ("learner_detail", "get"): scoped({"admin": 200}, in_scope=404),
    ("learner_edit", "get"): scoped({"admin": 200}, in_scope=404),
    ("learner_edit", "post"): scoped({"admin": 200}, in_scope=404),
    ("learner_invite", "post"): scoped({"admin": 302}, in_scope=404),
    ("enrolment_create", "get"): scoped({"admin": 200}, in_scope=404),
    ("enrolment_create", "post"): scoped({"admin": 200}, in_scope=404),
    ("enrolment_edit", "get"): scoped({"admin": 200}),
    ("enrolment_edit", "post"): scoped({"admin": 200}),
    ("enrolment_plan", "get"): scoped(READERS),
    ("enrolment_plan", "post"): scoped({"learner": 302, "admin": 302}),
    ("prior_achievement_add", "post"): scoped({"admin": 200}),
    ("prior_achievement_remove", "post"): scoped({"admin": 302}),
    ("portfolio_home", "get"): answers(200, learner=302, other_learner=302, other_centre_learner=302),
    ("portfolio", "get"): scoped(READERS),
    ("evidence_new", "get"): scoped({"learner": 200}),
    ("evidence_new", "post"): scoped({"learner": 200}),
    ("evidence_detail", "get"): scoped(READERS),
    ("evidence_edit", "get"): scoped({"learner": 200}),
    ("evidence_edit", "post"): scoped({"learner": 200}),
    ("evidence_submit", "get"): scoped({"learner": 200}),
    ("evidence_submit", "post"): scoped({"learner": 200}),
    ("evidence_withdraw", "post"): scoped({"learner": 302}),
    ("portfolio_export_request", "post"): scoped({"learner": 302, "admin": 302}),
    # Exports are their requester's (and the admins'); not built yet, so nobody downloads it.
    ("portfolio_export", "get"): scoped({"learner": 200, "admin": 200}, in_scope=404),
    ("portfolio_export_download", "get"): scoped({}, in_scope=404),
    ("notifications", "get"): answers(200),
    ("notification_open", "post"): answers(404, learner=302),
    ("notifications_read_all", "post"): answers(302),
    ("caseload", "get"): capability("assessor", "trainee", "other_assessor"),
    # A tus client cannot follow a redirect to the sign-in page: signed out is a 403.
    ("upload_create", "post"): answers(403, anonymous=403, **{p: 201 for p in UPLOADERS}),
    ("upload_detail", "head"): answers(403, anonymous=403, **({p: 404 for p in UPLOADERS} | {"learner": 200})),
    ("upload_detail", "delete"): answers(403, anonymous=403, **({p: 404 for p in UPLOADERS} | {"learner": 204})),
    ("file_download", "get"): scoped(READERS),
    ("file_view", "get"): scoped(READERS),
    ("file_thumbnail", "get"): scoped(READERS),
    # Only the uploader removes a file, and only before it is in evidence (the world's file is: 409).
    ("file_discard", "post"): scoped({"learner": 409}),
    ("assessment_evidence", "get"): scoped(STAFF_READERS),
    # One unit's grid of that page, fetched when opened: read as the page is.
    ("assessment_evidence_unit", "get"): scoped(STAFF_READERS),
    ("assessment_evidence", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("assessment_decision_correct", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("assessment_coverage_withdraw", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("assessment_countersign", "get"): capability("assessor", "other_assessor"),
    ("assessment_countersign", "post"): capability("assessor", "other_assessor"),
    ("assessment_matrix", "get"): scoped(READERS),
    ("assessment_unit", "get"): scoped(READERS),
    ("assessment_unit_sign_off", "post"): scoped({"assessor": 200}),
    ("assessment_unit_acknowledge", "post"): scoped({"learner": 302}),
    ("assessment_unit_reopen", "post"): scoped({"assessor": 302, "admin": 302}),
    ("records_enrolment", "get"): scoped(STAFF_READERS),
    ("records_observation_new", "get"): scoped({p: 200 for p in ASSESSORS}),
    ("records_observation_new", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("records_questioning_new", "get"): scoped({p: 200 for p in ASSESSORS}),
    ("records_questioning_new", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("records_discussion_new", "get"): scoped({p: 200 for p in ASSESSORS}),
    ("records_discussion_new", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("records_witness_new", "get"): scoped({p: 200 for p in ASSESSORS}),
    ("records_witness_new", "post"): scoped({p: 200 for p in ASSESSORS}),
    ("records_observation", "get"): scoped(READERS),
    ("records_observation_confirm", "get"): scoped({"learner": 200}),
    ("records_observation_confirm", "post"): scoped({"learner": 200}),
    ("records_questioning", "get"): scoped(READERS),
    ("records_discussion", "get"): scoped(READERS),
    ("records_witness", "get"): scoped(READERS),
    ("records_witness_resend", "post"): scoped({p: 302 for p in ASSESSORS}),
    ("records_witness_cancel", "post"): scoped({p: 302 for p in ASSESSORS}),
    ("records_witness_respond", "get"): answers(200, anonymous=200),
    ("records_witness_respond", "post"): answers(200, anonymous=200),
    ("records_witness_thanks", "get"): answers(200, anonymous=200),
}
# Apps with many pages keep their rows beside their tests (see `extensions` in tests/worlds.py).
for extension in extensions():
    TABLE |= extension.ROWS

# /healthz answers whoever asks, 200 or 503 by what is up; never a sign-in page or a refusal.
UNCLASSIFIED_ON_PURPOSE = {"healthz"}
# allauth's own pages: public or for any signed-in person; none is centre-scoped.
ALLAUTH_PREFIX = "accounts/"
# Pages that need a secret from an email; they are exercised in test_accounts and test_centres.
NEEDS_EMAILED_KEY = {"account_confirm_email", "account_reset_password_from_key", "account_login_by_code"}


def walk(patterns=None, prefix: str = "") -> Iterator[tuple[str, str, object]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry.name, entry.callback


def app_urls() -> list[str]:
    return sorted({name for route, name, _ in walk() if not route.startswith(("django-admin/", ALLAUTH_PREFIX))})


def test_every_url_and_method_is_in_the_table():
    named = set(app_urls()) - UNCLASSIFIED_ON_PURPOSE
    assert named == {name for name, _ in TABLE}, "add each new URL to TABLE with who may use it, per method"


def test_every_entry_names_every_person():
    assert all(set(table) == set(PEOPLE) for table in TABLE.values())


# --- the world: two centres, built once for the module and rolled back after it --------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Everyone and everything, made once; each test runs inside it and is rolled back."""
    from django.conf import settings

    media = str(tmp_path_factory.mktemp("media"))
    default = settings.STORAGES["default"]
    storages = settings.STORAGES | {"default": default | {"OPTIONS": default.get("OPTIONS", {}) | {"location": media}}}
    with override_settings(STORAGES=storages), django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def url_for(name: str, o: dict) -> str:
    for extension in extensions():
        if (found := extension.args(name, o)) is not None:
            return reverse(name, args=found)
    e, evidence = o["enrolment"].pk, o["evidence"].pk
    args = {
        "qualification_detail": ["600-0000-1"],
        "unit_detail": ["600-0000-1", "1"],
        "catalogue_import": [o["spec_import"].pk],
        "catalogue_import_request": [o["spec_import"].pk],
        "catalogue_import_apply": [o["spec_import"].pk],
        "catalogue_import_discard": [o["spec_import"].pk],
        "centre_member": [o["member"].pk],
        "centre_member_set_active": [o["member"].pk],
        "centre_invitation_revoke": [o["invitation"].pk],
        "invitation_accept": [o["invitation_token"]],
        "portfolio": [e], "evidence_new": [e], "portfolio_export_request": [e],
        "evidence_detail": [evidence], "evidence_edit": [evidence], "evidence_submit": [evidence],
        "evidence_withdraw": [evidence],
        "portfolio_export": [o["export"].pk], "portfolio_export_download": [o["export"].pk],
        "learner_import_preview": [o["learner_import"].pk], "learner_import_apply": [o["learner_import"].pk],
        "learner_detail": [o["learner"].pk], "learner_edit": [o["learner"].pk], "learner_invite": [o["learner"].pk],
        "enrolment_create": [o["learner"].pk], "enrolment_edit": [e], "enrolment_plan": [e],
        "prior_achievement_add": [e], "prior_achievement_remove": [e, o["prior"].pk],
        "upload_detail": [o["upload"].pk],
        "file_download": [o["file"].pk], "file_view": [o["file"].pk], "file_thumbnail": [o["file"].pk],
        "file_discard": [o["file"].pk],
        "notification_open": [o["notification"].pk],
        "assessment_evidence": [evidence],
        "assessment_evidence_unit": [evidence, o["decision"].criterion.unit_id],
        "assessment_decision_correct": [evidence, o["decision"].pk],
        "assessment_coverage_withdraw": [evidence, o["coverage"].pk],
        "assessment_matrix": [e], "assessment_unit": [e, "1"], "assessment_unit_sign_off": [e, "1"],
        "assessment_unit_acknowledge": [e, "1"], "assessment_unit_reopen": [e, "1"],
        "records_enrolment": [e], "records_observation_new": [e], "records_questioning_new": [e],
        "records_discussion_new": [e], "records_witness_new": [e],
        "records_observation": [o["observation"].pk], "records_observation_confirm": [o["observation"].pk],
        "records_questioning": [o["questioning"].pk], "records_discussion": [o["discussion"].pk],
        "records_witness": [o["witness_request"].pk], "records_witness_resend": [o["witness_request"].pk],
        "records_witness_cancel": [o["witness_request"].pk], "records_witness_respond": [o["witness_token"]],
    }.get(name, [])
    return reverse(name, args=args)


HEADERS = {
    "upload_create": TUS | {"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "filename YS5wZGY="},
    "upload_detail": TUS,
}


def ask(client, name: str, method: str, url: str):
    return getattr(client, method)(url, **HEADERS.get(name, {}))


def answer_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith(reverse("account_login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda key: f"{key[1].upper()} {key[0]}")
def test_each_url_answers_each_person_as_the_table_says(client, db, world, key, person):
    users, objects = world
    name, method = key
    if person != "anonymous":
        client.force_login(users[person])
    assert answer_of(ask(client, name, method, url_for(name, objects["home"]))) == TABLE[key][person]


OTHER_CENTRES_OBJECTS = sorted(key for key, table in TABLE.items() if table["other_centre_admin"] == 404)


@pytest.mark.parametrize("key", OTHER_CENTRES_OBJECTS, ids=lambda key: f"{key[1].upper()} {key[0]}")
def test_an_admin_gets_404_for_the_same_things_of_another_centre(client, db, world, key):
    users, objects = world
    name, method = key
    client.force_login(users["admin"])
    assert ask(client, name, method, url_for(name, objects["elsewhere"])).status_code == 404


def test_health_answers_everyone_without_a_sign_in(client, db, world):
    users, _ = world
    for person in PEOPLE:
        client.logout()
        if person != "anonymous":
            client.force_login(users[person])
        assert client.get(reverse("healthz")).status_code in {200, 503}


@pytest.mark.parametrize("name", sorted({name for name, method in TABLE if method == "post"}
                                        - {name for name, method in TABLE if method != "post"}))
def test_actions_refuse_a_get(client, db, world, name):
    users, objects = world
    client.force_login(users["admin"])
    assert client.get(url_for(name, objects["home"])).status_code == 405


@pytest.mark.parametrize("person", ["anonymous", "learner", "admin"])
@pytest.mark.parametrize(
    "name",
    sorted({n for route, n, _ in walk() if route.startswith(ALLAUTH_PREFIX) and "<" not in route} - NEEDS_EMAILED_KEY),
)
def test_account_pages_never_fail(client, db, world, name, person):
    users, _ = world
    if person != "anonymous":
        client.force_login(users[person])
    response = client.get(reverse(name))
    allowed = {200, 302, 405}
    if name.startswith("mfa_") and person != "anonymous":
        allowed.add(404)  # allauth: there is no authenticator of that kind to manage yet
    assert response.status_code in allowed, (name, person, response.status_code)


def test_the_django_admin_is_for_platform_staff_only(client, db, world):
    users, _ = world
    client.force_login(users["admin"])
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response.url
