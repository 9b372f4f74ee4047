"""Claim batches: made from learners ready to claim, declared by the lead IQA, authorised by an
admin, signed off by the EQA without DCS, submitted once and frozen, then the AO's answer per
learner. Bad input is refused in words and changes nothing."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.certification import batches, documents
from apps.certification.models import (
    ClaimBatch,
    ClaimLine,
    ClaimOutcome,
    ClaimUnit,
    Counter,
    Document,
    QualificationApproval,
)
from apps.certification.readiness import candidates
from apps.iqa import checks
from apps.learners.models import Enrolment
from apps.notifications.models import Notification
from tests.certification.support_batches import approve, draft_batch, learners, ready_batch, submitted_batch
from tests.certification.support_ready import claim_staff, clear, ready_learner
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.factories import make_qualification
from tests.iqa.support_samples import qualification

pytestmark = pytest.mark.django_db
Status = ClaimBatch.Status


@pytest.fixture(autouse=True)
def _storage(private_storage):  # noqa: F811
    return private_storage



@pytest.fixture
def staff():
    return claim_staff()


def refused(match: str, call, *args, **kwargs) -> None:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert any(match in m for m in caught.value.messages), caught.value.messages


def snapshot(batch: ClaimBatch) -> tuple:
    batch.refresh_from_db()
    return (batch.status, batch.route, batch.declared_name, batch.authorised_name, batch.eqa_name,
            batch.export_sha256, list(batch.lines.values_list("enrolment_id", flat=True)),
            ClaimOutcome.objects.filter(line__batch=batch).count())


# --- making a batch ---------------------------------------------------------------------------


def test_a_batch_is_made_from_learners_ready_to_claim_with_their_registration_facts(staff):
    approve(staff, qualification(), dcs=True)
    full, partial = learners(staff, qualification(), count=1) + learners(staff, qualification(), units=["1"],
                                                                          names=["Zed Unit"])
    batch = batches.batch_create(actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[full.pk, partial.pk])

    assert batch.reference == f"CB-{timezone.localdate().year}-0001"
    assert (batch.status, batch.awarding_organisation, batch.created_by) == (Status.DRAFT, "NCFE", staff.admin)
    lines = {line.enrolment_id: line for line in batch.lines.all()}
    assert lines[full.pk].claim_type == ClaimLine.ClaimType.FULL
    assert lines[partial.pk].claim_type == ClaimLine.ClaimType.UNIT
    full.refresh_from_db()
    line = lines[full.pk]
    assert (line.registration_number, line.registered_name, line.date_of_birth) == (
        full.registration_number, full.registered_name, full.registered_date_of_birth)
    units = list(line.units.select_related("unit").order_by("unit__position"))
    assert [u.unit.number for u in units] == ["1", "2", "3"]
    assert all(u.assessor_name == "Asha Assessor" and u.iqa_name == "Ira Quality" and u.iqa_sampled for u in units)
    assert all(u.evidence and u.evidence[0]["sha256"] for u in units)
    assert line.award_date == max(u.achieved_on for u in units)
    event = AuditEvent.objects.get(action="claim.batch_created")
    assert event.payload["reference"] == batch.reference and event.payload["learners"] == 2


def test_numbers_run_per_centre_and_year(staff):
    first = draft_batch(staff=staff).batch
    second = draft_batch(staff=staff).batch
    other = draft_batch().batch
    year = timezone.localdate().year
    assert [first.reference, second.reference, other.reference] == [f"CB-{year}-0001", f"CB-{year}-0002",
                                                                     f"CB-{year}-0001"]
    assert Counter.objects.get(centre=staff.centre, series="CB", year=year).last == 2


def test_a_refused_learner_is_named_with_the_reason_and_nothing_is_made(staff):
    approve(staff, qualification(), dcs=True)
    ready = learners(staff, qualification())[0]
    unregistered = ready_learner(staff.centre, qualification=qualification(), units=["1"], admin=staff.admin,
                                 assessor=staff.assessor, iqa=staff.iqa, registration=False, name="Nora Noreg")
    with pytest.raises(ValidationError) as caught:
        batches.batch_create(actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[ready.pk, unregistered.pk])
    assert any(m.startswith("Nora Noreg: No NCFE learner number") for m in caught.value.messages), caught.value.messages
    assert not ClaimBatch.objects.exists() and not Counter.objects.exists()
    assert not AuditEvent.objects.filter(action="claim.batch_created").exists()


def test_a_batch_goes_to_one_awarding_organisation(staff):
    pearson = make_qualification(number="603/0000/9", awarding_organisation="Pearson")
    ncfe, other = learners(staff, qualification())[0], learners(staff, pearson, names=["Pia Pearson"])[0]
    refused("A batch goes to one awarding organisation", batches.batch_create, actor=staff.admin,
            centre_id=staff.centre.pk, enrolment_ids=[ncfe.pk, other.pk])
    refused("Pia Pearson is on a Pearson qualification; this batch is for NCFE", batches.batch_create,
            actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[ncfe.pk, other.pk],
            awarding_organisation="NCFE")
    assert not ClaimBatch.objects.exists()


def test_no_choice_another_centres_learner_and_an_unknown_ao_are_refused(staff):
    refused("Choose at least one learner", batches.batch_create, actor=staff.admin, centre_id=staff.centre.pk,
            enrolment_ids=[])
    ours = learners(staff, qualification())[0]
    refused("Choose an awarding organisation from the list.", batches.batch_create, actor=staff.admin,
            centre_id=staff.centre.pk, enrolment_ids=[ours.pk], awarding_organisation="<b>NCFE</b>")
    elsewhere = claim_staff()
    theirs = learners(elsewhere, qualification())[0]
    refused("not this centre's", batches.batch_create, actor=staff.admin, centre_id=staff.centre.pk,
            enrolment_ids=[theirs.pk])
    assert not ClaimBatch.objects.exists()


def test_only_admins_make_batches(staff):
    enrolment = learners(staff, qualification())[0]
    for person in (staff.lead, staff.iqa, staff.eqa, staff.assessor):
        with pytest.raises(PermissionDenied):
            batches.batch_create(actor=person, centre_id=staff.centre.pk, enrolment_ids=[enrolment.pk])


def test_a_learner_in_a_draft_is_not_claimed_twice(staff):
    claim = draft_batch(staff=staff)
    enrolment = claim.enrolments[0]
    refused(f"{enrolment.learner.full_name}: no whole unit is ready to claim", batches.batch_create,
            actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[enrolment.pk])
    refused("is in this batch already", batches.batch_add, actor=staff.admin, batch=claim.batch,
            enrolment_ids=[enrolment.pk])


def test_learners_are_added_and_taken_out_while_draft(staff):
    claim = draft_batch(staff=staff)
    more = learners(staff, qualification(), names=["Otto More"])[0]
    batches.batch_add(actor=staff.admin, batch=claim.batch, enrolment_ids=[more.pk])
    assert set(claim.batch.lines.values_list("enrolment_id", flat=True)) == {claim.enrolments[0].pk, more.pk}
    line = claim.batch.lines.get(enrolment=more)
    batches.batch_remove(actor=staff.admin, batch=claim.batch, line_id=line.pk)
    assert list(claim.batch.lines.values_list("enrolment_id", flat=True)) == [claim.enrolments[0].pk]
    assert not ClaimUnit.objects.filter(line_id=line.pk).exists()
    # Taken out, the learner's units are offered again.
    assert [c.claimable for c in candidates(centre_id=staff.centre.pk, today=timezone.localdate(),
                                            enrolment_ids=[more.pk])] == [True]
    assert AuditEvent.objects.get(action="claim.learner_removed").payload["learner"] == "Otto More"


def test_a_declared_batch_takes_no_more_learners_until_reopened(staff):
    claim = draft_batch(staff=staff)
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    more = learners(staff, qualification(), names=["Late Comer"])[0]
    refused("only while the batch is a draft", batches.batch_add, actor=staff.admin, batch=claim.batch,
            enrolment_ids=[more.pk])
    line = claim.batch.lines.get()
    refused("only while the batch is a draft", batches.batch_remove, actor=staff.admin, batch=claim.batch,
            line_id=line.pk)
    batches.batch_reopen(actor=staff.admin, batch=claim.batch)
    batches.batch_add(actor=staff.admin, batch=claim.batch, enrolment_ids=[more.pk])
    assert claim.batch.lines.count() == 2


# --- signatures -------------------------------------------------------------------------------


def test_only_the_lead_iqa_declares_with_their_own_name(staff):
    claim = draft_batch(staff=staff)
    before = snapshot(claim.batch)
    for person in (staff.iqa, staff.admin, staff.eqa):
        with pytest.raises(PermissionDenied):
            batches.batch_declare(actor=person, batch=claim.batch, signed_name=person.full_name)
    refused("Type your full name to sign", batches.batch_declare, actor=staff.lead, batch=claim.batch, signed_name=" ")
    refused("exactly as the centre has it: Lee Lead", batches.batch_declare, actor=staff.lead, batch=claim.batch,
            signed_name="Someone Else")
    assert snapshot(claim.batch) == before

    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name="lee  LEAD")
    batch = claim.refresh()
    assert (batch.status, batch.declared_by, batch.declared_name) == (Status.DECLARED, staff.lead, "lee LEAD")
    event = AuditEvent.objects.get(action="claim.declared")
    assert event.payload["declaration"] == batches.DECLARATION
    refused("Only a draft is declared", batches.batch_declare, actor=staff.lead, batch=claim.batch,
            signed_name=staff.lead.full_name)


def test_an_empty_batch_is_not_declared(staff):
    claim = draft_batch(staff=staff)
    batches.batch_remove(actor=staff.admin, batch=claim.batch, line_id=claim.batch.lines.get().pk)
    refused("Add at least one learner", batches.batch_declare, actor=staff.lead, batch=claim.batch,
            signed_name=staff.lead.full_name)


def test_a_sign_off_suspended_since_stops_the_declaration_naming_the_learner(staff):
    claim = draft_batch(staff=staff)
    enrolment = claim.enrolments[0]
    clear(enrolment, "2", iqa=staff.iqa, outcome=checks.DISAGREE)  # suspends unit 2's sign-off, opens an action
    before = snapshot(claim.batch)
    with pytest.raises(ValidationError) as caught:
        batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    said = caught.value.messages
    assert len(said) == 1 and said[0].startswith("Amira Shah, unit 2 Unit 2 title: Sign-off suspended"), said
    assert said[0].endswith("Take the learner out of the batch, or wait until it is ready again.")
    assert snapshot(claim.batch) == before
    assert claim.batch.lines.get().units.count() == 3  # the check set nothing aside for good


def test_a_registration_lost_since_stops_the_authorisation_naming_the_learner(staff):
    claim = draft_batch(staff=staff)
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    Enrolment.objects.filter(pk=claim.enrolments[0].pk).update(registration_number="")
    refused("Amira Shah: No NCFE learner number", batches.batch_authorise, actor=staff.admin, batch=claim.batch,
            signed_name=staff.admin.full_name)
    assert claim.refresh().status == Status.DECLARED


def test_registration_facts_corrected_since_the_learner_joined_stop_the_submission(staff):
    claim = ready_batch(staff=staff)
    Enrolment.objects.filter(pk=claim.enrolments[0].pk).update(registration_number="R-CORRECTED",
                                                                registered_name="Amira K Shah")
    refused("Amira Shah: the registration number and name as registered recorded for the learner changed",
            batches.batch_submit, actor=staff.admin, batch=claim.batch)
    assert claim.refresh().status == Status.READY


def test_authorising_with_dcs_makes_the_batch_ready(staff):
    claim = draft_batch(staff=staff, dcs=True)
    refused("The lead IQA declares the batch first", batches.batch_authorise, actor=staff.admin, batch=claim.batch,
            signed_name=staff.admin.full_name)
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    with pytest.raises(PermissionDenied):
        batches.batch_authorise(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    refused("exactly as the centre has it: Ada Admin", batches.batch_authorise, actor=staff.admin,
            batch=claim.batch, signed_name="Ada Someone")
    batches.batch_authorise(actor=staff.admin, batch=claim.batch, signed_name="Ada Admin")
    batch = claim.refresh()
    assert (batch.status, batch.route, batch.authorised_name) == (Status.READY, ClaimBatch.Route.DCS, "Ada Admin")
    assert not Notification.objects.filter(recipient=staff.eqa).exists()


def test_without_dcs_the_batch_waits_for_the_eqa_who_is_told(staff):
    claim = draft_batch(staff=staff, dcs=False)
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    batches.batch_authorise(actor=staff.admin, batch=claim.batch, signed_name=staff.admin.full_name)
    batch = claim.refresh()
    assert (batch.status, batch.route) == (Status.AWAITING_EQA, ClaimBatch.Route.EQA)
    told = Notification.objects.get(recipient=staff.eqa)
    assert batch.reference in told.subject and told.url == reverse("claims_batch", args=[batch.pk])
    assert AuditEvent.objects.get(action="claim.authorised").payload["without_dcs"] == [qualification().number]
    refused("Only a batch ready to submit is submitted", batches.batch_submit, actor=staff.admin, batch=batch)


def test_the_eqa_signs_off_or_queries_and_the_admin_reopens(staff):
    claim = draft_batch(staff=staff, dcs=False)
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    batches.batch_authorise(actor=staff.admin, batch=claim.batch, signed_name=staff.admin.full_name)
    with pytest.raises(PermissionDenied):
        batches.batch_eqa_approve(actor=staff.admin, batch=claim.batch, signed_name=staff.admin.full_name)
    before = snapshot(claim.batch)
    refused("Say what the centre must look at", batches.batch_eqa_query, actor=staff.eqa, batch=claim.batch,
            signed_name=staff.eqa.full_name, note="  ")
    refused("exactly as the centre has it: Eve External", batches.batch_eqa_query, actor=staff.eqa,
            batch=claim.batch, signed_name="Eve", note="Check unit 2.")
    assert snapshot(claim.batch) == before

    batches.batch_eqa_query(actor=staff.eqa, batch=claim.batch, signed_name=staff.eqa.full_name,
                            note="Unit 2's evidence for Amira needs a witness statement.")
    batch = claim.refresh()
    assert batch.status == Status.EQA_QUERIED and batch.eqa_note.startswith("Unit 2's evidence")
    assert Notification.objects.filter(recipient=staff.admin, subject__contains="queried").exists()
    refused("Only a batch awaiting the EQA", batches.batch_eqa_approve, actor=staff.eqa, batch=batch,
            signed_name=staff.eqa.full_name)

    batches.batch_reopen(actor=staff.admin, batch=batch)
    batch = claim.refresh()
    assert (batch.status, batch.route, batch.declared_name, batch.authorised_name, batch.eqa_name) == (
        Status.DRAFT, "", "", "", "")
    assert batch.eqa_note.startswith("Unit 2's evidence")  # kept to be read while amending
    refused("Only a batch declared and not yet submitted is reopened", batches.batch_reopen, actor=staff.admin,
            batch=batch)

    batches.batch_declare(actor=staff.lead, batch=batch, signed_name=staff.lead.full_name)
    batches.batch_authorise(actor=staff.admin, batch=batch, signed_name=staff.admin.full_name)
    batches.batch_eqa_approve(actor=staff.eqa, batch=batch, signed_name=staff.eqa.full_name, note="Seen the witness.")
    batch = claim.refresh()
    assert (batch.status, batch.eqa_name) == (Status.READY, "Eve External")
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="claim.").order_by("id")] == [
        "claim.batch_created", "claim.declared", "claim.authorised", "claim.eqa_queried", "claim.reopened",
        "claim.declared", "claim.authorised", "claim.eqa_approved"]


# --- submission -------------------------------------------------------------------------------


def test_submission_stores_the_claim_file_and_freezes_the_batch(staff):
    claim = ready_batch(staff=staff, count=2)
    batches.batch_submit(actor=staff.admin, batch=claim.batch, ao_reference=" NCFE-778 ")
    batch = claim.refresh()
    assert batch.status == Status.SUBMITTED and batch.ao_reference == "NCFE-778" and batch.submitted_by == staff.admin
    with default_storage.open(batch.export_key, "rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == batch.export_sha256
    assert data.decode("utf-8-sig").count("\r\n") == 1 + 2 * (1 + 3)  # header; per learner a summary and 3 units
    for enrolment in claim.enrolments:
        enrolment.refresh_from_db()
        assert enrolment.start_date_sent_at == batch.submitted_at
    event = AuditEvent.objects.get(action="claim.submitted")
    assert event.payload["sha256"] == batch.export_sha256 and event.payload["learners"] == 2


def test_submitting_twice_is_refused_and_changes_nothing(staff):
    claim = submitted_batch(staff=staff)
    before = snapshot(claim.batch)
    refused("a claim is submitted once", batches.batch_submit, actor=staff.admin, batch=claim.batch)
    assert snapshot(claim.batch) == before
    assert AuditEvent.objects.filter(action="claim.submitted").count() == 1


def test_only_admins_submit_and_a_bad_reference_is_refused(staff):
    claim = ready_batch(staff=staff)
    for person in (staff.lead, staff.eqa):
        with pytest.raises(PermissionDenied):
            batches.batch_submit(actor=person, batch=claim.batch)
    refused("The AO's reference contains control characters", batches.batch_submit, actor=staff.admin,
            batch=claim.batch, ao_reference="AB\u202eC")
    refused("at most 100 characters", batches.batch_submit, actor=staff.admin, batch=claim.batch,
            ao_reference="R" * 101)
    assert claim.refresh().status == Status.READY


def test_dcs_withdrawn_since_authorisation_stops_the_submission(staff):
    claim = ready_batch(staff=staff, dcs=True)
    QualificationApproval.objects.filter(centre=staff.centre).update(has_dcs=False, dcs_since=None)
    refused("no longer holds Direct Claims Status for 600/0000/1", batches.batch_submit, actor=staff.admin,
            batch=claim.batch)
    assert claim.refresh().status == Status.READY and not claim.batch.export_key


def test_an_iqa_action_opened_since_stops_the_submission(staff):
    claim = ready_batch(staff=staff)
    clear(claim.enrolments[0], "3", iqa=staff.iqa, outcome=checks.DISAGREE)
    with pytest.raises(ValidationError) as caught:
        batches.batch_submit(actor=staff.admin, batch=claim.batch)
    said = caught.value.messages
    assert len(said) == 1 and said[0].startswith("Amira Shah, unit 3 Unit 3 title:"), said
    assert said[0].endswith("Reopen the batch and take the learner out, or wait until it is ready again.")
    assert claim.refresh().status == Status.READY
    assert Enrolment.objects.get(pk=claim.enrolments[0].pk).start_date_sent_at is None


@pytest.mark.django_db(transaction=True)
def test_two_admins_submitting_at_once_submit_once(private_storage):  # noqa: F811
    claim = ready_batch()
    other_admin = claim_staff(centre=claim.staff.centre).admin
    results: list[str] = []
    barrier = threading.Barrier(2)

    def submit(actor) -> None:
        try:
            barrier.wait()
            batches.batch_submit(actor=actor, batch=ClaimBatch.objects.get(pk=claim.batch.pk))
            results.append("submitted")
        except ValidationError as exc:
            results.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(who,)) for who in (claim.staff.admin, other_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[1] == "submitted" and "a claim is submitted once" in sorted(results)[0], results
    assert AuditEvent.objects.filter(action="claim.submitted").count() == 1


# --- the AO's answers -------------------------------------------------------------------------


def test_a_certificate_needs_its_number_and_date_and_changes_nothing_without(staff):
    claim = submitted_batch(staff=staff)
    line = claim.batch.lines.get()
    today = timezone.localdate()
    certificated = ClaimOutcome.Status.CERTIFICATED
    for kwargs, said in (
        ({"certificate_date": today}, "Give the AO's certificate number."),
        ({"certificate_number": "N123"}, "Give the date on the AO's certificate."),
        ({"certificate_number": "N123", "certificate_date": today + timedelta(days=1)}, "in the future"),
        ({"certificate_number": "N123", "certificate_date": today - timedelta(days=3)}, "before the claim was submitted"),
        ({"certificate_number": "\u200b", "certificate_date": today}, "The certificate number is made only of"),
    ):
        refused(said, batches.outcome_record, actor=staff.admin, line=line, status=certificated, **kwargs)
    refused("Choose what the AO said", batches.outcome_record, actor=staff.admin, line=line, status="awarded")
    assert not ClaimOutcome.objects.exists()
    with pytest.raises(PermissionDenied):
        batches.outcome_record(actor=staff.eqa, line=line, status=certificated, certificate_number="N1",
                               certificate_date=today)


def test_answers_are_appended_and_a_correction_is_a_new_one(staff):
    claim = submitted_batch(staff=staff)
    line = claim.batch.lines.get()
    today = timezone.localdate()
    refused("Say why the AO queried", batches.outcome_record, actor=staff.admin, line=line,
            status=ClaimOutcome.Status.QUERIED)
    batches.outcome_record(actor=staff.admin, line=line, status=ClaimOutcome.Status.QUERIED,
                           reason="Date of birth differs from the registration.")
    batches.outcome_record(actor=staff.admin, line=line, status=ClaimOutcome.Status.CERTIFICATED,
                           certificate_number="Z0099", certificate_date=today)
    refused("already the answer recorded for Amira Shah", batches.outcome_record, actor=staff.admin, line=line,
            status=ClaimOutcome.Status.CERTIFICATED, certificate_number="Z0099", certificate_date=today)
    assert [o.status for o in line.outcomes.all()] == ["certificated", "queried"]  # newest first
    last = AuditEvent.objects.filter(action="claim.outcome_recorded").latest("id")
    assert last.payload["certificate_number"] == "Z0099" and last.payload["corrects"] == "queried"


def test_answers_wait_for_the_submission(staff):
    claim = ready_batch(staff=staff)
    refused("once the claim has been submitted", batches.outcome_record, actor=staff.admin,
            line=claim.batch.lines.get(), status=ClaimOutcome.Status.REJECTED, reason="No.")


def test_a_rejection_waits_until_the_learners_documents_are_revoked(staff, settings, tmp_path):
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    claim = submitted_batch(staff=staff)
    line = claim.batch.lines.get()
    record = documents.document_make(document_id=documents.document_issue(
        line=line, kind=Document.Kind.ACHIEVEMENT_RECORD, actor=staff.admin).pk)
    credit = documents.document_issue(line=line, kind=Document.Kind.CREDIT_CERTIFICATE, actor=staff.admin)
    reject = {"actor": staff.admin, "line": line, "status": ClaimOutcome.Status.REJECTED,
              "reason": "Registered on another qualification."}
    refused(f"Revoke this learner's documents first: {record.number}, {credit.number} are still valid",
            batches.outcome_record, **reject)
    assert not ClaimOutcome.objects.exists()
    assert not AuditEvent.objects.filter(action="claim.outcome_recorded").exists()
    documents.document_revoke(document=record, actor=staff.admin, reason="The AO rejected the claim")
    documents.document_revoke(document=documents.document_make(document_id=credit.pk), actor=staff.admin,
                              reason="The AO rejected the claim")
    batches.outcome_record(**reject)
    assert line.outcomes.get().status == ClaimOutcome.Status.REJECTED


def test_a_rejected_learner_is_ready_to_claim_again(staff):
    claim = submitted_batch(staff=staff)
    enrolment = claim.enrolments[0]
    found = candidates(centre_id=staff.centre.pk, today=timezone.localdate(), enrolment_ids=[enrolment.pk])
    assert not found[0].claimable
    batches.outcome_record(actor=staff.admin, line=claim.batch.lines.get(), status=ClaimOutcome.Status.REJECTED,
                           reason="Registered on another qualification.")
    found = candidates(centre_id=staff.centre.pk, today=timezone.localdate(), enrolment_ids=[enrolment.pk])
    assert found[0].claimable and len(found[0].ready_units) == 3


# --- the pages --------------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_ready_page_makes_a_batch_or_says_who_was_refused(client, staff):
    approve(staff, qualification(), dcs=True)
    ready = learners(staff, qualification())[0]
    unregistered = ready_learner(staff.centre, qualification=qualification(), units=["1"], admin=staff.admin,
                                 assessor=staff.assessor, iqa=staff.iqa, registration=False, name="Nora Noreg")
    signed_in(client, staff.admin)
    response = client.post(reverse("claims_batch_create"), {"enrolments": [ready.pk, unregistered.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("claims_ready")
    assert any(m.startswith("Nora Noreg: No NCFE learner number") for m in messages_of(response))
    assert not ClaimBatch.objects.exists()
    for bad in ({}, {"enrolments": ["x1"]}, {"enrolments": ["0"]}):
        response = client.post(reverse("claims_batch_create"), bad, follow=True)
        assert messages_of(response) and not ClaimBatch.objects.exists()

    response = client.post(reverse("claims_batch_create"), {"enrolments": [ready.pk]}, follow=True)
    batch = ClaimBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("claims_batch", args=[batch.pk])
    assert "Amira Shah" in response.content.decode()


def test_a_draft_offers_the_learners_ready_for_its_ao(client, staff):
    claim = draft_batch(staff=staff)
    learners(staff, qualification(), names=["Otto More"])
    learners(staff, make_qualification(number="603/0000/9", awarding_organisation="Pearson"), names=["Pia Pearson"])
    signed_in(client, staff.admin)
    url = reverse("claims_batch", args=[claim.batch.pk])
    assert "Otto More" not in client.get(url).content.decode()
    page = client.get(url, {"add": "1"}).content.decode()
    assert "Otto More" in page and "Pia Pearson" not in page
    otto = Enrolment.objects.get(learner__full_name="Otto More")
    response = client.post(reverse("claims_batch_add", args=[claim.batch.pk]), {"enrolments": [otto.pk]}, follow=True)
    assert "1 learner added." in messages_of(response)
    assert claim.batch.lines.filter(enrolment=otto).exists()


def test_each_step_is_offered_to_who_may_take_it(client, staff):
    claim = draft_batch(staff=staff)
    url = reverse("claims_batch", args=[claim.batch.pk])
    page = signed_in(client, staff.lead).get(url).content.decode()
    assert "Sign the declaration" in page and "I declare that, for every learner and unit in this claim" in page and "Take out" not in page
    page = signed_in(client, staff.admin).get(url).content.decode()
    assert "Sign the declaration" not in page and "Take out" in page and "Authorise the claim" not in page
    page = signed_in(client, staff.eqa).get(url).content.decode()
    assert "Sign the declaration" not in page and "Take out" not in page and "Claim file (CSV)" in page


def test_bad_signatures_on_the_page_get_a_message_and_change_nothing(client, staff):
    claim = draft_batch(staff=staff)
    before = snapshot(claim.batch)
    signed_in(client, staff.lead)
    url = reverse("claims_batch_declare", args=[claim.batch.pk])
    for data, said in (({}, "Type your full name to sign."), ({"signed_name": "Not Lee"}, "Lee Lead")):
        response = client.post(url, data, follow=True)
        assert any(said in m for m in messages_of(response)), messages_of(response)
    assert snapshot(claim.batch) == before
    response = client.post(url, {"signed_name": "Lee Lead"}, follow=True)
    assert claim.refresh().status == Status.DECLARED
    assert "Pre-claim declaration signed" in " ".join(messages_of(response))


def test_recording_outcomes_on_the_page(client, staff):
    claim = submitted_batch(staff=staff)
    line = claim.batch.lines.get()
    signed_in(client, staff.admin)
    url = reverse("claims_batch_outcome", args=[claim.batch.pk, line.pk])
    prefix = f"line-{line.pk}-"
    response = client.post(url, {prefix + "status": "certificated", prefix + "certificate_date": "2026-02-30"},
                           follow=True)
    said = " ".join(messages_of(response))
    assert "not a date" in said and not ClaimOutcome.objects.exists()
    today = timezone.localdate().isoformat()
    response = client.post(url, {prefix + "status": "certificated", prefix + "certificate_number": "Q-77",
                                 prefix + "certificate_date": today}, follow=True)
    assert ClaimOutcome.objects.get().certificate_number == "Q-77"
    assert "Certificated" in response.content.decode() and "Q-77" in response.content.decode()
    page = client.get(reverse("claims_batch", args=[claim.batch.pk])).content.decode()
    assert claim.batch.export_sha256 in page


def test_submitting_twice_on_the_page_says_so(client, staff):
    claim = ready_batch(staff=staff)
    signed_in(client, staff.admin)
    url = reverse("claims_batch_submit", args=[claim.batch.pk])
    client.post(url, {"ao_reference": ""})
    sha = claim.refresh().export_sha256
    response = client.post(url, {"ao_reference": "again"}, follow=True)
    assert any("submitted once" in m for m in messages_of(response))
    assert claim.refresh().export_sha256 == sha and claim.batch.ao_reference == ""


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_read_a_fixed_number_of_queries(client, staff):
    """Learners, units, answers, batches and learners offered to a draft: none adds a query."""
    small = submitted_batch(staff=staff, count=1, certificated=True)
    draft = draft_batch(staff=staff).batch
    learners(staff, qualification(), names=["Offered Once"])
    signed_in(client, staff.admin)
    detail_small = _queries(client, reverse("claims_batch", args=[small.batch.pk]))
    list_small = _queries(client, reverse("claims_batches"))
    draft_small = _queries(client, reverse("claims_batch", args=[draft.pk]) + "?add=1")

    large = submitted_batch(staff=staff, count=4, certificated=True)
    draft_large = draft_batch(staff=staff, count=3)
    learners(staff, qualification(), count=3, names=["Offered Again"])
    assert _queries(client, reverse("claims_batch", args=[large.batch.pk])) == detail_small
    assert _queries(client, reverse("claims_batches")) == list_small
    assert _queries(client, reverse("claims_batch", args=[draft_large.batch.pk]) + "?add=1") == draft_small
