"""A learner builds a portfolio: drafts, files, suggested criteria, submission, withdrawal, versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.evidence.models import Evidence, EvidenceVersion
from apps.evidence.services import evidence_create, evidence_submit
from apps.qualifications.models import AssessmentCriterion
from tests.evidence.portfolio_helpers import content, enrolment_with_people, stored_file
from tests.factories import CentreFactory, MembershipFactory


@pytest.fixture
def setup(centre):
    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    return enrolment, learner, assessor, iqa


def form(**overrides):
    data = {
        "title": "Handling a complaint call", "evidence_date": timezone.localdate().isoformat(),
        "method": "work_product", "context": "real_work", "description": "", "text": "I logged the complaint.",
    }
    data.update(overrides)
    return data


def criteria(enrolment, unit_number: str) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification, unit__number=unit_number))


def test_a_learner_adds_evidence_with_files_and_criteria_in_two_units(client, setup):
    enrolment, learner, _, _ = setup
    client.force_login(learner.user)
    photo = stored_file(enrolment.centre, learner.user, b"\xff\xd8\xff photo", "till.jpg", "image/jpeg", "image")
    suggested = [criteria(enrolment, "1")[0].pk, criteria(enrolment, "2")[1].pk]
    response = client.post(
        f"/portfolio/enrolments/{enrolment.pk}/evidence/new/",
        form(files=[photo.pk], criteria=suggested),
        follow=True,
    )
    page = response.content.decode()
    assert "Evidence saved as a draft" in page and "till.jpg" in page
    evidence = Evidence.objects.get()
    assert evidence.status == "draft"
    assert list(evidence.current.files.all()) == [photo]
    assert sorted(evidence.current.suggested_criteria.values_list("pk", flat=True)) == sorted(suggested)
    assert AuditEvent.objects.filter(action="evidence.created", object_id=str(evidence.pk)).exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "This field is required."),
        ({"evidence_date": (timezone.localdate() + timedelta(days=3)).isoformat()}, "The evidence date is in the future."),
        ({"method": "telepathy"}, "Select a valid choice."),
        ({"criteria": ["999999"]}, "Select a valid choice."),
    ],
)
def test_bad_evidence_gets_a_clear_message_and_stores_nothing(client, setup, overrides, message):
    enrolment, learner, _, _ = setup
    client.force_login(learner.user)
    page = client.post(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/", form(**overrides)).content.decode()
    assert message in page
    assert not Evidence.objects.exists() and not EvidenceVersion.objects.exists()


def test_someone_elses_file_cannot_be_attached(client, setup):
    enrolment, learner, assessor, _ = setup
    theirs = stored_file(enrolment.centre, assessor.user)
    client.force_login(learner.user)
    page = client.post(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/", form(files=[theirs.pk])).content.decode()
    assert "could not be found among your uploads" in page
    assert not Evidence.objects.exists()


def test_the_same_file_twice_in_one_portfolio_is_noticed_and_needs_a_yes(client, setup):
    enrolment, learner, _, _ = setup
    client.force_login(learner.user)
    first = stored_file(enrolment.centre, learner.user, b"same bytes", "report.pdf")
    client.post(f"/portfolio/enrolments/{enrolment.pk}/evidence/new/", form(title="First", files=[first.pk]))
    again = stored_file(enrolment.centre, learner.user, b"same bytes", "report-copy.pdf")
    page = client.post(
        f"/portfolio/enrolments/{enrolment.pk}/evidence/new/", form(title="Second", files=[again.pk])
    ).content.decode()
    assert "report-copy.pdf is already in your portfolio, in “First”." in page
    assert "Yes, add these files again" in page
    assert Evidence.objects.count() == 1
    client.post(
        f"/portfolio/enrolments/{enrolment.pk}/evidence/new/",
        form(title="Second", files=[again.pk], confirm_duplicates="on"),
    )
    assert Evidence.objects.count() == 2


def test_submitting_needs_the_learners_own_name_and_locks_the_version(client, setup):
    enrolment, learner, _, _ = setup
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content())
    client.force_login(learner.user)
    page = client.post(
        f"/portfolio/evidence/{evidence.pk}/submit/", {"agree": "on", "declared_name": "Somebody Else"}
    ).content.decode()
    assert f"Type your full name exactly as the centre has it: {enrolment.learner.full_name}." in page
    evidence.refresh_from_db()
    assert evidence.status == "draft"

    response = client.post(
        f"/portfolio/evidence/{evidence.pk}/submit/",
        {"agree": "on", "declared_name": f"  {enrolment.learner.full_name.upper()} "},
        REMOTE_ADDR="198.51.100.20",
        follow=True,
    )
    assert "Submitted." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == "submitted" and evidence.current.is_locked
    assert str(evidence.current.declared_ip) == "198.51.100.20"
    event = AuditEvent.objects.get(action="evidence.submitted")
    assert event.ip_address == "198.51.100.20"


def test_an_empty_draft_cannot_be_submitted(client, setup):
    enrolment, learner, _, _ = setup
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content(text=""))
    client.force_login(learner.user)
    page = client.post(
        f"/portfolio/evidence/{evidence.pk}/submit/", {"agree": "on", "declared_name": enrolment.learner.full_name}
    ).content.decode()
    assert "Add at least one file or write your account before submitting." in page
    evidence.refresh_from_db()
    assert evidence.status == "draft"


def test_withdrawing_then_changing_makes_a_new_version_and_keeps_the_old(client, setup):
    enrolment, learner, _, _ = setup
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Version one"))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    client.force_login(learner.user)
    assert "Withdraw it first" in client.get(f"/portfolio/evidence/{evidence.pk}/edit/", follow=True).content.decode()
    client.post(f"/portfolio/evidence/{evidence.pk}/withdraw/")
    evidence.refresh_from_db()
    assert evidence.status == "withdrawn"
    response = client.post(f"/portfolio/evidence/{evidence.pk}/edit/", form(title="Version two"), follow=True)
    page = response.content.decode()
    assert "Saved as version 2" in page and "Earlier versions" in page and "Version 1: Version one" in page
    first = EvidenceVersion.objects.get(evidence=evidence, number=1)
    assert first.title == "Version one" and first.is_locked and first.withdrawn_at is not None
    evidence.refresh_from_db()
    assert evidence.status == "draft" and evidence.current.number == 2


def test_the_assigned_assessor_sees_submitted_evidence_waiting_and_cannot_change_it(client, setup):
    enrolment, learner, assessor, _ = setup
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Till reconciliation"))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    client.force_login(assessor.user)
    home = client.get("/").content.decode()
    assert "1 piece of evidence waiting for your judgement" in home and "Till reconciliation" in home
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 200
    assert client.get(f"/portfolio/evidence/{evidence.pk}/edit/").status_code == 403
    other_assessor = MembershipFactory(centre=enrolment.centre, is_assessor=True)
    client.force_login(other_assessor.user)
    assert "Till reconciliation" not in client.get("/").content.decode()
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 404


def test_another_learner_or_centre_never_sees_the_portfolio(client, setup):
    enrolment, learner, _, _ = setup
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content())
    classmate = MembershipFactory(centre=enrolment.centre, is_learner=True)
    client.force_login(classmate.user)
    assert client.get(f"/portfolio/enrolments/{enrolment.pk}/").status_code == 404
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 404
    outsider = MembershipFactory(centre=CentreFactory(), is_admin=True)
    client.force_login(outsider.user)
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 404


def test_the_portfolio_filters_by_method_status_unit_and_words(client, setup):
    enrolment, learner, _, _ = setup
    unit_two = criteria(enrolment, "2")
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Observation of a call", method="observation"))
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Complaint log", criteria=unit_two[:1]))
    client.force_login(learner.user)
    url = f"/portfolio/enrolments/{enrolment.pk}/"
    assert "Complaint log" not in client.get(url, {"method": "observation"}).content.decode()
    by_unit = client.get(url, {"unit": unit_two[0].unit_id}).content.decode()
    assert "Complaint log" in by_unit and "Observation of a call" not in by_unit
    assert "Observation of a call" not in client.get(url, {"q": "complaint"}).content.decode()
    assert "No evidence matches these filters." in client.get(url, {"status": "submitted"}).content.decode()


def test_the_learner_filters_what_they_are_working_on_and_staff_what_was_submitted(client, setup):
    from apps.evidence.services import evidence_update, evidence_withdraw

    enrolment, learner, assessor, _ = setup
    submitted = content(title="Till reconciliation", method="observation", criteria=criteria(enrolment, "1")[:1])
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=submitted)
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    evidence_withdraw(evidence=evidence, actor=learner.user)
    evidence_update(evidence=evidence, actor=learner.user,
                    content=content(title="Stock count", method="work_product", criteria=criteria(enrolment, "2")[:1]))
    url = f"/portfolio/enrolments/{enrolment.pk}/"
    unit_one, unit_two = criteria(enrolment, "1")[0].unit_id, criteria(enrolment, "2")[0].unit_id
    working_on = ({"q": "stock"}, {"method": "work_product"}, {"unit": unit_two})
    submitted = ({"q": "till"}, {"method": "observation"}, {"unit": unit_one})
    for person, title, finding, not_finding in (
        (learner, "Stock count", working_on, submitted),
        (assessor, "Till reconciliation", submitted, working_on),
    ):
        client.force_login(person.user)
        for query in finding:
            assert title in client.get(url, query).content.decode(), (person, query)
        for query in not_finding:
            assert "No evidence matches these filters." in client.get(url, query).content.decode(), (person, query)


def test_evidence_suggesting_several_criteria_of_a_unit_is_listed_once_with_its_files(client, setup):
    enrolment, learner, _, _ = setup
    f = stored_file(enrolment.centre, learner.user)
    evidence_create(enrolment=enrolment, actor=learner.user,
                    content=content(title="Complaint log", files=[f], criteria=criteria(enrolment, "1")[:2]))
    client.force_login(learner.user)
    page = client.get(f"/portfolio/enrolments/{enrolment.pk}/", {"unit": criteria(enrolment, "1")[0].unit_id}).content.decode()
    assert "1 piece of evidence" in page and page.count("Complaint log") == 1 and "<td>1</td>" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"unit": "not-a-number"}, "That unit is not part of this qualification: choose one from the list."),
        ({"unit": "999999"}, "That unit is not part of this qualification: choose one from the list."),
        ({"method": "telepathy"}, "There is no such method of assessment: choose one from the list."),
        ({"status": "lost"}, "There is no such status: choose one from the list."),
        ({"q": "x" * 201}, "Search for at most 200 characters."),
    ],
)
def test_a_nonsense_portfolio_filter_is_explained_and_the_rest_still_applies(client, setup, query, message):
    enrolment, learner, _, _ = setup
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Observation of a call", method="observation"))
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Complaint log", method="work_product"))
    client.force_login(learner.user)
    filters = {"q": "complaint", "method": "work_product", "status": "draft"}
    response = client.get(f"/portfolio/enrolments/{enrolment.pk}/", filters | query)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "Complaint log" in page and "Observation of a call" not in page


def test_the_portfolio_pages_keep_the_filters(client, setup):
    enrolment, learner, _, _ = setup
    for n in range(26):
        evidence_create(enrolment=enrolment, actor=learner.user, content=content(title=f"Call {n}"))
    client.force_login(learner.user)
    page = client.get(f"/portfolio/enrolments/{enrolment.pk}/", {"method": "work_product", "q": "call"}).content.decode()
    assert "26 pieces of evidence" in page
    assert 'href="?method=work_product&amp;q=call&amp;page=2">Next</a>' in page
    assert '<option value="work_product" selected>Work product</option>' in page


def test_the_learner_home_shows_progress_by_unit_and_drafts(client, setup):
    from apps.learners.models import PlannedUnit

    enrolment, learner, _, _ = setup
    unit = enrolment.qualification.units.get(number="1")
    PlannedUnit.objects.create(enrolment=enrolment, unit=unit, source="mandatory")
    evidence_create(enrolment=enrolment, actor=learner.user, content=content())
    client.force_login(learner.user)
    home = client.get("/").content.decode()
    assert "1 draft to finish and submit" in home
    assert "Unit 1: 0 of 2 criteria met" in home


@pytest.mark.parametrize("page", ["portfolio", "evidence"])
def test_portfolio_pages_do_not_grow_in_queries_with_evidence(client, setup, page, django_assert_max_num_queries):
    enrolment, learner, _, _ = setup
    client.force_login(learner.user)

    def add(n):
        for i in range(n):
            f = stored_file(enrolment.centre, learner.user, f"file {i} {timezone.now()}".encode())
            evidence_create(enrolment=enrolment, actor=learner.user,
                            content=content(title=f"Evidence {i}", files=[f], criteria=criteria(enrolment, "1")))

    add(2)
    first = enrolment.evidence.order_by("pk").first()
    url = f"/portfolio/enrolments/{enrolment.pk}/" if page == "portfolio" else f"/portfolio/evidence/{first.pk}/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(15)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_submitting_tells_the_assessor_in_the_app_and_by_email(celery_worker, client, centre):
    import time

    from django.core import mail

    from apps.notifications.models import Notification

    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Stock count"))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    note = Notification.objects.get(recipient=assessor.user)
    assert "submitted “Stock count”" in note.subject
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mail.outbox and mail.outbox[0].to == [assessor.user.email]
    assert f"/assessment/evidence/{evidence.pk}/" in mail.outbox[0].body
    client.force_login(assessor.user)
    page = client.get("/notifications/").content.decode()
    assert "Stock count" in page and "New" in page
    client.post(f"/notifications/{note.pk}/open/")
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_learner_cannot_change_a_record_their_assessor_made(client, setup):
    from tests.records.helpers import make_records

    enrolment, learner, assessor, _ = setup
    observation = make_records(enrolment, assessor.user)["observation"]
    evidence = observation.version.evidence
    client.force_login(learner.user)
    page = client.get(f"/portfolio/evidence/{evidence.pk}/").content.decode()
    assert "Criteria recorded" in page and "Withdraw the submission" not in page
    assert client.post(f"/portfolio/evidence/{evidence.pk}/withdraw/").status_code == 403
    assert client.get(f"/portfolio/evidence/{evidence.pk}/edit/").status_code == 403
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
