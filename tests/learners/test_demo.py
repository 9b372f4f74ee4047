"""The demo learners and enrolments: a newcomer sees plans that achieve their qualifications."""

from __future__ import annotations

import pytest
from django.conf import settings

from apps.centres.models import Invitation, Membership
from apps.demo.seed import seed_demo
from apps.learners.demo import seed_learners
from apps.learners.models import Enrolment, Learner, PlannedUnit
from apps.learners.services import enrolment_plan_verdict
from apps.learners.uln import uln_problem

from .conftest import load_fixture


@pytest.fixture
def demo(db):
    for name in ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml"):
        load_fixture(name)
    seed_demo(password=settings.DEMO_PASSWORD)


def test_each_demo_learner_is_enrolled_with_a_plan_that_achieves_the_qualification(demo, client):
    assert seed_learners(password=settings.DEMO_PASSWORD) == ["learner2@demo.test"]
    enrolments = {e.learner.email: e for e in Enrolment.objects.select_related("learner", "qualification", "iqa", "centre")}
    assert {email: e.qualification.number for email, e in enrolments.items()} == {
        "learner@demo.test": "600/1257/2",
        "learner2@demo.test": "600/1137/3",
        "learner@other.test": "600/9662/7",
    }
    liam = enrolments["learner2@demo.test"]
    assert sorted(u.email for u in liam.assessors.all()) == ["assessor@demo.test", "trainee@demo.test"] and liam.iqa.email == "iqa@demo.test"
    assert enrolments["learner@other.test"].centre.slug == "northgate"
    for enrolment in enrolments.values():
        assert enrolment_plan_verdict(enrolment).achieved is True, enrolment
        assert enrolment.learner.user is not None and uln_problem(enrolment.learner.uln) is None
    assert not Invitation.objects.exists()  # everyone already had an account

    assert client.login(email="learner2@demo.test", password=settings.DEMO_PASSWORD)
    page = client.get(f"/learners/enrolments/{liam.pk}/plan/").content.decode()
    assert "Your unit plan" in page and "This plan can achieve the qualification" in page


def test_seeding_again_changes_nothing(demo):
    seed_learners(password=settings.DEMO_PASSWORD)
    counts = (Learner.objects.count(), Enrolment.objects.count(), PlannedUnit.objects.count(), Membership.objects.count())
    seed_learners(password=settings.DEMO_PASSWORD)
    assert counts == (
        Learner.objects.count(), Enrolment.objects.count(), PlannedUnit.objects.count(), Membership.objects.count()
    )
    assert Membership.objects.get(user__email="learner2@demo.test").is_learner


def test_without_the_catalogue_the_learners_are_recorded_and_enrolments_wait(db):
    seed_demo(password=settings.DEMO_PASSWORD)
    seed_learners(password=settings.DEMO_PASSWORD)
    assert Learner.objects.count() == 3 and not Enrolment.objects.exists()
