"""A submitted claim is final: the database refuses any change to the batch, its learners' lines
and their units, and to any answer the AO gave, whoever is connected. A draft still changes
through the services."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.certification import batches
from apps.certification.models import ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit
from tests.certification.support_batches import draft_batch, submitted_batch
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.test_append_only import refused, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(private_storage):  # noqa: F811
    return submitted_batch(count=2, certificated=True)


@pytest.mark.parametrize("assignment", [
    "status = 'ready'", "export_sha256 = repeat('0', 64)", "export_key = 'claims/elsewhere.csv'",
    "ao_reference = 'forged'", "declared_name = 'Someone Else'", "submitted_at = now()",
])
def test_a_submitted_batch_never_changes(claim, assignment):
    message = refused(f"UPDATE certification_claimbatch SET {assignment} WHERE id = %s", [claim.batch.pk])
    assert "a submitted claim batch never changes: UPDATE refused" in message
    assert ClaimBatch.objects.get(pk=claim.batch.pk).export_sha256 == claim.batch.export_sha256


def test_a_submitted_batch_is_never_deleted(claim):
    message = refused("DELETE FROM certification_claimbatch WHERE id = %s", [claim.batch.pk])
    assert "refused" in message
    assert ClaimBatch.objects.filter(pk=claim.batch.pk).exists()


@pytest.mark.parametrize("assignment", [
    "registered_name = 'Forged Name'", "claim_type = 'unit'", "registration_number = 'X'",
    "award_date = award_date - 1", "uln = ''",
])
def test_its_learners_lines_never_change(claim, assignment):
    line = claim.batch.lines.first()
    message = refused(f"UPDATE certification_claimline SET {assignment} WHERE id = %s", [line.pk])
    assert "the learners of a submitted claim batch never change: UPDATE refused" in message
    assert ClaimLine.objects.get(pk=line.pk).registered_name == line.registered_name


def test_a_line_is_neither_removed_from_nor_added_to_a_submitted_batch(claim):
    line = claim.batch.lines.first()
    assert "DELETE refused" in refused("DELETE FROM certification_claimline WHERE id = %s", [line.pk])
    draft = draft_batch(staff=claim.staff)
    moved = draft.batch.lines.get()
    message = refused("UPDATE certification_claimline SET batch_id = %s WHERE id = %s", [claim.batch.pk, moved.pk])
    assert "UPDATE refused" in message
    message = refused(
        "INSERT INTO certification_claimline (batch_id, enrolment_id, claim_type, award_date, registration_number, "
        "registered_name, uln, added_by_id, added_at) SELECT %s, enrolment_id, claim_type, award_date, "
        "registration_number, registered_name, uln, added_by_id, now() FROM certification_claimline WHERE id = %s",
        [claim.batch.pk, moved.pk],
    )
    assert "INSERT refused" in message
    assert claim.batch.lines.count() == 2


@pytest.mark.parametrize("statement", [
    "UPDATE certification_claimunit SET route = 'rpl' WHERE id = %s",
    "UPDATE certification_claimunit SET iqa_name = 'Forged' WHERE id = %s",
    "UPDATE certification_claimunit SET evidence = '[]' WHERE id = %s",
    "DELETE FROM certification_claimunit WHERE id = %s",
])
def test_its_units_never_change(claim, statement):
    unit = ClaimUnit.objects.filter(line__batch=claim.batch).first()
    assert "the units of a submitted claim batch never change" in refused(statement, [unit.pk])
    assert ClaimUnit.objects.get(pk=unit.pk).iqa_name == unit.iqa_name


def test_no_unit_is_added_to_a_submitted_line(claim):
    unit = ClaimUnit.objects.filter(line__batch=claim.batch).first()
    other = claim.batch.lines.exclude(pk=unit.line_id).first()
    message = refused(
        "INSERT INTO certification_claimunit (line_id, unit_id, route, achieved_on, assessor_name, iqa_name, "
        "iqa_sampled, prior_reference, evidence) VALUES (%s, %s, 'assessed', current_date, '', '', false, '', '[]')",
        [other.pk, unit.unit_id + 1],
    )
    assert "INSERT refused" in message


@pytest.mark.parametrize("statement", [
    "UPDATE certification_claimoutcome SET certificate_number = 'FORGED' WHERE id = %s",
    "UPDATE certification_claimoutcome SET status = 'rejected', reason = 'x' WHERE id = %s",
    "DELETE FROM certification_claimoutcome WHERE id = %s",
])
def test_the_aos_answers_never_change(claim, statement):
    outcome = ClaimOutcome.objects.filter(line__batch=claim.batch).first()
    assert "append-only" in refused(statement, [outcome.pk])
    assert ClaimOutcome.objects.get(pk=outcome.pk).certificate_number == outcome.certificate_number


def test_the_orm_is_refused_too(claim):
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        ClaimBatch.objects.filter(pk=claim.batch.pk).update(ao_reference="forged")
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        ClaimUnit.objects.filter(line__batch=claim.batch).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ClaimOutcome.objects.filter(line__batch=claim.batch).update(reason="edited")


def test_a_correction_is_still_recorded_as_a_new_answer(claim):
    line = claim.batch.lines.first()
    batches.outcome_record(actor=claim.staff.admin, line=line, status=ClaimOutcome.Status.CERTIFICATED,
                           certificate_number="AO-CORRECTED", certificate_date=timezone.localdate(),
                           reason="The first number was keyed wrongly.")
    assert [o.certificate_number for o in line.outcomes.all()][0] == "AO-CORRECTED"
    assert line.outcomes.count() == 2


def test_a_draft_still_changes_and_is_submitted(private_storage):  # noqa: F811
    claim = draft_batch(count=2)
    line = claim.batch.lines.first()
    assert run("UPDATE certification_claimline SET registered_name = registered_name WHERE id = %s", [line.pk]) == 1
    batches.batch_remove(actor=claim.staff.admin, batch=claim.batch, line_id=line.pk)
    batches.batch_declare(actor=claim.staff.lead, batch=claim.batch, signed_name=claim.staff.lead.full_name)
    batches.batch_authorise(actor=claim.staff.admin, batch=claim.batch, signed_name=claim.staff.admin.full_name)
    batches.batch_submit(actor=claim.staff.admin, batch=claim.batch)
    assert claim.refresh().status == ClaimBatch.Status.SUBMITTED and claim.batch.lines.count() == 1
