"""What a learner submitted stays as it was: the database refuses to change or remove a submitted
evidence version, its files and its links, whoever is connected; the app's own services still
submit, withdraw, make new versions and add thumbnails."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from apps.evidence.models import Evidence, EvidenceFile, EvidenceVersion, StoredFile
from apps.evidence.services import evidence_create, evidence_submit, evidence_update, evidence_withdraw
from apps.evidence.storage import store
from apps.evidence.thumbnails import thumbnail_make
from apps.qualifications.models import AssessmentCriterion
from tests.evidence import samples
from tests.evidence.filefixtures import private_storage  # noqa: F401 - fixture
from tests.evidence.portfolio_helpers import content, enrolment_with_people, stored_file


def refused(sql: str, params: list) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(caught.value)


def run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def portfolio(centre, private_storage):  # noqa: F811
    enrolment, learner, assessor, _iqa = enrolment_with_people(centre)
    return enrolment, learner.user


@pytest.fixture
def submitted(portfolio):
    """Evidence with a photo, submitted; returns (evidence, its version, the photo)."""
    enrolment, user = portfolio
    photo = store(source=io.BytesIO(samples.jpeg((200, 150))), original_name="till.jpg", centre=enrolment.centre,
                  uploaded_by=user)
    criterion = AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification).first()
    evidence = evidence_create(enrolment=enrolment, actor=user,
                               content=content(files=[photo], criteria=[criterion]))
    evidence = evidence_submit(evidence=evidence, actor=user, declared_name=enrolment.learner.full_name,
                               ip_address="192.0.2.1")
    return evidence, evidence.current, photo


# --- the app's own services ------------------------------------------------------------------


def test_submitting_withdrawing_and_a_new_version_still_work(portfolio, submitted):
    enrolment, user = portfolio
    evidence, first, photo = submitted

    evidence_withdraw(evidence=evidence, actor=user)
    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.submitted_at is not None

    evidence = evidence_update(evidence=evidence, actor=user, content=content(title="Second go", files=[photo]))
    evidence_submit(evidence=evidence, actor=user, declared_name=enrolment.learner.full_name, ip_address=None)

    versions = list(EvidenceVersion.objects.filter(evidence=evidence).order_by("number"))
    assert [(v.number, v.title) for v in versions] == [(1, "Handling a complaint call"), (2, "Second go")]
    assert all(v.submitted_at for v in versions)
    assert [f.pk for f in versions[0].files.all()] == [photo.pk]  # the first submission keeps its file


def test_a_draft_can_still_be_changed_and_its_files_replaced(portfolio):
    enrolment, user = portfolio
    first, second = stored_file(enrolment.centre, user), stored_file(enrolment.centre, user, content=b"%PDF-1.4 b")
    evidence = evidence_create(enrolment=enrolment, actor=user, content=content(files=[first]))
    evidence_update(evidence=evidence, actor=user, content=content(title="Better title", files=[second]))
    evidence.current.refresh_from_db()
    assert evidence.current.title == "Better title"
    assert [f.pk for f in evidence.current.files.all()] == [second.pk]


def test_a_thumbnail_is_still_added_to_a_submitted_photo(submitted):
    _evidence, _version, photo = submitted
    key = thumbnail_make(stored_file_id=photo.pk)
    photo.refresh_from_db()
    assert key and photo.thumbnail_key == key


def test_withdrawing_twice_is_still_refused_in_words(portfolio, submitted):
    _enrolment, user = portfolio
    evidence, _version, _photo = submitted
    evidence_withdraw(evidence=evidence, actor=user)
    with pytest.raises(ValidationError, match="Only submitted evidence"):
        evidence_withdraw(evidence=evidence, actor=user)


# --- the database refuses the rest -----------------------------------------------------------


@pytest.mark.parametrize(
    "assignment",
    ["title = 'Forged'", "text = ''", "submitted_at = NULL", "declared_name = 'Someone Else'",
     "evidence_date = evidence_date - 1", "withdrawn_at = now(), title = 'Forged'"],
)
def test_a_submitted_version_cannot_be_changed(submitted, assignment):
    _evidence, version, _photo = submitted
    message = refused(f"UPDATE evidence_evidenceversion SET {assignment} WHERE id = %s", [version.pk])
    assert "submitted evidence versions are append-only: UPDATE refused" in message
    version.refresh_from_db()
    assert version.title == "Handling a complaint call" and version.withdrawn_at is None


def test_a_submitted_version_cannot_be_deleted(submitted):
    _evidence, version, _photo = submitted
    message = refused("DELETE FROM evidence_evidenceversion WHERE id = %s", [version.pk])
    assert "submitted evidence versions are append-only: DELETE refused" in message
    assert EvidenceVersion.objects.filter(pk=version.pk).exists()


def test_a_withdrawal_is_recorded_once_and_never_moved_or_undone(submitted):
    _evidence, version, _photo = submitted
    assert run("UPDATE evidence_evidenceversion SET withdrawn_at = now() WHERE id = %s", [version.pk]) == 1
    version.refresh_from_db()
    withdrawn = version.withdrawn_at
    for assignment in ("withdrawn_at = now() + interval '1 day'", "withdrawn_at = NULL"):
        message = refused(f"UPDATE evidence_evidenceversion SET {assignment} WHERE id = %s", [version.pk])
        assert "append-only" in message
    version.refresh_from_db()
    assert version.withdrawn_at == withdrawn


def test_the_orm_is_refused_too(submitted):
    _evidence, version, _photo = submitted
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EvidenceVersion.objects.filter(pk=version.pk).update(title="Forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        version.suggested_criteria.clear()
    assert version.suggested_criteria.count() == 1


@pytest.mark.parametrize(
    "assignment",
    ["key = 'evidence/elsewhere'", "size = size + 1", "sha256 = repeat('0', 64)", "content_type = 'text/html'",
     "kind = 'document'", "original_name = 'other.jpg'"],
)
def test_a_stored_file_keeps_its_key_size_hash_type_and_name(submitted, assignment):
    _evidence, _version, photo = submitted
    message = refused(f"UPDATE evidence_storedfile SET {assignment} WHERE id = %s", [photo.pk])
    assert "stored files are append-only: UPDATE refused" in message
    assert StoredFile.objects.get(pk=photo.pk).sha256 == photo.sha256


def test_a_file_of_submitted_evidence_cannot_be_deleted_nor_unlinked(submitted):
    _evidence, version, photo = submitted
    message = refused("DELETE FROM evidence_storedfile WHERE id = %s", [photo.pk])
    assert "stored files of submitted evidence are append-only: DELETE refused" in message
    message = refused("DELETE FROM evidence_evidencefile WHERE version_id = %s", [version.pk])
    assert "evidence_evidencefile rows of submitted evidence versions are append-only: DELETE refused" in message
    message = refused("UPDATE evidence_evidencefile SET position = 5 WHERE version_id = %s", [version.pk])
    assert "append-only: UPDATE refused" in message
    assert list(version.files.all()) == [photo]


def test_a_file_attached_to_nothing_submitted_may_be_swept(portfolio):
    enrolment, user = portfolio
    loose = stored_file(enrolment.centre, user)
    assert run("DELETE FROM evidence_storedfile WHERE id = %s", [loose.pk]) == 1
    draft_file = stored_file(enrolment.centre, user)
    evidence = evidence_create(enrolment=enrolment, actor=user, content=content(files=[draft_file]))
    assert run("DELETE FROM evidence_evidencefile WHERE version_id = %s", [evidence.current_id]) == 1
    assert run("DELETE FROM evidence_storedfile WHERE id = %s", [draft_file.pk]) == 1


def test_a_stored_file_still_gains_a_thumbnail_key_by_hand(submitted):
    _evidence, _version, photo = submitted
    assert run("UPDATE evidence_storedfile SET thumbnail_key = key || '-thumbnail.jpg' WHERE id = %s", [photo.pk]) == 1


def test_a_draft_version_may_be_deleted(portfolio):
    enrolment, user = portfolio
    evidence = evidence_create(enrolment=enrolment, actor=user, content=content())
    version = evidence.current
    Evidence.objects.filter(pk=evidence.pk).update(current=None)
    EvidenceFile.objects.filter(version=version).delete()
    version.suggested_criteria.clear()
    assert run("DELETE FROM evidence_evidenceversion WHERE id = %s", [version.pk]) == 1
