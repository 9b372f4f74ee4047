"""Each learners URL answers each role as it should: another centre's object is a 404,
a missing capability a 403, and an enrolment one may not see a 404.

(The lead adds these URLs to tests/test_permissions.py's ACCESS as well.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.learners import services
from apps.learners.models import Learner
from apps.qualifications.models import Unit
from tests.factories import MembershipFactory

from .conftest import END, START

ROLES = ["anonymous", "learner", "other_learner", "assessor", "other_assessor", "iqa", "admin", "eqa",
         "expired_eqa", "admin_of_another_centre"]
ADMIN_ONLY = {"admin": 200, "admin_of_another_centre": 404}
# url name -> (method, {role: status}); roles not listed get 403 (anonymous: 302 to sign in).
EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "learner_list": ("get", {"admin": 200, "admin_of_another_centre": 200}),
    "learner_create": ("get", {"admin": 200, "admin_of_another_centre": 200}),
    "learner_import": ("get", {"admin": 200, "admin_of_another_centre": 200}),
    "learner_import_preview": ("get", ADMIN_ONLY),
    "learner_import_apply": ("post", {"admin": 302, "admin_of_another_centre": 404}),
    "learner_detail": ("get", ADMIN_ONLY),
    "learner_edit": ("get", ADMIN_ONLY),
    "learner_invite": ("post", {"admin": 302, "admin_of_another_centre": 404}),
    "enrolment_create": ("get", ADMIN_ONLY),
    "enrolment_edit": ("get", ADMIN_ONLY),
    "enrolment_plan": ("get", {"admin": 200, "learner": 200, "assessor": 200, "iqa": 200, "eqa": 200,
                               "other_learner": 404, "other_assessor": 404, "admin_of_another_centre": 404}),
    "enrolment_plan#post": ("post", {"admin": 302, "learner": 302, "other_learner": 404, "other_assessor": 404,
                                     "admin_of_another_centre": 404}),
    "prior_achievement_add": ("post", ADMIN_ONLY),
    "prior_achievement_remove": ("post", {"admin": 302, "admin_of_another_centre": 404}),
}


@pytest.fixture
def world(db, qualification):
    home_admin = MembershipFactory(is_admin=True)
    home = home_admin.centre
    people = {
        "learner": MembershipFactory(centre=home, is_learner=True),
        "other_learner": MembershipFactory(centre=home, is_learner=True),
        "assessor": MembershipFactory(centre=home, is_assessor=True),
        "other_assessor": MembershipFactory(centre=home, is_assessor=True),
        "iqa": MembershipFactory(centre=home, is_iqa=True),
        "admin": home_admin,
        "eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=timezone.localdate() + timedelta(days=30)),
        "expired_eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=timezone.localdate() - timedelta(days=1)),
        "admin_of_another_centre": MembershipFactory(is_admin=True),
    }
    own = people["learner"].user
    learner = Learner.objects.create(centre=home, full_name="Own Learner", email=own.email, user=own)
    enrolment = services.enrolment_create(
        learner=learner, actor=home_admin.user, qualification=qualification, start_date=START, planned_end_date=END,
        assessors=[people["assessor"].user], iqa=people["iqa"].user,
    )
    prior = services.prior_achievement_record(
        enrolment=enrolment, actor=home_admin.user, unit=Unit.objects.get(qualification=qualification, number="4"),
        route="rpl", reference="RPL 1",
    )
    learner_import = services.learner_import_create(
        centre=home, actor=home_admin.user, filename="x.csv", data=b"Name,Email\nZed,zed@example.test\n"
    )
    args = {
        "learner_import_preview": [learner_import.pk],
        "learner_import_apply": [learner_import.pk],
        "learner_detail": [learner.pk],
        "learner_edit": [learner.pk],
        "learner_invite": [learner.pk],
        "enrolment_create": [learner.pk],
        "enrolment_edit": [enrolment.pk],
        "enrolment_plan": [enrolment.pk],
        "prior_achievement_add": [enrolment.pk],
        "prior_achievement_remove": [enrolment.pk, prior.pk],
    }
    return people, args


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_url_answers_each_role(client, world, key, role):
    people, args = world
    name = key.split("#")[0]
    method, statuses = EXPECTED[key]
    if role != "anonymous":
        client.force_login(people[role].user)
    url = reverse(name, args=args.get(name, []))
    response = client.post(url) if method == "post" else client.get(url)
    want = 302 if role == "anonymous" else statuses.get(role, 403)
    assert response.status_code == want, (key, role, response.status_code)
    if role == "anonymous":
        assert response.url.startswith(reverse("account_login"))
