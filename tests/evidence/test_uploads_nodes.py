"""Stateless web nodes: two real web processes (gunicorn), each with a disk of its own, against one
S3-compatible store (moto's server mode) take turns at the chunks of one upload, and the file
arrives whole with the right SHA-256. Neither node keeps a byte of it on its own disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from apps.evidence.models import StoredFile, Upload
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import Tus
from tests.evidence.servers import gunicorn, signed_in
from tests.factories import MembershipFactory

MiB = 1024 * 1024


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.django_db(transaction=True)
def test_two_nodes_with_their_own_disks_take_turns_at_one_upload(s3_server, settings, tmp_path):
    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    member = MembershipFactory(is_learner=True)
    head = samples.mp4()
    data = head + b"\x00\x00\x00\x08free" + (hashlib.sha256(b"nodes").digest() * MiB)[: 23 * MiB]

    def node(name: str):
        disk = tmp_path / name
        return gunicorn(disk, settings=(
            f"MEDIA_ROOT = {str(disk / 'media')!r}\n"
            f"ATTEST_UPLOAD_TEMP_DIR = {str(disk / 'uploads')!r}\n"
            "ATTEST_UPLOAD_PART_BYTES = 5 * 1024 * 1024\n"
            "STORAGES['default'] = {'BACKEND': 'storages.backends.s3.S3Storage', 'OPTIONS': {"
            f"'bucket_name': {s3_server.bucket!r}, 'endpoint_url': {endpoint!r}, 'access_key': 'test', "
            "'secret_key': 'test', 'region_name': 'eu-west-2', 'default_acl': 'private', "
            "'querystring_auth': True, 'file_overwrite': False}}\n"
        ))

    with node("node-a") as a, node("node-b") as b:
        session = signed_in(member.user, a)
        created = session.post(f"{a.url}/files/uploads/", headers={
            "Upload-Length": str(len(data)), "Upload-Metadata": Tus.metadata(filename="Site visit.mp4")})
        assert created.status_code == 201, created.text
        path = created.headers["Location"]
        # Browser-sized chunks, and uneven ones, so that bytes short of a part also cross between nodes.
        sizes = [8 * MiB, 3 * MiB, 1 * MiB, 4 * MiB, 2 * MiB, 8 * MiB]
        offset, turn, answers = 0, 0, []
        while offset < len(data):
            server = (a, b)[turn % 2]
            chunk = data[offset:offset + sizes[turn % len(sizes)]]
            response = session.patch(f"{server.url}{path}", data=chunk, headers={
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            assert response.status_code == 204, (server.url, response.text)
            offset = int(response.headers["Upload-Offset"])
            # The other node knows where it got to.
            other = (a, b)[(turn + 1) % 2]
            assert session.head(f"{other.url}{path}").headers["Upload-Offset"] == str(offset)
            answers.append(server.url)
            turn += 1

    assert answers == [a.url, b.url] * 3
    stored = StoredFile.objects.get()
    assert response.headers["Attest-File-Sha256"] == stored.sha256 == hashlib.sha256(data).hexdigest()
    assert s3_server.client.get_object(Bucket=s3_server.bucket, Key=stored.key)["Body"].read() == data
    assert s3_server.keys() == [stored.key]
    assert len(Upload.objects.get().parts) == 5  # 23 MiB and a bit in 5 MiB parts
    for name in ("node-a", "node-b"):
        assert files_under(tmp_path / name / "uploads") == files_under(tmp_path / name / "media") == []
