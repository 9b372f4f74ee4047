"""Fixtures shared by the file-layer tests: private storage in a temporary folder, a small
centre with a portfolio, a tus client, and a real S3-compatible server (moto) on this machine.

Import with `from tests.evidence.filefixtures import *` in a test module.
"""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.evidence.models import Evidence, EvidenceFile, EvidenceVersion, StoredFile
from apps.learners.models import Enrolment, Learner
from tests.eqa.support import grant_for
from tests.factories import CentreFactory, MembershipFactory, make_qualification

__all__ = ["private_storage", "people", "tus", "Tus", "s3_server", "attach", "stored_objects", "temp_files"]


@pytest.fixture
def private_storage(settings, tmp_path) -> Path:
    """Files and upload chunks in folders of this test's own, so 'nothing was stored' can be checked."""
    media = tmp_path / "media"
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": media, "base_url": None}}
    }
    settings.ATTEST_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    return media


def stored_objects(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def temp_files(settings) -> list[Path]:
    directory = Path(settings.ATTEST_UPLOAD_TEMP_DIR)
    return sorted(directory.iterdir()) if directory.exists() else []


@dataclass
class People:
    centre: object
    learner: object  # Membership
    enrolment: Enrolment
    assessor: object  # assigned to the learner's enrolment
    other_assessor: object  # same centre, not assigned
    other_learner: object  # same centre, their own enrolment
    iqa: object  # assigned to the learner's enrolment
    admin: object
    eqa: object
    expired_eqa: object
    outsider: object  # admin of another centre


@pytest.fixture
def people(db) -> People:
    centre = CentreFactory(name="Home Centre")
    qualification = make_qualification()
    learner = MembershipFactory(centre=centre, is_learner=True)
    assessor = MembershipFactory(centre=centre, is_assessor=True)
    other_learner = MembershipFactory(centre=centre, is_learner=True)
    today = timezone.localdate()

    def enrol(member):
        record = Learner.objects.create(centre=centre, user=member.user, full_name=member.user.full_name,
                                        email=member.user.email)
        return Enrolment.objects.create(centre=centre, learner=record, qualification=qualification, start_date=today,
                                        planned_end_date=today + timedelta(days=365))

    iqa = MembershipFactory(centre=centre, is_iqa=True)
    enrolment = enrol(learner)
    enrolment.assessors.add(assessor.user)
    enrolment.iqa = iqa.user
    enrolment.save(update_fields=["iqa"])
    enrol(other_learner)
    admin = MembershipFactory(centre=centre, is_admin=True)
    # The EQA's grant covers the qualification (every learner on it); the expired EQA's ended yesterday.
    eqa = MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=today + timedelta(days=30))
    grant_for(eqa, qualifications=[qualification], created_by=admin.user)
    expired_eqa = MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=today - timedelta(days=1))
    grant_for(expired_eqa, qualifications=[qualification], created_by=admin.user,
              starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1))
    return People(
        centre=centre, learner=learner, enrolment=enrolment, assessor=assessor,
        other_assessor=MembershipFactory(centre=centre, is_assessor=True), other_learner=other_learner,
        iqa=iqa, admin=admin, eqa=eqa, expired_eqa=expired_eqa,
        outsider=MembershipFactory(centre=CentreFactory(name="Elsewhere"), is_admin=True),
    )


def attach(stored: StoredFile, enrolment: Enrolment, author, *, submitted: bool = True) -> Evidence:
    """Put a stored file into a piece of evidence in the enrolment's portfolio: submitted (so the
    learner's assessor and the centre's staff may see it) unless `submitted=False` (a draft)."""
    now = timezone.now() if submitted else None
    evidence = Evidence.objects.create(
        centre=enrolment.centre, enrolment=enrolment, created_by=author,
        status=Evidence.Status.SUBMITTED if submitted else Evidence.Status.DRAFT, submitted_at=now,
    )
    version = EvidenceVersion.objects.create(
        evidence=evidence, number=1, title="Photo of my work", evidence_date=timezone.localdate(),
        method=Evidence.Method.WORK_PRODUCT, context=Evidence.Context.REAL_WORK,
        submitted_at=now, declared_name=author.full_name if submitted else "",
    )
    EvidenceFile.objects.create(version=version, file=stored)
    evidence.current = version
    evidence.shared_version = version if submitted else None
    evidence.save(update_fields=["current", "shared_version"])
    return evidence


class DroppedConnection(io.BytesIO):
    """A request body whose connection drops once the bytes given have been read."""

    def read(self, size: int = -1) -> bytes:
        piece = super().read(size)
        if not piece:
            raise OSError("Connection reset by peer")
        return piece


class Tus:
    """The requests a tus client makes, through Django's test client."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def metadata(**values: str) -> str:
        return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())

    def create(self, name: str, length: int, **headers):
        headers.setdefault("Upload-Metadata", self.metadata(filename=name, filetype="application/octet-stream"))
        headers.setdefault("Upload-Length", str(length))
        headers.setdefault("Tus-Resumable", "1.0.0")
        return self.client.post("/files/uploads/", headers={k: v for k, v in headers.items() if v is not None})

    def patch(self, url: str, offset: int, data: bytes, **extra):
        headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset)} | extra.pop("headers", {})
        return self.client.generic(
            "PATCH", url, data=data, content_type=extra.pop("content_type", "application/offset+octet-stream"),
            headers=headers, **extra,
        )

    def head(self, url: str):
        return self.client.head(url, headers={"Tus-Resumable": "1.0.0"})

    def delete(self, url: str):
        return self.client.delete(url, headers={"Tus-Resumable": "1.0.0"})

    def upload(self, name: str, data: bytes, chunk: int = 1024 * 1024):
        """Create and send the whole file in chunks; the last response."""
        created = self.create(name, len(data))
        assert created.status_code == 201, created.content
        url = created["Location"]
        response = None
        for start in range(0, len(data), chunk):
            response = self.patch(url, start, data[start:start + chunk])
            if response.status_code != 204:
                return response
        return response


@pytest.fixture
def tus(client, people, private_storage) -> Tus:
    client.force_login(people.learner.user)
    return Tus(client)


@dataclass
class S3:
    client: object  # boto3 S3 client
    bucket: str

    def keys(self) -> list[str]:
        return [o["Key"] for o in self.client.list_objects_v2(Bucket=self.bucket).get("Contents", [])]


@pytest.fixture
def s3_server(settings):
    """A real S3 API (moto's server mode) on this machine; default storage points at its bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                              region_name="eu-west-2")
        # moto keeps its buckets for the life of the process: each test gets its own.
        bucket = f"attest-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        settings.STORAGES = settings.STORAGES | {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": bucket, "endpoint_url": endpoint, "access_key": "test",
                    "secret_key": "test", "region_name": "eu-west-2", "default_acl": "private",
                    "querystring_auth": True, "file_overwrite": False,
                },
            }
        }
        yield S3(client=client, bucket=bucket)
    finally:
        server.stop()
