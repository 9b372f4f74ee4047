"""Admins enrol learners on current qualifications, with assessors and an IQA from the centre."""

from __future__ import annotations

from datetime import date

import pytest

from apps.audit.models import AuditEvent
from apps.learners.models import Enrolment, PlannedUnit
from tests.factories import MembershipFactory, make_qualification

from .conftest import load_fixture


@pytest.fixture
def form(qualification, assessor, iqa):
    return {
        "qualification": qualification.pk,
        "registration_number": "NCFE-123",
        "start_date": "2025-09-01",
        "planned_end_date": "2026-07-31",
        "assessors": [assessor.user.pk],
        "iqa": iqa.user.pk,
    }


def test_an_admin_enrols_a_learner_and_the_mandatory_units_are_planned(admin_client, make_learner, form, assessor, iqa):
    learner = make_learner(full_name="Ann Able")
    response = admin_client.post(f"/learners/{learner.pk}/enrol/", form, follow=True)
    page = response.content.decode()
    assert "Ann Able is enrolled on 600/0000/1 Certificate in Testing" in page
    assert "Your unit plan" not in page and "Unit plan of Ann Able" in page
    enrolment = Enrolment.objects.get()
    assert (enrolment.registration_number, enrolment.start_date, enrolment.planned_end_date) == (
        "NCFE-123", date(2025, 9, 1), date(2026, 7, 31)
    )
    assert list(enrolment.assessors.all()) == [assessor.user] and enrolment.iqa == iqa.user
    planned = PlannedUnit.objects.get(enrolment=enrolment)
    assert (planned.unit.number, planned.source) == ("1", PlannedUnit.Source.MANDATORY)
    event = AuditEvent.objects.get(action="enrolment.created")
    assert event.payload["mandatory_units"] == ["1"] and event.payload["qualification"] == "600/0000/1"


def test_a_withdrawn_qualification_takes_no_new_enrolments(admin_client, make_learner, form):
    sfj = load_fixture("601-5051-8.yaml")
    learner = make_learner()
    page = admin_client.post(f"/learners/{learner.pk}/enrol/", form | {"qualification": sfj.pk}).content.decode()
    assert (
        "601/5051/8 SFJ Awards Level 3 Diploma in Customer Service no longer takes new enrolments: "
        "its last date for registrations was 30 September 2022."
    ) in page
    assert "(no new enrolments)" in page  # the choice says so before anyone picks it
    assert not Enrolment.objects.exists() and not PlannedUnit.objects.exists()
    assert not AuditEvent.objects.filter(action="enrolment.created").exists()


