"""The centre's numbers with each awarding organisation, its qualification approvals with Direct
Claims Status, and a learner's registration facts: the services, their pages, the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.certification.models import AOCentreNumber, QualificationApproval
from apps.certification.settings import (
    ApprovalFacts,
    RegistrationFacts,
    ao_centre_number_set,
    approval_set,
    registration_set,
)
from apps.learners.models import Enrolment
from apps.learners.services import enrolment_update
from tests.certification.support_ready import claim_staff, ready_learner
from tests.factories import PASSWORD
from tests.iqa.support_samples import qualification

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def staff():
    return claim_staff()


@pytest.fixture
def enrolment(staff) -> Enrolment:
    return ready_learner(staff.centre, qualification=qualification(), units=(), admin=staff.admin,
                         assessor=staff.assessor, iqa=staff.iqa, registration=False, ao_number=False)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def refusal(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- centre numbers -------------------------------------------------------------------------------


def test_an_admin_sets_and_changes_the_centre_number_with_an_ao(staff):
    ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="NCFE", centre_number=" 4012 ")
    ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="NCFE", centre_number="4012")
    ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="NCFE", centre_number="4013")
    assert AOCentreNumber.objects.get(centre=staff.centre, awarding_organisation="NCFE").centre_number == "4013"
    assert [e.payload for e in events("certification.ao_number_set")] == [
        {"awarding_organisation": "NCFE", "centre_number": "4012", "before": ""},
        {"awarding_organisation": "NCFE", "centre_number": "4013", "before": "4012"},
    ]


def test_an_empty_centre_number_is_refused_and_changes_nothing(staff):
    ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="Pearson", centre_number="77")
    with pytest.raises(ValidationError) as exc:
        ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="Pearson",
                             centre_number="  ")
    assert refusal(exc) == {"centre_number": ["Type the Pearson centre number: it cannot be empty."]}
    with pytest.raises(ValidationError) as exc:
        ao_centre_number_set(actor=staff.admin, centre=staff.centre, awarding_organisation="Ofqual", centre_number="1")
    assert refusal(exc) == {"awarding_organisation": ["Choose an awarding organisation from the list."]}
    assert AOCentreNumber.objects.get(centre=staff.centre).centre_number == "77"
    assert len(events("certification.ao_number_set")) == 1


def test_only_admins_set_the_centre_s_numbers(staff):
    for user in (staff.lead, staff.eqa, staff.iqa, claim_staff().admin):
        with pytest.raises(PermissionDenied):
            ao_centre_number_set(actor=user, centre=staff.centre, awarding_organisation="NCFE", centre_number="1")
    assert not AOCentreNumber.objects.exists()


# --- approvals and DCS ----------------------------------------------------------------------------


def test_an_admin_records_the_course_code_and_dcs_of_a_qualification_taught(staff, enrolment):
    since = TODAY - timedelta(days=30)
    approval_set(actor=staff.admin, centre=staff.centre, qualification_number="600/0000/1",
                 facts=ApprovalFacts(ao_course_code="P-1257", has_dcs=True, dcs_since=since))
    approval = QualificationApproval.objects.get(centre=staff.centre)
    assert (approval.ao_course_code, approval.has_dcs, approval.dcs_since) == ("P-1257", True, since)
    approval_set(actor=staff.admin, centre=staff.centre, qualification_number="600/0000/1",
                 facts=ApprovalFacts(ao_course_code="P-1257"))
    approval.refresh_from_db()
    assert (approval.has_dcs, approval.dcs_since) == (False, None)
    assert [e.payload["changed"] for e in events("certification.approval_set")] == [
        ["ao_course_code", "has_dcs", "dcs_since"], ["has_dcs", "dcs_since"]]
    assert events("certification.approval_set")[0].payload["dcs_since"] == since.isoformat()


@pytest.mark.parametrize("facts, message", [
    (ApprovalFacts(has_dcs=True, dcs_since=TODAY + timedelta(days=1)),
     f"The Direct Claims Status date {(TODAY + timedelta(days=1)).day} "
     f"{TODAY + timedelta(days=1):%B %Y} is in the future: give the date it happened."),
    (ApprovalFacts(has_dcs=False, dcs_since=TODAY),
     "A date is given but Direct Claims Status is not ticked: tick it if the centre holds it, or clear the date."),
    (ApprovalFacts(has_dcs=True, dcs_since=None),
     "Say since when the centre holds Direct Claims Status for this qualification."),
])
def test_a_dcs_date_that_cannot_be_right_is_refused_and_changes_nothing(staff, enrolment, facts, message):
    with pytest.raises(ValidationError) as exc:
        approval_set(actor=staff.admin, centre=staff.centre, qualification_number="600/0000/1", facts=facts)
    assert refusal(exc) == {"dcs_since": [message]}
    assert not QualificationApproval.objects.exists() and not events("certification.approval_set")


def test_an_approval_for_a_qualification_the_centre_does_not_teach_is_refused(staff, enrolment):
    with pytest.raises(ValidationError) as exc:
        approval_set(actor=staff.admin, centre=staff.centre, qualification_number="600/9999/9", facts=ApprovalFacts())
    assert exc.value.messages == ["The centre has no learners on 600/9999/9: its approval is set once learners are "
                                  "enrolled on it."]


# --- registration facts ---------------------------------------------------------------------------


def facts(enrolment: Enrolment, **changes) -> RegistrationFacts:
    values = dict(registration_number="N0042", registered_on=TODAY - timedelta(days=10),
                  start_date=enrolment.start_date, funding_status="funded", registered_name="Lena  Mary Learner",
                  registered_date_of_birth=date(1990, 5, 17))
    return RegistrationFacts(**(values | changes))


def test_an_admin_records_the_registration_facts_and_the_trail_names_the_fields_not_the_birth_date(staff, enrolment):
    registration_set(actor=staff.admin, enrolment=enrolment, facts=facts(enrolment))
    enrolment.refresh_from_db()
    assert (enrolment.registration_number, enrolment.registered_name, enrolment.funding_status) == (
        "N0042", "Lena Mary Learner", "funded")
    [event] = events("certification.registration_updated")
    assert event.payload["changed"] == ["registration_number", "registered_on", "funding_status", "registered_name",
                                        "registered_date_of_birth"]
    assert "1990" not in str(event.payload)
    registration_set(actor=staff.admin, enrolment=enrolment, facts=facts(enrolment))
    assert len(events("certification.registration_updated")) == 1  # nothing changed, nothing recorded


def test_the_start_date_is_locked_once_sent_but_the_other_facts_still_change(staff, enrolment):
    sent = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(start_date_sent_at=sent)
    enrolment.refresh_from_db()
    before = enrolment.start_date
    with pytest.raises(ValidationError) as exc:
        registration_set(actor=staff.admin, enrolment=enrolment,
                         facts=facts(enrolment, start_date=before - timedelta(days=3)))
    on = timezone.localtime(sent).date()
    assert refusal(exc) == {"start_date": [
        f"The learner start date was sent to NCFE with a claim on {on.day} {on:%B %Y}, so it is locked. NCFE changes "
        "it only on request, with evidence: ask their customer support."]}
    enrolment.refresh_from_db()
    assert enrolment.start_date == before and enrolment.registration_number == ""
    registration_set(actor=staff.admin, enrolment=enrolment, facts=facts(enrolment))
    enrolment.refresh_from_db()
    assert enrolment.registration_number == "N0042" and enrolment.start_date == before


def test_the_enrolment_edit_refuses_a_locked_start_date_too(staff, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(start_date_sent_at=timezone.now())
    enrolment.refresh_from_db()
    common = dict(enrolment=enrolment, actor=staff.admin, registration_number="", assessors=[staff.assessor], iqa=None,
                  planned_end_date=enrolment.planned_end_date)
    with pytest.raises(ValidationError) as exc:
        enrolment_update(start_date=enrolment.start_date - timedelta(days=1), **common)
    assert refusal(exc)["start_date"][0].startswith("The learner start date was sent to NCFE with a claim on")
    enrolment_update(start_date=enrolment.start_date, **(common | {"planned_end_date": enrolment.planned_end_date
                                                                  + timedelta(days=30)}))
    enrolment.refresh_from_db()
    assert enrolment.planned_end_date == TODAY + timedelta(days=230)


def test_dates_that_cannot_be_right_are_refused_together_and_change_nothing(staff, enrolment):
    with pytest.raises(ValidationError) as exc:
        registration_set(actor=staff.admin, enrolment=enrolment, facts=facts(
            enrolment, registered_on=TODAY + timedelta(days=2), registered_date_of_birth=TODAY + timedelta(days=2),
            funding_status="paid"))
    later = TODAY + timedelta(days=2)
    assert refusal(exc) == {
        "funding_status": ["Choose funded or not funded."],
        "registered_on": [f"The date of registration {later.day} {later:%B %Y} is in the future: give the date it "
                          "happened."],
        "registered_date_of_birth": [f"The date of birth {later:%d/%m/%Y} is in the future."],
    }
    enrolment.refresh_from_db()
    assert enrolment.registered_on is None and not events("certification.registration_updated")


def test_only_admins_record_registration_facts(staff, enrolment):
    for user in (staff.lead, staff.eqa, staff.assessor):
        with pytest.raises(PermissionDenied):
            registration_set(actor=user, enrolment=enrolment, facts=facts(enrolment))


# --- the pages ------------------------------------------------------------------------------------


def signed_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_the_settings_page_sets_a_number_and_an_approval(client, staff, enrolment):
    client = signed_in(client, staff.admin)
    page = client.get(reverse("claims_settings"))
    assert page.status_code == 200 and "600/0000/1" in page.content.decode()
    response = client.post(reverse("claims_settings"), {"form": "number", "awarding_organisation": "NCFE",
                                                        "centre_number": "4012"})
    assert response.status_code == 302
    response = client.post(reverse("claims_settings"), {
        "form": "approval", "qualification": "600/0000/1", "q600-0000-1-ao_course_code": "P-9",
        "q600-0000-1-has_dcs": "on", "q600-0000-1-dcs_since": (TODAY - timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    html = client.get(reverse("claims_settings")).content.decode()
    assert "4012" in html and "P-9" in html and "Yes, since" in html


def test_bad_settings_get_a_message_and_change_nothing(client, staff, enrolment):
    client = signed_in(client, staff.admin)
    page = client.post(reverse("claims_settings"), {"form": "number", "awarding_organisation": "NCFE",
                                                    "centre_number": ""})
    assert page.status_code == 200
    assert "Type the centre&#x27;s number with the awarding organisation: it cannot be empty." in page.content.decode()
    later = TODAY + timedelta(days=5)
    page = client.post(reverse("claims_settings"), {
        "form": "approval", "qualification": "600/0000/1", "q600-0000-1-has_dcs": "on",
        "q600-0000-1-dcs_since": later.isoformat()})
    assert page.status_code == 200 and "is in the future" in page.content.decode()
    page = client.post(reverse("claims_settings"), {"form": "approval", "qualification": "600/9/9"}, follow=True)
    assert "Choose a qualification from the list" in page.content.decode()
    assert not AOCentreNumber.objects.exists() and not QualificationApproval.objects.exists()


def test_readers_see_the_settings_without_forms_and_may_not_post(client, staff, enrolment):
    client = signed_in(client, staff.eqa)
    html = client.get(reverse("claims_settings")).content.decode()
    assert "Direct Claims Status" in html and "Save the number" not in html
    assert client.post(reverse("claims_settings"), {"form": "number", "awarding_organisation": "NCFE",
                                                    "centre_number": "1"}).status_code == 403
    assert not AOCentreNumber.objects.exists()


def test_the_registration_page_shows_the_learner_record_beside_and_saves(client, staff, enrolment):
    client = signed_in(client, staff.admin)
    url = reverse("claims_registration", args=[enrolment.pk])
    html = client.get(url).content.decode()
    assert "On the learner record: Lena Learner." in html and "On the learner record: 17/05/1990." in html
    assert "NCFE learner number" in html
    form = {"registration_number": "N77", "registered_on": (TODAY - timedelta(days=3)).isoformat(),
            "start_date": enrolment.start_date.isoformat(), "funding_status": "non_funded",
            "registered_name": "Lena Learner", "registered_date_of_birth": "1990-05-17"}
    assert client.post(url, form).status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.registration_number, enrolment.funding_status) == ("N77", "non_funded")


def test_the_registration_page_explains_a_locked_start_date_and_keeps_it(client, staff, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(start_date_sent_at=timezone.now())
    client = signed_in(client, staff.admin)
    url = reverse("claims_registration", args=[enrolment.pk])
    html = client.get(url).content.decode()
    assert "so it is locked" in html and "disabled" in html
    form = {"registration_number": "N77", "start_date": "2001-01-01", "registered_name": "", "funding_status": ""}
    assert client.post(url, form).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.start_date != date(2001, 1, 1) and enrolment.registration_number == "N77"


def test_the_registration_page_refuses_bad_dates_in_words(client, staff, enrolment):
    client = signed_in(client, staff.admin)
    url = reverse("claims_registration", args=[enrolment.pk])
    page = client.post(url, {"start_date": enrolment.start_date.isoformat(), "registered_on": "0224-01-01"})
    assert page.status_code == 200 and "is before 1900: check the year" in page.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.registered_on is None
