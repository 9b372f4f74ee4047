"""No orphans: a file removed from the form is deleted, one left behind is swept after a day, and
the audit trail keeps both its upload and its going."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.evidence.models import StoredFile, Upload
from apps.evidence.storage import file_discard, files_sweep, store
from apps.evidence.tasks import sweep_unattached_files
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import attach, stored_objects


@pytest.fixture
def upload(people, private_storage):
    """upload(name, by=learner) -> a StoredFile as the uploader leaves it: in no evidence."""

    def make(name: str = "photo.jpg", by=None) -> StoredFile:
        return store(source=io.BytesIO(samples.jpeg()), original_name=name, centre=people.centre,
                     uploaded_by=(by or people.learner).user)

    return make


@pytest.fixture
def uploaded_ago(people, private_storage):
    """uploaded_ago(name, age) -> a file in storage whose row says it was uploaded `age` ago (the
    database refuses to change a stored file's row afterwards, so it is written so from the start)."""

    def make(name: str, age: timedelta) -> StoredFile:
        data = samples.jpeg()
        key = default_storage.save(f"evidence/{people.centre.pk}/{uuid.uuid4().hex}", ContentFile(data))
        return StoredFile.objects.create(
            centre=people.centre, key=key, original_name=name, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), content_type="image/jpeg", kind="image",
            uploaded_by=people.learner.user, created_at=timezone.now() - age,
        )

    return make


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what waits for the transaction's commit (deleting stored objects) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Removed in the form ------------------------------------------------------------------------


def test_removing_an_uploaded_file_from_the_form_deletes_it(client, people, upload, private_storage, committing):
    stored = upload("Workstation.jpg")
    client.force_login(people.learner.user)
    with committing():
        response = client.post(f"/files/{stored.pk}/discard/")
    assert response.status_code == 204
    assert not StoredFile.objects.filter(pk=stored.pk).exists()
    assert stored_objects(private_storage) == []
    events = AuditEvent.objects.filter(object_type="evidence.storedfile", object_id=str(stored.pk)).order_by("id")
    assert [e.action for e in events] == ["file.uploaded", "file.discarded"]
    assert events[1].payload["name"] == "Workstation.jpg" and events[1].actor == people.learner.user
    assert client.post(f"/files/{stored.pk}/discard/").status_code == 404  # gone: nothing to remove twice


def test_a_file_already_in_evidence_is_not_removed(client, people, upload, private_storage):
    stored = upload()
    attach(stored, people.enrolment, people.learner.user, submitted=False)
    client.force_login(people.learner.user)
    response = client.post(f"/files/{stored.pk}/discard/")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "“photo.jpg” is part of your evidence, so it stays. Untick it in the evidence's list of files to take it out."
    )
    assert StoredFile.objects.filter(pk=stored.pk).exists() and len(stored_objects(private_storage)) == 1


@pytest.mark.parametrize(("who", "status"), [("assessor", 404), ("other_learner", 404), ("admin", 404),
                                             ("outsider", 404)])
def test_nobody_else_can_remove_someone_elses_upload(client, people, upload, who, status):
    stored = upload()
    client.force_login(getattr(people, who).user)
    assert client.post(f"/files/{stored.pk}/discard/").status_code == status
    assert StoredFile.objects.filter(pk=stored.pk).exists()


def test_staff_who_can_see_a_submitted_file_still_cannot_remove_it(client, people, upload):
    stored = upload()
    attach(stored, people.enrolment, people.learner.user, submitted=True)
    client.force_login(people.assessor.user)
    assert client.post(f"/files/{stored.pk}/discard/").status_code == 403


def test_the_service_rechecks_who_is_removing(people, upload):
    from django.core.exceptions import PermissionDenied

    stored = upload()
    with pytest.raises(PermissionDenied):
        file_discard(stored_file=stored, actor=people.other_learner.user)
    assert StoredFile.objects.filter(pk=stored.pk).exists()


def test_removing_needs_a_post(client, people, upload):
    stored = upload()
    client.force_login(people.learner.user)
    assert client.get(f"/files/{stored.pk}/discard/").status_code == 405
    assert StoredFile.objects.filter(pk=stored.pk).exists()


# --- Left behind: swept after a day ----------------------------------------------------------------


def test_files_never_attached_are_swept_after_a_day_and_the_rest_stay(people, uploaded_ago, private_storage,
                                                                      committing):
    left = uploaded_ago("left.jpg", timedelta(hours=25))
    uploaded_ago("fresh.jpg", timedelta(hours=2))
    attach(uploaded_ago("kept.jpg", timedelta(days=30)), people.enrolment, people.learner.user)
    attach(uploaded_ago("draft.jpg", timedelta(days=3)), people.enrolment, people.learner.user, submitted=False)
    keys = {s.original_name: s.key for s in StoredFile.objects.all()}

    with committing():
        assert files_sweep() == 1
    assert set(StoredFile.objects.values_list("original_name", flat=True)) == {"fresh.jpg", "kept.jpg", "draft.jpg"}
    on_disk = {p.relative_to(private_storage).as_posix() for p in stored_objects(private_storage)}
    assert keys["left.jpg"] not in on_disk
    assert {keys["fresh.jpg"], keys["kept.jpg"], keys["draft.jpg"]} <= on_disk
    swept = AuditEvent.objects.get(action="file.swept")
    assert swept.payload["name"] == "left.jpg" and swept.actor is None and swept.object_id == str(left.pk)
    assert files_sweep() == 0  # nothing more to do


def test_a_resumable_upload_left_unused_goes_with_its_tracking_row(tus, private_storage, committing):
    stored = StoredFile.objects.get(pk=tus.upload("via-tus.pdf", samples.pdf())["Attest-File-Id"])
    assert Upload.objects.filter(stored_file=stored).exists()
    with committing():
        assert files_sweep(now=timezone.now() + timedelta(hours=25)) == 1
    assert Upload.objects.count() == 0 and StoredFile.objects.count() == 0
    assert stored_objects(private_storage) == []
    # The trail keeps its upload and says where it went.
    actions = AuditEvent.objects.filter(object_type="evidence.storedfile", object_id=str(stored.pk))
    assert set(actions.values_list("action", flat=True)) == {"file.uploaded", "file.swept"}


def test_the_hourly_task_sweeps_with_the_time_now(people, uploaded_ago, private_storage):
    uploaded_ago("left.jpg", timedelta(days=2))
    uploaded_ago("fresh.jpg", timedelta(minutes=5))
    assert sweep_unattached_files() == 1
    assert list(StoredFile.objects.values_list("original_name", flat=True)) == ["fresh.jpg"]


def test_thumbnails_go_with_their_swept_image(people, upload, private_storage, committing):
    from apps.evidence.thumbnails import thumbnail_make

    stored = upload("big.jpg")
    thumbnail_make(stored_file_id=stored.pk)
    assert len(stored_objects(private_storage)) == 2
    with committing():
        assert files_sweep(now=timezone.now() + timedelta(days=2)) == 1
    assert stored_objects(private_storage) == []


def test_the_sweep_is_on_celery_beats_schedule():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["apps.evidence.tasks.sweep_unattached_files"] <= 3600


# --- Refused uploads leave no tracking row -------------------------------------------------------


def test_a_refused_resumable_upload_leaves_no_row(tus, settings, private_storage):
    response = tus.upload("report.pdf", samples.png())
    assert response.status_code == 422
    assert Upload.objects.count() == 0 and StoredFile.objects.count() == 0
