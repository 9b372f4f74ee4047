"""Evidence in a learner's portfolio, its versions and files, and resumable uploads."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class StoredFile(models.Model):
    """A file kept in private storage under a key nobody can guess. Never served by URL."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Document"
        IMAGE = "image", "Image"
        AUDIO = "audio", "Audio"
        VIDEO = "video", "Video"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=300, unique=True)  # the storage name
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=100)  # sniffed from the content, not the name
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thumbnail_key = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class Upload(models.Model):
    """A resumable upload in progress (tus protocol): on local storage its bytes land in a temporary
    file until complete; on S3 in a multipart upload that any web node may continue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    stored_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True)
    # The running SHA-256 of bytes [0, offset), serialised between requests (and nodes); null when
    # it is not known (after a crash lost bytes): then the finished file is hashed by reading it once.
    hash_state = models.BinaryField(null=True, blank=True)
    # S3 only: the multipart upload the chunks go into, its parts [{"PartNumber", "ETag", "Size", ...}],
    # and the bytes after the last part, kept in an object of their own until a part is full.
    multipart_key = models.CharField(max_length=300, blank=True)
    multipart_id = models.CharField(max_length=1024, blank=True)
    part_size = models.BigIntegerField(default=0)
    parts = models.JSONField(default=list, blank=True)
    tail_key = models.CharField(max_length=300, blank=True)
    # S3 only: the request writing to it holds it until then (any node may take it once it lapses).
    locked_until = models.DateTimeField(null=True, blank=True)
    lock_token = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Upload of {self.filename} ({self.offset} of {self.length} bytes)"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length


class Evidence(models.Model):
    """One piece of evidence in an enrolment's portfolio; its content lives in versions."""

    class Method(models.TextChoices):
        WORK_PRODUCT = "work_product", "Work product"
        OBSERVATION = "observation", "Observation"
        WITNESS_TESTIMONY = "witness_testimony", "Witness testimony"
        PROFESSIONAL_DISCUSSION = "professional_discussion", "Professional discussion"
        QUESTIONING = "questioning", "Questioning"
        REFLECTIVE_ACCOUNT = "reflective_account", "Reflective account"
        RPL = "rpl", "Recognition of prior learning"
        ASSIGNMENT = "assignment", "Assignment"

    class Context(models.TextChoices):
        REAL_WORK = "real_work", "Real work"
        REALISTIC_WORK_ENVIRONMENT = "rwe", "Realistic work environment"
        SIMULATION = "simulation", "Simulation"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        ACCEPTED = "accepted", "Accepted"
        REFERRED = "referred", "Referred back"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="evidence")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The version shown and edited; earlier versions stay as history.
    current = models.OneToOneField(
        "EvidenceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The latest version the learner submitted: all that anyone but the learner ever sees.
    # Until the first submission there is none, and the evidence is the learner's alone.
    shared_version = models.OneToOneField(
        "EvidenceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)  # of the current version

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.current.title if self.current else f"Evidence {self.pk}"


class EvidenceVersion(models.Model):
    """What the evidence said at one point. Once submitted it never changes: a change is a new version."""

    centre_via = "evidence"

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    evidence_date = models.DateField()
    method = models.CharField(max_length=30, choices=Evidence.Method.choices)
    context = models.CharField(max_length=20, choices=Evidence.Context.choices)
    text = models.TextField("written account", blank=True)  # evidence typed in the page
    files = models.ManyToManyField(StoredFile, through="EvidenceFile", related_name="versions")
    suggested_criteria = models.ManyToManyField(
        "qualifications.AssessmentCriterion", related_name="+", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The authenticity declaration, signed on submission.
    submitted_at = models.DateTimeField(null=True, blank=True)
    declared_name = models.CharField(max_length=200, blank=True)
    declared_ip = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evidence_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="evidence_version_unique_number"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(declared_name=""), name="evidence_version_signed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"

    @property
    def is_locked(self) -> bool:
        return self.submitted_at is not None


class EvidenceFile(models.Model):
    centre_via = "version__evidence"

    version = models.ForeignKey(EvidenceVersion, on_delete=models.PROTECT, related_name="evidence_files")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "file"], name="evidence_file_once")]

    def __str__(self) -> str:
        return f"File {self.position + 1} of version {self.version_id}"


class PortfolioExport(models.Model):
    """A ZIP of a whole portfolio, built by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A worker building it holds it until then, and extends it as it goes; a worker that died
    # lets it lapse, and the export is taken up again (or failed, after a few attempts).
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)  # marked before the email goes

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Portfolio export of {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display().lower()})"
