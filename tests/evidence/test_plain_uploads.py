"""Files posted with an ordinary form (no JavaScript) are held to the size limit before their
bytes arrive: a body declared too large is refused unread, and a file that passes the limit
on the way in has none of its bytes kept."""

from __future__ import annotations

import http.client
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from apps.evidence.models import Evidence, StoredFile
from apps.records.models import ProfessionalDiscussion
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import stored_objects
from tests.records import helpers as records_forms

MiB = 1024 * 1024
GiB = 1024 * MiB


def evidence_form(**overrides) -> dict:
    from django.utils import timezone

    data = {"title": "Site visit", "evidence_date": timezone.localdate().isoformat(), "method": "work_product",
            "context": "real_work", "description": "", "text": ""}
    data.update(overrides)
    return data


@pytest.fixture
def form_temp_dir(settings, tmp_path) -> Path:
    """Where Django writes posted files while it reads them: watched to see nothing is kept."""
    directory = tmp_path / "form-uploads"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    return directory


def pdf_of(size: int) -> bytes:
    return samples.pdf() + b"%" + b"x" * max(0, size - len(samples.pdf()) - 1)


def test_a_form_declared_larger_than_the_limit_is_refused_unread_and_nothing_is_saved(
    client, people, private_storage, settings, form_temp_dir
):
    settings.ATTEST_MAX_UPLOAD_BYTES = 1000
    client.force_login(people.learner.user)
    response = client.post(
        f"/portfolio/enrolments/{people.enrolment.pk}/evidence/new/",
        evidence_form(upload=SimpleUploadedFile("film.pdf", pdf_of(3 * MiB))),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent adds up to 3.0\u00a0MB, over the limit of 1000\u00a0bytes for one file. Nothing was saved." in page
    assert f'href="/portfolio/enrolments/{people.enrolment.pk}/evidence/new/"' in page  # back to the form
    assert Evidence.objects.count() == 0 and StoredFile.objects.count() == 0
    assert stored_objects(private_storage) == [] and list(form_temp_dir.iterdir()) == []


def test_a_file_that_passes_the_limit_on_the_way_in_is_refused_and_none_of_it_kept(
    client, people, private_storage, settings, form_temp_dir
):
    settings.ATTEST_MAX_UPLOAD_BYTES = 200 * 1024
    client.force_login(people.learner.user)
    response = client.post(
        f"/portfolio/enrolments/{people.enrolment.pk}/evidence/new/",
        evidence_form(upload=[SimpleUploadedFile("Plan.pdf", samples.pdf()),
                              SimpleUploadedFile("Scan.pdf", pdf_of(600 * 1024))]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "“Scan.pdf” is over the limit of 200.0\u00a0KB for one file." in page
    assert Evidence.objects.count() == 0
    # The file within the limit is kept for the form (as the uploader keeps its own), the other not at all.
    assert list(StoredFile.objects.values_list("original_name", flat=True)) == ["Plan.pdf"]
    assert "Keep Plan.pdf" in page and 'value="Site visit"' in page
    assert list(form_temp_dir.iterdir()) == []


def test_a_professional_discussion_form_is_held_to_the_limit_too(client, people, private_storage, settings,
                                                                 form_temp_dir):
    settings.ATTEST_MAX_UPLOAD_BYTES = 200 * 1024
    client.force_login(people.assessor.user)
    url = f"/records/enrolments/{people.enrolment.pk}/discussion/new/"
    form = records_forms.discussion(SimpleNamespace(enrolment=people.enrolment, assessor=people.assessor))
    declared = client.post(url, form | {"upload": SimpleUploadedFile("talk.wav", samples.wav(seconds=80))})
    assert declared.status_code == 413 and "over the limit of 200.0\u00a0KB" in declared.content.decode()
    passed = client.post(url, form | {"upload": SimpleUploadedFile("talk.wav", samples.wav(seconds=20))})
    assert "“talk.wav” is over the limit of 200.0\u00a0KB for one file." in passed.content.decode()
    assert ProfessionalDiscussion.objects.count() == 0 and StoredFile.objects.count() == 0
    assert list(form_temp_dir.iterdir()) == []
    kept = client.post(url, form | {"upload": SimpleUploadedFile("talk.wav", samples.wav(seconds=1))})
    assert kept.status_code == 302 and ProfessionalDiscussion.objects.count() == 1


def test_the_check_against_forged_requests_still_runs_on_these_forms(people, private_storage):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.learner.user)
    url = f"/portfolio/enrolments/{people.enrolment.pk}/evidence/new/"
    assert browser.post(url, evidence_form(text="I did it.")).status_code == 403
    token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = token
    assert browser.post(url, evidence_form(text="I did it.", csrfmiddlewaretoken=token)).status_code == 302
    assert Evidence.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_multi_gigabyte_post_is_answered_before_its_bytes_arrive(live_server, people, private_storage, settings,
                                                                   form_temp_dir):
    """A browser without JavaScript posting a 6 GB film: the answer comes after the first megabyte."""
    browser = Client()
    browser.force_login(people.learner.user)
    token = _get_new_csrf_string()
    host, port = live_server.url.removeprefix("http://").split(":")
    boundary = "----AttestBoundary7MA4YWxkTrZu0gW"
    opening = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nFilm of the site visit\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"visit.mp4\"\r\n"
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    declared = 6 * GiB
    tmp_before = shutil.disk_usage("/tmp").used
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            (
                f"POST /portfolio/enrolments/{people.enrolment.pk}/evidence/new/ HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {declared}\r\n"
                f"Cookie: sessionid={browser.cookies['sessionid'].value}; csrftoken={token}\r\n\r\n"
            ).encode()
            + opening
            + samples.mp4()
            + b"\x00" * MiB  # the first megabyte of the film; the other 6 GB are never sent
        )
        answer = http.client.HTTPResponse(raw)
        answer.begin()
        page = answer.read().decode()
    assert answer.status == 413
    assert "What you sent adds up to 6.0\u00a0GB, over the limit of 2.0\u00a0GB for one file. Nothing was saved." in page
    assert time.monotonic() - started < 20
    assert Evidence.objects.count() == 0 and StoredFile.objects.count() == 0
    assert list(form_temp_dir.iterdir()) == [] and stored_objects(private_storage) == []
    assert shutil.disk_usage("/tmp").used - tmp_before < 512 * MiB  # others may write to /tmp; never gigabytes
