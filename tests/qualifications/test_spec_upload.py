"""Uploading a specification in the browser: Celery reads it, a person confirms the preview."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditEvent
from apps.qualifications.models import Qualification, SpecImport


def upload(client, name: str, content: bytes):
    return client.post("/catalogue/imports/", {"file": SimpleUploadedFile(name, content)}, follow=True)


def wait_until_finished(spec_import: SpecImport, timeout: float = 60) -> SpecImport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spec_import.refresh_from_db()
        if spec_import.status not in (SpecImport.Status.QUEUED, SpecImport.Status.RUNNING):
            return spec_import
        time.sleep(0.2)
    raise AssertionError(f"import still {spec_import.status} after {timeout} s")


def test_an_admin_uploads_a_specification_previews_it_and_applies_it(
    celery_worker, client, member, seed
):
    admin = member(is_admin=True)
    client.force_login(admin.user)
    text = seed("000_7e41e8b106032fbc.txt")
    response = upload(client, "000_7e41e8b106032fbc.txt", text.encode())
    spec_import = SpecImport.objects.get()
    assert response.redirect_chain[-1][0] == f"/catalogue/imports/{spec_import.pk}/"

    wait_until_finished(spec_import)
    page = client.get(f"/catalogue/imports/{spec_import.pk}/").content.decode()
    assert "Ready" in page
    assert "<td>39</td><td>143</td><td>713</td>" in page  # units, outcomes, criteria
    assert "New" in page and "Warnings for a person to review" in page
    assert not Qualification.objects.exists(), "nothing is applied before confirmation"

    response = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True)
    assert "600/1257/2 created (version 1): 39 units" in response.content.decode()
    assert Qualification.objects.get(number="600/1257/2").units.count() == 39
    assert {"catalogue.import_uploaded", "catalogue.import_applied"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    # Applying twice is refused clearly.
    response = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True)
    assert "only a ready preview can be applied" in response.content.decode()


def test_the_progress_fragment_polls_while_the_import_runs(client, member, db):
    admin = member(is_admin=True)
    client.force_login(admin.user)
    spec_import = SpecImport.objects.create(uploaded_by=admin.user, centre=admin.centre, filename="x.txt", text="x", sha256="0")
    fragment = client.get(f"/catalogue/imports/{spec_import.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment and "<html" not in fragment


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "The submitted file is empty."),
        ("spec.pdf", b"%PDF-1.7\n\xff\xfe\x00\x01binary", "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_specification_text_is_refused_at_once(client, member, name, content, message):
    client.force_login(member(is_admin=True).user)
    page = upload(client, name, content).content.decode()
    assert message in page
    assert not SpecImport.objects.exists()


def test_text_in_no_known_layout_fails_with_a_clear_message_and_changes_nothing(celery_worker, client, member):
    client.force_login(member(is_admin=True).user)
    upload(client, "minutes.txt", b"Minutes of the team meeting\n\nNothing about qualifications here.\n")
    spec_import = wait_until_finished(SpecImport.objects.get())
    page = client.get(f"/catalogue/imports/{spec_import.pk}/").content.decode()
    assert spec_import.status == SpecImport.Status.FAILED
    assert "not a specification layout Attest knows" in page
    assert "Apply to the catalogue" not in page
    assert not Qualification.objects.exists()


def test_only_admins_import_and_another_centres_import_is_404(client, member, db):
    from tests.factories import MembershipFactory

    assessor = member(is_assessor=True)
    client.force_login(assessor.user)
    assert client.get("/catalogue/imports/").status_code == 403
    elsewhere = MembershipFactory(is_admin=True)
    spec_import = SpecImport.objects.create(
        uploaded_by=elsewhere.user, centre=elsewhere.centre, filename="x.txt", text="x", sha256="0"
    )
    client.force_login(member(is_admin=True).user)
    assert client.get(f"/catalogue/imports/{spec_import.pk}/").status_code == 404
