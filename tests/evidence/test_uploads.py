"""Resumable uploads (tus 1.0.0): large files arrive in chunks, survive interruptions, and are refused clearly."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.test import Client
from django.utils import timezone

from apps.evidence.models import StoredFile, Upload
from apps.evidence.storage import CHUNK
from apps.evidence.tasks import expire_uploads
from apps.evidence.uploads import temp_path
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import DroppedConnection, Tus, stored_objects, temp_files

MiB = 1024 * 1024


def video(size: int) -> bytes:
    """An MP4 of about `size` bytes (its media data is filler)."""
    head = samples.mp4()
    return head + b"\x00\x00\x00\x08free" + b"\x00" * max(0, size - len(head) - 8)


def error_of(response) -> str:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["error"]


def nothing_stored(settings, media: Path) -> bool:
    return StoredFile.objects.count() == 0 and stored_objects(media) == [] and temp_files(settings) == []


# --- The protocol -------------------------------------------------------------------------


def test_the_server_says_what_it_supports(tus, settings):
    settings.ATTEST_MAX_UPLOAD_BYTES = 5 * MiB
    response = tus.client.options("/files/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert response["Tus-Max-Size"] == str(5 * MiB)


def test_creating_an_upload_gives_its_address_and_an_empty_temporary_file(tus, people):
    response = tus.create("Site visit – Zoë.mp4", 3 * MiB)
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    upload = Upload.objects.get()
    assert response["Location"] == f"/files/uploads/{upload.pk}/"
    assert (upload.filename, upload.length, upload.offset) == ("Site visit – Zoë.mp4", 3 * MiB, 0)
    assert upload.user == people.learner.user and upload.centre == people.centre
    assert temp_path(upload).read_bytes() == b""
    assert upload.expires_at - timezone.now() > timedelta(hours=23)
    assert "Upload-Expires" in response


def test_a_file_sent_in_chunks_with_an_interruption_resumes_and_arrives_whole(tus, settings, private_storage):
    data = video(5 * MiB + 12345)
    url = tus.create("Site visit.mp4", len(data))["Location"]

    first = tus.patch(url, 0, data[:2 * MiB])
    assert first.status_code == 204 and first["Upload-Offset"] == str(2 * MiB)

    # The connection drops 700 KiB into the next chunk: what arrived is kept.
    arrived = 700 * 1024
    chunk = data[2 * MiB:4 * MiB]
    tus.patch(url, 2 * MiB, chunk[:arrived], **{"wsgi.input": DroppedConnection(chunk[:arrived]), "CONTENT_LENGTH": str(len(chunk))})

    head = tus.head(url)
    assert head.status_code == 200
    assert head["Upload-Offset"] == str(2 * MiB + arrived) and head["Upload-Length"] == str(len(data))
    assert head["Cache-Control"] == "no-store"
    assert StoredFile.objects.count() == 0

    # The client resumes where the server says it got to, not from the start.
    offset = int(head["Upload-Offset"])
    middle = tus.patch(url, offset, data[offset:4 * MiB])
    assert middle.status_code == 204 and middle["Upload-Offset"] == str(4 * MiB)
    last = tus.patch(url, 4 * MiB, data[4 * MiB:])
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(data))

    stored = StoredFile.objects.get()
    assert last["Attest-File-Id"] == str(stored.pk)
    assert last["Attest-File-Sha256"] == stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.original_name, stored.size, stored.kind) == ("Site visit.mp4", len(data), "video")
    assert (private_storage / stored.key).read_bytes() == data
    assert temp_files(settings) == []
    # A client that lost the last answer asks again and learns the same file.
    again = tus.head(url)
    assert again["Upload-Offset"] == str(len(data)) and again["Attest-File-Id"] == str(stored.pk)


def test_a_chunk_is_written_in_pieces_never_read_whole(tus):
    data = video(4 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]

    class Spy(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            Spy.largest = max(Spy.largest, size)
            return super().read(size)

    response = tus.patch(url, 0, data, **{"wsgi.input": Spy(data)})
    assert response.status_code == 204
    assert 0 < Spy.largest <= CHUNK


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_right_one(tus):
    url = tus.create("clip.mp4", 2 * MiB)["Location"]
    tus.patch(url, 0, b"\x00" * 1000)
    response = tus.patch(url, 0, b"\x00" * 1000)
    assert response.status_code == 409
    assert response["Upload-Offset"] == "1000"
    assert error_of(response) == "The upload is at byte 1000, not 0."


def test_a_chunk_with_the_wrong_content_type_is_refused(tus):
    url = tus.create("clip.mp4", 2 * MiB)["Location"]
    response = tus.patch(url, 0, b"\x00" * 10, content_type="application/octet-stream")
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_more_bytes_than_the_declared_size_are_refused(tus):
    url = tus.create("clip.mp4", 10)["Location"]
    response = tus.patch(url, 0, b"\x00" * 11)
    assert response.status_code == 400
    assert error_of(response) == "More bytes were sent than the file's size."
    assert Upload.objects.get().offset == 0


def test_a_client_that_does_not_speak_tus_1_is_told_which_version_to_use(tus):
    response = tus.create("clip.mp4", 10, **{"Tus-Resumable": "0.2.2"})
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"
    assert Upload.objects.count() == 0


def test_while_another_request_is_writing_the_client_is_told_to_wait(tus):
    import fcntl

    url = tus.create("clip.mp4", 2 * MiB)["Location"]
    with open(temp_path(Upload.objects.get()), "r+b") as busy:
        fcntl.flock(busy, fcntl.LOCK_EX)  # as a PATCH still reading a dropped connection holds it
        head, patch = tus.head(url), tus.patch(url, 0, b"\x00" * 10)
    assert (head.status_code, patch.status_code) == (423, 423)  # tus clients retry 423 after a pause
    assert head.content == b""
    assert tus.head(url).status_code == 200


def test_an_abandoned_upload_is_deleted_with_its_bytes(tus, settings):
    url = tus.create("clip.mp4", 2 * MiB)["Location"]
    tus.patch(url, 0, b"\x00" * 1000)
    assert tus.delete(url).status_code == 204
    assert Upload.objects.count() == 0 and temp_files(settings) == []
    assert tus.head(url).status_code == 404


# --- Refused up front: nothing is created ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "length", "status", "message"),
    [
        ("../report.pdf", 100, 400, "contains a folder path"),
        ("C:\\fakepath\\report.pdf", 100, 400, "contains a folder path"),
        ("..report.pdf", 100, 400, "contains “..”"),
        ("report\x07.pdf", 100, 400, "contains control characters"),
        ("", 100, 400, "The file has no name."),
        ("report.pdf", 0, 400, "“report.pdf” is empty (0 bytes). Choose a file that has something in it."),
        ("film.mp4", 3 * 1024**3, 413, "“film.mp4” is 3.0\u00a0GB, which is over the limit of 2.0\u00a0GB for one file."),
    ],
)
def test_a_bad_name_an_empty_file_or_one_over_the_limit_is_refused_before_any_byte_is_sent(
    tus, settings, private_storage, name, length, status, message
):
    response = tus.create(name, length)
    assert response.status_code == status
    assert message in error_of(response)
    assert Upload.objects.count() == 0 and nothing_stored(settings, private_storage)


def test_an_upload_that_does_not_say_its_size_is_refused(tus, settings):
    assert tus.create("a.pdf", 10, **{"Upload-Length": None}).status_code == 400
    deferred = tus.create("a.pdf", 10, **{"Upload-Length": None, "Upload-Defer-Length": "1"})
    assert deferred.status_code == 400 and error_of(deferred) == "Uploads must say their size when they start."
    unreadable = tus.create("a.pdf", 10, **{"Upload-Metadata": "filename %%%not-base64"})
    assert unreadable.status_code == 400
    assert error_of(unreadable) == "The file's details (its name and type) could not be read."
    assert Upload.objects.count() == 0 and temp_files(settings) == []


# --- Refused when complete: nothing is kept ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", samples.png(), "“report.pdf” is named as a .pdf file, but its content is a PNG image."),
        ("setup.mp4", samples.exe(), "“setup.mp4” is a file of type EXE"),
        ("noise.mp3", bytes(range(256)) * 64, "could not be recognised from its content"),
        ("portfolio.zip", samples.plain_zip(), "is a ZIP archive, which cannot be used as evidence"),
    ],
)
def test_a_completed_file_that_is_not_allowed_is_refused_and_nothing_is_kept(
    tus, settings, private_storage, name, data, message
):
    url = tus.create(name, len(data))["Location"]
    response = None
    for start in range(0, len(data), 4096):
        response = tus.patch(url, start, data[start:start + 4096])
    assert response.status_code == 422
    assert message in error_of(response)
    assert "Attest-File-Id" not in response
    assert nothing_stored(settings, private_storage)
    # No tracking row is left behind: asking again later finds the upload gone.
    assert Upload.objects.count() == 0
    assert tus.head(url).status_code == 404
    assert tus.patch(url, len(data), b"x").status_code == 404


def test_a_file_over_a_lowered_limit_is_refused_when_it_completes(tus, settings, private_storage):
    data = samples.pdf() + b"\x00" * 2000
    created = tus.create("long.pdf", len(data))
    settings.ATTEST_MAX_UPLOAD_BYTES = 1000  # the limit changed while it was on its way
    response = tus.patch(created["Location"], 0, data)
    assert response.status_code == 422 and "over the limit" in error_of(response)
    assert nothing_stored(settings, private_storage)


# --- Who may touch an upload ---------------------------------------------------------------------


@pytest.fixture
def someone_elses_upload(client, people, private_storage):
    client.force_login(people.other_learner.user)
    url = Tus(client).create("mine.pdf", 100)["Location"]
    client.logout()
    return url


@pytest.mark.parametrize("who", ["learner", "assessor", "admin"])
def test_only_the_member_who_started_an_upload_can_touch_it(client, people, someone_elses_upload, who):
    client.force_login(getattr(people, who).user)
    tus = Tus(client)
    assert tus.head(someone_elses_upload).status_code == 404
    assert tus.patch(someone_elses_upload, 0, b"x" * 10).status_code == 404
    assert tus.delete(someone_elses_upload).status_code == 404
    assert Upload.objects.get().offset == 0


def test_a_member_of_another_centre_cannot_touch_it(client, people, someone_elses_upload):
    client.force_login(people.outsider.user)
    assert Tus(client).head(someone_elses_upload).status_code == 404


def test_people_signed_out_or_without_a_role_that_uploads_are_refused(client, people, private_storage):
    response = Tus(client).create("a.pdf", 10)
    assert response.status_code == 403
    assert error_of(response) == "You are not signed in any more. Sign in again, then add the file again."
    for who in (people.eqa, people.expired_eqa, people.iqa):
        client.force_login(who.user)
        response = Tus(client).create("a.pdf", 10)
        assert response.status_code == 403 and "does not allow uploading files" in error_of(response)
    assert Upload.objects.count() == 0


@pytest.mark.parametrize("who", ["learner", "assessor", "admin"])
def test_learners_assessors_and_admins_can_upload(client, people, private_storage, who):
    client.force_login(getattr(people, who).user)
    assert Tus(client).create("a.pdf", 10).status_code == 201


def test_csrf_protection_stays_on_and_the_token_travels_in_a_header(people, private_storage):
    from django.middleware.csrf import _get_new_csrf_string

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.learner.user)
    tus = Tus(client)
    assert tus.create("a.pdf", 10).status_code == 403
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    created = tus.create("a.pdf", len(samples.pdf()), **{"X-CSRFToken": token})
    assert created.status_code == 201
    assert tus.patch(created["Location"], 0, samples.pdf()).status_code == 403
    done = tus.patch(created["Location"], 0, samples.pdf(), headers={"X-CSRFToken": token})
    assert done.status_code == 204 and done["Attest-File-Id"]


# --- Expiry -------------------------------------------------------------------------------------


def test_uploads_untouched_for_a_day_are_deleted_with_their_bytes(tus, settings):
    old = tus.create("old.mp4", 2 * MiB)["Location"]
    tus.patch(old, 0, b"\x00" * 1000)
    fresh = tus.create("fresh.mp4", 2 * MiB)["Location"]
    Upload.objects.filter(filename="old.mp4").update(expires_at=timezone.now() - timedelta(minutes=1))
    stray = Path(settings.ATTEST_UPLOAD_TEMP_DIR) / "0123abcd-0000-4000-8000-000000000000.part"
    stray.write_bytes(b"left by a crash")
    day_ago = time.time() - 25 * 3600
    os.utime(stray, (day_ago, day_ago))

    assert expire_uploads() == 2
    assert list(Upload.objects.values_list("filename", flat=True)) == ["fresh.mp4"]
    assert [p.name for p in temp_files(settings)] == [f"{Upload.objects.get().pk}.part"]
    assert tus.head(old).status_code == 404
    assert tus.head(fresh).status_code == 200


def test_sending_bytes_keeps_an_upload_alive(tus):
    url = tus.create("slow.mp4", 2 * MiB)["Location"]
    Upload.objects.update(expires_at=timezone.now() + timedelta(minutes=5))
    tus.patch(url, 0, b"\x00" * 1000)
    assert Upload.objects.get().expires_at > timezone.now() + timedelta(hours=23)


# --- A real connection dropped halfway ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_connection_dropped_mid_chunk_keeps_what_arrived(live_server, people, private_storage):
    from django.middleware.csrf import _get_new_csrf_string

    browser = Client()
    browser.force_login(people.learner.user)
    token = _get_new_csrf_string()
    session = requests.Session()
    session.cookies.set("sessionid", browser.cookies["sessionid"].value)
    session.cookies.set("csrftoken", token)
    session.headers.update({"Tus-Resumable": "1.0.0", "X-CSRFToken": token})
    data = video(3 * MiB)
    created = session.post(
        live_server.url + "/files/uploads/",
        headers={"Upload-Length": str(len(data)), "Upload-Metadata": Tus.metadata(filename="Observation.mp4")},
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]

    # Send headers for the whole file but only 1 MiB of it, then hang up.
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            (
                f"PATCH {url} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(data)}\r\n"
                f"X-CSRFToken: {token}\r\nCookie: sessionid={browser.cookies['sessionid'].value}; csrftoken={token}\r\n\r\n"
            ).encode()
            + data[:MiB]
        )
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    offset = None
    while time.monotonic() < deadline:
        head = session.head(live_server.url + url)
        if head.status_code == 200:  # 423 while the server is still reading the dropped request
            offset = int(head.headers["Upload-Offset"])
            break
        assert head.status_code == 423
        time.sleep(0.1)
    assert offset == MiB

    done = session.patch(live_server.url + url, data=data[offset:], headers={
        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
    assert done.status_code == 204, done.text
    stored = StoredFile.objects.get()
    assert done.headers["Attest-File-Sha256"] == stored.sha256 == hashlib.sha256(data).hexdigest()


# --- Written once, hashed as it arrives, made durable once ------------------------------------------


def test_the_running_hash_travels_in_the_row_and_the_file_is_never_read_again_to_hash_it(tus, monkeypatch):
    from apps.evidence import uploads

    data = video(9 * MiB + 17)  # hashed by the writer's thread, a 4 MiB buffer at a time
    url = tus.create("clip.mp4", len(data))["Location"]
    tus.patch(url, 0, data[:5 * MiB + 5])
    state = bytes(Upload.objects.get().hash_state)
    assert uploads.Sha256.deserialize(state).hexdigest() == hashlib.sha256(data[:5 * MiB + 5]).hexdigest()

    def no_second_read(handle):
        raise AssertionError("the finished file was read again to hash it")

    monkeypatch.setattr(uploads, "_hash_once", no_second_read)
    last = tus.patch(url, 5 * MiB + 5, data[5 * MiB + 5:])
    assert last["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()


def test_the_finished_file_is_moved_into_place_not_copied(tus, settings, private_storage, monkeypatch):
    from apps.evidence import storage

    data = video(2 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]
    tus.patch(url, 0, data[:MiB])
    written = os.stat(temp_path(Upload.objects.get())).st_ino

    def no_copy(**kwargs):
        raise AssertionError("the upload was copied into storage")

    monkeypatch.setattr(storage, "store", no_copy)
    assert tus.patch(url, MiB, data[MiB:]).status_code == 204
    stored = StoredFile.objects.get()
    kept = private_storage / stored.key
    assert os.stat(kept).st_ino == written and os.stat(kept).st_nlink == 1  # the same bytes, one name
    assert kept.read_bytes() == data and temp_files(settings) == []


def test_the_file_is_made_durable_once_when_complete_never_per_chunk(tus, monkeypatch):
    import stat

    tus.upload("first.mp4", video(MiB))  # the storage folders exist from now on
    synced = []
    real_fsync = os.fsync

    def fsync(descriptor):
        synced.append("folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    data = video(5 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]
    for start in range(0, 4 * MiB, MiB):
        tus.patch(url, start, data[start:start + MiB])
    assert synced == []
    assert tus.patch(url, 4 * MiB, data[4 * MiB:]).status_code == 204
    assert synced == ["file", "folder"]


def test_bytes_lost_with_the_machine_are_asked_for_again_and_the_file_is_hashed_once(tus, private_storage):
    data = video(3 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]
    tus.patch(url, 0, data[:2 * MiB])
    # The machine went down before the kernel wrote the last of them: the file is shorter than acknowledged.
    os.truncate(temp_path(Upload.objects.get()), MiB + 10)

    head = tus.head(url)
    assert head.status_code == 200 and head["Upload-Offset"] == str(MiB + 10)
    assert Upload.objects.get().hash_state is None  # it covered bytes that are gone
    last = tus.patch(url, MiB + 10, data[MiB + 10:])
    assert last["Attest-File-Sha256"] == StoredFile.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert (private_storage / StoredFile.objects.get().key).read_bytes() == data


def test_uploads_collected_on_another_filesystem_are_copied_into_storage(tus, private_storage, monkeypatch):
    import errno

    def across_filesystems(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", across_filesystems)
    data = video(2 * MiB)
    last = tus.upload("clip.mp4", data)
    assert last.status_code == 204 and last["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()
    assert (private_storage / StoredFile.objects.get().key).read_bytes() == data


def test_a_chunk_costs_a_fixed_number_of_queries_whatever_its_size(tus):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = video(8 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]
    counts = []
    for start, end in [(0, 1000), (1000, MiB), (MiB, 5 * MiB)]:
        with CaptureQueriesContext(connection) as queries:
            assert tus.patch(url, start, data[start:end]).status_code == 204
        counts.append(len(queries))
    # The session, the person, their membership, the upload; then its offset and hash recorded.
    assert counts == [5, 5, 5]


def test_chunks_ending_anywhere_in_a_disk_block_arrive_whole(tus, private_storage):
    # Bytes go to disk in whole blocks (O_DIRECT): a chunk that ends mid-block is padded, cut back,
    # and read back by the next one.
    data = video(13 * MiB + 4097)  # several of the writer's 4 MiB buffers, some written while the next fills
    url = tus.create("clip.mp4", len(data))["Location"]
    offset = 0
    for size in [1000, 5000, 4096, 9 * MiB + 3, 1, 4 * MiB]:
        response = tus.patch(url, offset, data[offset:offset + size])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
        if offset < len(data):
            assert temp_path(Upload.objects.get()).read_bytes() == data[:offset]
    assert offset == len(data)
    assert (private_storage / StoredFile.objects.get().key).read_bytes() == data


@pytest.mark.parametrize("refused", ["at open", "at the first write"])
def test_where_the_filesystem_refuses_direct_writes_the_bytes_go_through_the_page_cache(
    tus, private_storage, monkeypatch, refused
):
    import errno

    real_open, real_pwrite = os.open, os.pwrite

    def open_(path, flags, *args, **kwargs):
        if flags & os.O_DIRECT and refused == "at open":
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args, **kwargs)

    def pwrite(descriptor, data, position):
        if refused == "at the first write":
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(descriptor, data, position)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "pwrite", pwrite)
    data = video(11 * MiB + 5)
    last = tus.upload("clip.mp4", data, chunk=5 * MiB + 1000)
    assert last.status_code == 204 and last["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()
    assert (private_storage / StoredFile.objects.get().key).read_bytes() == data


def test_the_saved_hash_state_goes_on_where_it_stopped_whatever_the_pieces():
    import mmap
    import random

    from apps.evidence.uploads import Sha256

    data = random.Random(10).randbytes(300_000)
    for cuts in ([], [1], [63, 64, 65], [4096, 100_000], sorted(random.Random(11).sample(range(len(data)), 7))):
        hasher, start = Sha256(), 0
        for cut in [*cuts, len(data)]:
            buffer = mmap.mmap(-1, max(1, cut - start))
            buffer[: cut - start] = data[start:cut]
            hasher = Sha256.deserialize(hasher.serialize())  # as the next request, on any node, takes it up
            hasher.update(buffer, 0, cut - start)
            buffer.close()
            start = cut
        assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()
    with pytest.raises(ValueError):
        Sha256.deserialize(b"something else entirely")


def test_without_libcrypto_s_sha256_the_finished_file_is_hashed_by_reading_it(tus, monkeypatch):
    from apps.evidence.uploads import Sha256

    monkeypatch.setattr(Sha256, "_checked", False)
    data = video(6 * MiB)
    url = tus.create("clip.mp4", len(data))["Location"]
    tus.patch(url, 0, data[:5 * MiB])
    assert Upload.objects.get().hash_state is None
    last = tus.patch(url, 5 * MiB, data[5 * MiB:])
    assert last["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()
