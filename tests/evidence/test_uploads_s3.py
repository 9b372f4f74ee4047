"""Resumable uploads on S3-compatible storage (moto's server mode): the chunks go into an S3
multipart upload whose state (upload id, parts' ETags, the bytes short of a part, the running
hash) lives in the upload's row, so no chunk depends on the disk of the node that took the last.

Two real web processes with disks of their own, alternating the chunks of one upload, are in
`test_uploads_nodes.py`."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.evidence import uploads
from apps.evidence.models import StoredFile, Upload
from apps.evidence.tasks import expire_uploads
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import DroppedConnection, Tus
from tests.evidence.scanner import *  # noqa: F403
from tests.evidence.scanner import EICAR

MiB = 1024 * 1024
PART = 5 * MiB


def video(size: int) -> bytes:
    """An MP4 of `size` bytes whose media data is not all alike (so misplaced bytes would show)."""
    head = samples.mp4()
    filler = hashlib.sha256(b"attest").digest() * (size // 32 + 1)
    return head + b"\x00\x00\x00\x08free" + filler[: size - len(head) - 8]


@pytest.fixture
def s3_tus(client, people, s3_server, settings, tmp_path) -> Tus:
    settings.ATTEST_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.ATTEST_UPLOAD_PART_BYTES = PART
    client.force_login(people.learner.user)
    return Tus(client)


def in_progress(s3_server) -> list[dict]:
    return s3_server.client.list_multipart_uploads(Bucket=s3_server.bucket).get("Uploads", [])


def send(tus: Tus, url: str, data: bytes, sizes: list[int], start: int = 0):
    """Send data[start:] in chunks of the given sizes (the last size repeats); the last answer."""
    offset, response, index = start, None, 0
    while offset < len(data):
        size = sizes[min(index, len(sizes) - 1)]
        response = tus.patch(url, offset, data[offset:offset + size])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
        index += 1
    return response


@pytest.mark.parametrize(
    "sizes",
    [[8 * MiB], [PART], [1 * MiB], [3 * MiB, 700 * 1024, 6 * MiB, 4 * MiB], [12 * MiB, 2 * MiB]],
    ids=["browser chunks", "one part each", "small chunks", "uneven chunks", "chunks over a part"],
)
def test_chunks_of_any_size_arrive_as_one_object_with_its_sha256(s3_tus, s3_server, settings, sizes):
    data = video(17 * MiB + 4321)
    url = s3_tus.create("Site visit.mp4", len(data))["Location"]
    last = send(s3_tus, url, data, sizes)

    stored = StoredFile.objects.get()
    assert last["Attest-File-Id"] == str(stored.pk)
    assert last["Attest-File-Sha256"] == stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.size, stored.kind, stored.content_type) == (len(data), "video", "video/mp4")
    assert s3_server.client.get_object(Bucket=s3_server.bucket, Key=stored.key)["Body"].read() == data
    # Nothing else in the bucket (no waiting bytes), no multipart upload left open, nothing on this disk.
    assert s3_server.keys() == [stored.key]
    assert in_progress(s3_server) == []
    assert not Path(settings.ATTEST_UPLOAD_TEMP_DIR).exists()
    upload = Upload.objects.get()
    assert [p["Size"] for p in upload.parts] == [PART, PART, PART, len(data) - 3 * PART]
    assert all(p["ETag"] for p in upload.parts) and upload.multipart_id and upload.tail_key == ""


def test_between_chunks_the_row_holds_the_parts_the_waiting_bytes_and_the_running_hash(s3_tus, s3_server):
    data = video(12 * MiB)
    url = s3_tus.create("clip.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:7 * MiB])

    upload = Upload.objects.get()
    assert upload.offset == 7 * MiB
    assert [p["PartNumber"] for p in upload.parts] == [1] and upload.parts[0]["Size"] == PART
    assert upload.multipart_key in {u["Key"] for u in in_progress(s3_server)}
    # The 2 MiB past the part wait in an object of their own.
    assert s3_server.client.get_object(Bucket=s3_server.bucket, Key=upload.tail_key)["Body"].read() == data[PART:7 * MiB]
    # The hash state is the SHA-256 of exactly the bytes taken, ready to go on on any node.
    assert uploads.Sha256.deserialize(bytes(upload.hash_state)).hexdigest() == hashlib.sha256(data[:7 * MiB]).hexdigest()
    assert upload.locked_until is None  # the request let go of it

    s3_tus.patch(url, 7 * MiB, data[7 * MiB:])
    assert StoredFile.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_chunk_cut_short_keeps_what_arrived_and_the_client_resumes(s3_tus, s3_server):
    data = video(11 * MiB)
    url = s3_tus.create("clip.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:2 * MiB])

    arrived = 4 * MiB + 123  # across the end of the first part
    chunk = data[2 * MiB:10 * MiB]
    s3_tus.patch(url, 2 * MiB, chunk[:arrived],
                 **{"wsgi.input": DroppedConnection(chunk[:arrived]), "CONTENT_LENGTH": str(len(chunk))})
    head = s3_tus.head(url)
    assert head.status_code == 200 and head["Upload-Offset"] == str(2 * MiB + arrived)

    send(s3_tus, url, data, [8 * MiB], start=2 * MiB + arrived)
    assert StoredFile.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert s3_server.keys() == [StoredFile.objects.get().key]


def test_while_another_request_holds_the_upload_the_client_is_told_to_wait(s3_tus):
    url = s3_tus.create("clip.mp4", 6 * MiB)["Location"]
    Upload.objects.update(locked_until=timezone.now() + timedelta(seconds=20))  # as a request on another node
    head, patch = s3_tus.head(url), s3_tus.patch(url, 0, b"\x00" * 10)
    assert (head.status_code, patch.status_code) == (423, 423)
    assert Upload.objects.get().offset == 0
    # A node that died holding it: its lease lapses and the upload carries on.
    Upload.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert s3_tus.head(url).status_code == 200
    assert s3_tus.patch(url, 0, b"\x00" * 10).status_code == 204


def test_waiting_bytes_that_were_lost_are_asked_for_again_and_the_file_is_hashed_once_complete(s3_tus, s3_server):
    data = video(9 * MiB)
    url = s3_tus.create("clip.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:7 * MiB])
    s3_server.client.delete_object(Bucket=s3_server.bucket, Key=Upload.objects.get().tail_key)

    lost = s3_tus.patch(url, 7 * MiB, data[7 * MiB:])
    assert lost.status_code == 409 and lost["Upload-Offset"] == str(PART)
    assert "carries on from byte" in json.loads(lost.content)["error"]
    assert Upload.objects.get().hash_state is None  # it covered bytes that are gone

    done = send(s3_tus, url, data, [8 * MiB], start=PART)
    assert done["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()


def test_a_refused_file_leaves_nothing_in_the_bucket(s3_tus, s3_server):
    data = samples.exe() + b"\x00" * (6 * MiB)
    url = s3_tus.create("setup.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:3 * MiB])
    response = s3_tus.patch(url, 3 * MiB, data[3 * MiB:])
    assert response.status_code == 422 and "is a file of type EXE" in json.loads(response.content)["error"]
    assert StoredFile.objects.count() == 0 and Upload.objects.count() == 0
    assert s3_server.keys() == [] and in_progress(s3_server) == []


def test_an_abandoned_upload_is_aborted_with_its_parts_and_waiting_bytes(s3_tus, s3_server):
    data = video(8 * MiB)
    url = s3_tus.create("clip.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:6 * MiB])
    assert in_progress(s3_server) and s3_server.keys()
    assert s3_tus.delete(url).status_code == 204
    assert Upload.objects.count() == 0 and s3_server.keys() == [] and in_progress(s3_server) == []


def test_uploads_untouched_for_a_day_and_what_dead_nodes_left_are_swept(s3_tus, s3_server, monkeypatch):
    data = video(8 * MiB)
    old = s3_tus.create("old.mp4", len(data))["Location"]
    s3_tus.patch(old, 0, data[:6 * MiB])
    Upload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    fresh = s3_tus.create("fresh.mp4", len(data))["Location"]
    s3_tus.patch(fresh, 0, data[:6 * MiB])
    # A node died after starting a multipart upload, before its row named it; another left waiting bytes.
    s3_server.client.create_multipart_upload(Bucket=s3_server.bucket, Key="evidence/1/orphan")
    s3_server.client.put_object(Bucket=s3_server.bucket, Key="uploads/gone/tail", Body=b"x")

    expire_uploads()
    upload = Upload.objects.get()
    assert upload.filename == "fresh.mp4"
    assert s3_tus.head(old).status_code == 404 and s3_tus.head(fresh).status_code == 200
    # moto dates every multipart upload 2010, so the orphan is long due; the fresh one is known and stays.
    assert [u["UploadId"] for u in in_progress(s3_server)] == [upload.multipart_id]
    assert set(s3_server.keys()) == {upload.tail_key, "uploads/gone/tail"}  # written just now: a day's grace

    monkeypatch.setattr(uploads, "UPLOAD_LIFETIME", timedelta(seconds=-60))  # as if a day has passed
    assert expire_uploads() == 1
    assert s3_server.keys() == [upload.tail_key] and len(in_progress(s3_server)) == 1
    assert s3_tus.head(fresh).status_code == 200


def test_a_chunk_costs_the_same_queries_whether_it_fills_a_part_or_not(s3_tus):
    data = video(20 * MiB)
    url = s3_tus.create("clip.mp4", len(data))["Location"]
    s3_tus.patch(url, 0, data[:MiB])  # the multipart upload is started
    counts = []
    for start, end in [(MiB, 2 * MiB), (2 * MiB, 6 * MiB), (6 * MiB, 7 * MiB), (7 * MiB, 11 * MiB)]:
        with CaptureQueriesContext(connection) as queries:
            assert s3_tus.patch(url, start, data[start:end]).status_code == 204
        counts.append(len(queries))
    # Claiming and reading the row, recording the bytes, letting go; a part filled adds one record.
    assert counts[0] == counts[2] and counts[1] == counts[3] == counts[0] + 1, counts


def test_checking_a_completed_video_reads_only_its_first_boxes_from_the_bucket(s3_tus, monkeypatch):
    from apps.evidence import storage

    fetched = []
    real = storage._ObjectReader.readinto

    def counting(self, buffer):
        got = real(self, buffer)
        fetched.append(got)
        return got

    monkeypatch.setattr(storage._ObjectReader, "readinto", counting)
    data = video(17 * MiB)
    url = s3_tus.create("Site visit.mp4", len(data))["Location"]
    assert send(s3_tus, url, data, [8 * MiB])["Attest-File-Sha256"] == hashlib.sha256(data).hexdigest()
    assert 0 < sum(fetched) <= 256 * 1024  # the boxes that say it is a video; the hash came with the chunks


def test_a_virus_in_a_multipart_upload_is_found_by_the_scanner_and_nothing_is_kept(
    clamd_server, scanning_with, s3_tus, s3_server
):
    scanning_with(clamd_server)
    ordinary = b"a line of an ordinary log\n" * 300_000  # 7.4 MiB of text: the virus is in the second part
    data = ordinary + EICAR + b"\n"
    url = s3_tus.create("log.txt", len(data))["Location"]
    response, offset = None, 0
    while offset < len(data):
        response = s3_tus.patch(url, offset, data[offset:offset + 3 * MiB])
        if response.status_code != 204:
            break
        offset = int(response["Upload-Offset"])
    assert response.status_code == 422
    assert "contains a virus (Eicar-Test-Signature)" in json.loads(response.content)["error"]
    assert StoredFile.objects.count() == 0 and Upload.objects.count() == 0
    assert s3_server.keys() == [] and in_progress(s3_server) == []

    clean = s3_tus.upload("log.txt", ordinary, chunk=3 * MiB)
    assert clean.status_code == 204
    assert clean["Attest-File-Sha256"] == hashlib.sha256(ordinary).hexdigest()