def test_a_qualification_not_yet_open_takes_no_enrolments(admin_client, make_learner, form):
    future = make_qualification(
        number="600/0000/2",
        dates={"operational_start": "2099-01-01", "operational_end": None, "registration_end": None, "certification_end": None},
    )
    page = admin_client.post(f"/learners/{make_learner().pk}/enrol/", form | {"qualification": future.pk}).content.decode()
    assert "opens for registrations on 1 January 2099" in page
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"planned_end_date": "2025-08-31"}, "The planned end date must be on or after the start date."),
        ({"start_date": ""}, "This field is required."),
        ({"start_date": "2025-02-30"}, "Enter a valid date."),
        ({"qualification": ""}, "This field is required."),
        ({"qualification": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_enrolment_details_are_refused_and_nothing_is_stored(admin_client, make_learner, form, change, message):
    learner = make_learner()
    events = AuditEvent.objects.count()
    page = admin_client.post(f"/learners/{learner.pk}/enrol/", form | change).content.decode()
    assert message in page
    assert not Enrolment.objects.exists() and AuditEvent.objects.count() == events


def test_only_the_centres_assessors_and_iqas_can_be_chosen(admin_client, make_learner, form, member, iqa):
    learner_only = member(is_learner=True)
    stranger = MembershipFactory(is_assessor=True, is_iqa=True)  # another centre
    learner = make_learner()
    for change in ({"assessors": [learner_only.user.pk]}, {"assessors": [stranger.user.pk]}, {"iqa": stranger.user.pk}):
        page = admin_client.post(f"/learners/{learner.pk}/enrol/", form | change).content.decode()
        assert "Select a valid choice" in page, change
    page = admin_client.post(f"/learners/{learner.pk}/enrol/", form | {"assessors": [iqa.user.pk]}).content.decode()
    assert "Select a valid choice" in page  # an IQA who is not an assessor
    assert not Enrolment.objects.exists()


def test_the_iqa_cannot_also_assess_the_same_enrolment(admin_client, make_learner, form, member):
    both = member(is_assessor=True, is_iqa=True)
    page = admin_client.post(
        f"/learners/{make_learner().pk}/enrol/", form | {"assessors": [both.user.pk], "iqa": both.user.pk}
    ).content.decode()
    assert "cannot be both an assessor and the IQA of this enrolment" in page
    assert not Enrolment.objects.exists()


def test_a_learner_cannot_be_their_own_assessor(admin_client, make_learner, form, member):
    trainee = member(is_assessor=True, is_learner=True)
    learner = make_learner(email=trainee.user.email, user=trainee.user, full_name="Tia Trainee")
    page = admin_client.post(f"/learners/{learner.pk}/enrol/", form | {"assessors": [trainee.user.pk]}).content.decode()
    assert "Tia Trainee cannot assess or quality-assure their own enrolment." in page
    assert not Enrolment.objects.exists()


def test_a_learner_is_not_enrolled_twice_on_the_same_qualification(admin_client, make_learner, form, enrol):
    learner = make_learner(full_name="Dee Double")
    enrol(learner)
    page = admin_client.post(f"/learners/{learner.pk}/enrol/", form).content.decode()
    assert "Dee Double is already enrolled on 600/0000/1 (since 01/09/2025)." in page
    assert Enrolment.objects.count() == 1


def test_reassigning_assessors_and_iqa_is_audited(admin_client, make_learner, enrol, assessor, iqa, member):
    enrolment = enrol(make_learner(), assessors=[assessor.user], iqa=iqa.user)
    second = member(is_assessor=True)
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/edit/",
        {"registration_number": "NEW-1", "start_date": "2025-09-01", "planned_end_date": "2026-08-31",
         "assessors": [assessor.user.pk, second.user.pk], "iqa": ""},
        follow=True,
    )
    assert "Enrolment saved." in response.content.decode()
    enrolment.refresh_from_db()
    assert set(enrolment.assessors.all()) == {assessor.user, second.user} and enrolment.iqa is None
    assert enrolment.registration_number == "NEW-1" and enrolment.planned_end_date == date(2026, 8, 31)
    moved = AuditEvent.objects.get(action="enrolment.staff_reassigned")
    assert len(moved.payload["assessors"]["after"]) == 2 and moved.payload["iqa"]["after"] == []
    assert AuditEvent.objects.get(action="enrolment.updated").payload["changes"]["registration_number"] == ["", "NEW-1"]


def test_a_bad_edit_changes_nothing(admin_client, make_learner, enrol, assessor):
    enrolment = enrol(make_learner(), assessors=[assessor.user])
    before = AuditEvent.objects.count()
    page = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/edit/",
        {"start_date": "2025-09-01", "planned_end_date": "2024-01-01", "assessors": []},
    ).content.decode()
    assert "The planned end date must be on or after the start date." in page
    enrolment.refresh_from_db()
    assert list(enrolment.assessors.all()) == [assessor.user] and AuditEvent.objects.count() == before


def test_the_service_refuses_an_end_before_the_start_with_the_dates(admin_membership, make_learner, qualification):
    from django.core.exceptions import ValidationError

    from apps.learners.services import enrolment_create

    with pytest.raises(ValidationError) as caught:
        enrolment_create(learner=make_learner(), actor=admin_membership.user, qualification=qualification,
                         start_date=date(2025, 9, 1), planned_end_date=date(2025, 8, 1))
    assert "The planned end date 01/08/2025 is before the start date 01/09/2025" in str(caught.value)
    assert not Enrolment.objects.exists()
