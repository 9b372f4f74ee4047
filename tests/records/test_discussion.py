"""A professional discussion: its recording and a summary, signed by the assessor."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditEvent
from apps.evidence.models import Evidence, StoredFile
from apps.records.models import ProfessionalDiscussion
from tests.evidence import samples
from tests.evidence.filefixtures import stored_objects
from tests.evidence.portfolio_helpers import stored_file
from tests.records import helpers
from tests.records.helpers import text


def url(setup) -> str:
    return f"/records/enrolments/{setup.enrolment.pk}/discussion/new/"


def recording(setup, user=None) -> StoredFile:
    return stored_file(setup.centre, (user or setup.assessor.user), samples.wav(), "discussion.wav", "audio/wav", "audio")


def test_an_assessor_records_a_discussion_with_the_uploaders_recording(client, setup):
    audio = recording(setup)
    notes = stored_file(setup.centre, setup.assessor.user, b"%PDF-1.4 notes", "prompts.pdf")
    client.force_login(setup.assessor.user)
    response = client.post(url(setup), helpers.discussion(setup, files=[audio, notes]), follow=True)
    page = text(response)
    assert "Professional discussion recorded and signed." in page
    assert "discussion.wav" in page and "<audio" in page and "Sam explained how they calm" in page
    record = ProfessionalDiscussion.objects.get()
    version = record.version
    assert list(version.files.all()) == [audio, notes]
    assert version.method == "professional_discussion" and version.evidence.status == Evidence.Status.SUBMITTED
    assert version.text == record.summary and version.declared_name == setup.assessor.user.full_name
    assert AuditEvent.objects.get(action="records.discussion_created").payload["files"] == [audio.pk, notes.pk]


def test_the_recording_can_come_with_the_form_without_javascript(client, setup, private_storage):
    client.force_login(setup.assessor.user)
    data = helpers.discussion(setup)
    data["upload"] = SimpleUploadedFile("talk.wav", samples.wav(), content_type="audio/wav")
    response = client.post(url(setup), data, follow=True)
    assert "Professional discussion recorded and signed." in text(response)
    stored = ProfessionalDiscussion.objects.get().version.files.get()
    assert stored.original_name == "talk.wav" and stored.kind == "audio" and stored.uploaded_by == setup.assessor.user
    assert len(stored_objects(private_storage)) == 1


def test_an_uploaded_recording_is_kept_when_the_rest_of_the_form_needs_fixing(client, setup, private_storage):
    client.force_login(setup.assessor.user)
    data = helpers.discussion(setup, summary="")
    data["upload"] = SimpleUploadedFile("talk.wav", samples.wav(), content_type="audio/wav")
    page = text(client.post(url(setup), data))
    assert "Write a summary of the discussion." in page
    kept = StoredFile.objects.get()
    assert f'name="files" value="{kept.pk}"' in page and "Keep talk.wav" in page
    assert not ProfessionalDiscussion.objects.exists()
    response = client.post(url(setup), helpers.discussion(setup, files=[kept]), follow=True)
    assert "Professional discussion recorded and signed." in text(response)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"topic": ""}, "Say what the discussion was about."),
        ({"summary": ""}, "Write a summary of the discussion."),
        ({"criteria": []}, "Tick at least one criterion this record covers."),
        ({"signed_name": "A N Other"}, "Type your full name exactly as the centre has it"),
        ({"files": ["abc"]}, "A file in the list is not one you uploaded"),
    ],
)
def test_bad_discussion_input_gets_a_clear_message_and_stores_nothing(client, setup, overrides, message):
    audio = recording(setup)
    client.force_login(setup.assessor.user)
    data = helpers.discussion(setup, files=[audio])
    data.update(overrides)
    assert message in text(client.post(url(setup), data))
    assert not ProfessionalDiscussion.objects.exists() and not Evidence.objects.exists()


def test_a_discussion_needs_a_recording(client, setup):
    notes = stored_file(setup.centre, setup.assessor.user, b"%PDF-1.4 notes", "prompts.pdf")
    client.force_login(setup.assessor.user)
    for files in ([], [notes]):
        page = text(client.post(url(setup), helpers.discussion(setup, files=files)))
        assert "Add the recording of the discussion (an audio or video file)." in page
    assert not ProfessionalDiscussion.objects.exists() and not Evidence.objects.exists()


def test_someone_elses_upload_cannot_be_attached(client, setup):
    theirs = recording(setup, user=setup.learner.user)
    client.force_login(setup.assessor.user)
    page = text(client.post(url(setup), helpers.discussion(setup, files=[theirs])))
    assert "could not be found among your uploads" in page
    assert not ProfessionalDiscussion.objects.exists()


def test_a_file_that_is_not_allowed_is_refused_with_the_reason_and_not_stored(client, setup, private_storage):
    client.force_login(setup.assessor.user)
    data = helpers.discussion(setup)
    data["upload"] = SimpleUploadedFile("talk.wav", samples.exe(), content_type="audio/wav")
    page = text(client.post(url(setup), data))
    assert "talk.wav" in page and "Please correct the following" in page
    assert not StoredFile.objects.exists() and stored_objects(private_storage) == []
    assert not ProfessionalDiscussion.objects.exists()
