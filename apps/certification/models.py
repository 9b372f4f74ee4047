"""Certification: the centre's details with each awarding organisation (AO), claim batches sent
to an AO, the AO's answer for each learner, and the documents the centre issues to learners.

A claim leaves Attest once: at submission the batch, its lines and its export are frozen with
the file's SHA-256, and the database refuses later changes (migration 0002). What the AO says
afterwards (certificated, queried, rejected) is a new `ClaimOutcome`, never an edit. Documents
are never edited either: a reissue supersedes, a revocation says why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.qualifications.models import Qualification

AO = Qualification.AwardingOrganisation


class AOCentreNumber(models.Model):
    """The centre's number with one awarding organisation (NCFE centre number, C&G centre number…)."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    awarding_organisation = models.CharField(max_length=50, choices=AO.choices)
    centre_number = models.CharField(max_length=50)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["awarding_organisation"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "awarding_organisation"], name="ao_centre_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.awarding_organisation} {self.centre_number}"


class QualificationApproval(models.Model):
    """The centre's approval for one qualification (by its number, whatever the catalogue version):
    the AO's course code for it and whether the centre holds Direct Claims Status (DCS)."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    qualification_number = models.CharField(max_length=20)
    # Pearson's Award Code, C&G's complex number (3412-03), NCFE's product code.
    ao_course_code = models.CharField("AO course code", max_length=50, blank=True)
    has_dcs = models.BooleanField("Direct Claims Status", default=False)
    dcs_since = models.DateField("DCS since", null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["qualification_number"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "qualification_number"], name="qualification_approval_once"),
            models.CheckConstraint(condition=Q(has_dcs=True) | Q(dcs_since__isnull=True), name="dcs_since_only_with_dcs"),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_number} ({'DCS' if self.has_dcs else 'no DCS'})"


class Counter(models.Model):
    """The last number issued per centre, series and year. Numbers are taken with one
    UPDATE … RETURNING in the issuing transaction, so two workers never get the same one."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=10)  # "CB" claim batches, "AR"/"CR" documents
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "series", "year"], name="counter_once")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class ClaimBatch(models.Model):
    """Learners claimed from one awarding organisation together."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        # The lead IQA has declared; the centre's authorisation is next, and fixes the route.
        DECLARED = "declared", "Declared"
        AWAITING_EQA = "awaiting_eqa", "Awaiting EQA sign-off"
        EQA_QUERIED = "eqa_queried", "Queried by the EQA"
        READY = "ready", "Ready to submit"
        SUBMITTED = "submitted", "Submitted"

    class Route(models.TextChoices):
        DCS = "dcs", "Direct Claims Status"
        EQA = "eqa", "EQA sign-off"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    awarding_organisation = models.CharField(max_length=50, choices=AO.choices)
    reference = models.CharField(max_length=30)  # CB-2026-0001, per centre and year
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)  # fixed at declaration
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The lead IQA's pre-claim declaration, signed with their typed name.
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declared_name = models.CharField(max_length=200, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    # The centre's authorisation (an admin), signed with their typed name.
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authorised_name = models.CharField(max_length=200, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    # The centre's EQA, for batches without DCS.
    eqa_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    eqa_name = models.CharField(max_length=200, blank=True)
    eqa_at = models.DateTimeField(null=True, blank=True)
    eqa_note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    ao_reference = models.CharField("AO order or batch reference", max_length=100, blank=True)
    # The claim file frozen at submission, in private storage.
    export_key = models.CharField(max_length=300, blank=True)
    export_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "reference"], name="claim_batch_reference_once"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | (Q(submitted_at__isnull=False) & ~Q(export_sha256="")),
                name="claim_batch_submitted_frozen",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ClaimLine(models.Model):
    """One learner's enrolment in a batch, with what is claimed for them."""

    centre_via = "batch"

    class ClaimType(models.TextChoices):
        FULL = "full", "Full qualification"
        UNIT = "unit", "Unit (credit) claim"

    batch = models.ForeignKey(ClaimBatch, on_delete=models.CASCADE, related_name="lines")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="claim_lines")
    claim_type = models.CharField(max_length=10, choices=ClaimType.choices)
    award_date = models.DateField(help_text="The date the learner completed what is claimed.")
    # The facts as claimed, copied at the time the learner joins the batch: a later change to
    # the enrolment never rewrites what was sent.
    registration_number = models.CharField(max_length=50)
    registered_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    uln = models.CharField(max_length=10, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["registered_name", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "enrolment"], name="claim_line_once_per_batch")]

    def __str__(self) -> str:
        return f"{self.registered_name} in {self.batch}"


class ClaimUnit(models.Model):
    """One unit claimed on a line, with who assessed and quality-assured it."""

    centre_via = "line__batch"

    class Route(models.TextChoices):
        ASSESSED = "assessed", "Assessed"
        RPL = "rpl", "Recognition of prior learning"
        CREDIT_TRANSFER = "credit_transfer", "Credit transfer"
        EXEMPTION = "exemption", "Exemption"

    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.ASSESSED)
    achieved_on = models.DateField()  # the assessor's sign-off (or the prior achievement's date)
    assessor_name = models.CharField(max_length=200, blank=True)
    assessor_signed_at = models.DateTimeField(null=True, blank=True)
    iqa_name = models.CharField(max_length=200, blank=True)
    iqa_sampled = models.BooleanField(default=False)
    iqa_signed_at = models.DateTimeField(null=True, blank=True)
    # Credit transfer and RPL: where the unit was achieved before.
    prior_reference = models.CharField(max_length=200, blank=True)
    # The evidence behind the unit, as shown on the achievement record: [{"title", "version", "sha256"}].
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["line", "unit__position"]
        constraints = [models.UniqueConstraint(fields=["line", "unit"], name="claim_unit_once")]

    def __str__(self) -> str:
        return f"{self.unit} on {self.line}"


class ClaimOutcome(models.Model):
    """What the AO said about one line. Append-only: the newest is the line's outcome."""

    centre_via = "line__batch"

    class Status(models.TextChoices):
        CERTIFICATED = "certificated", "Certificated"
        QUERIED = "queried", "Queried by the AO"
        REJECTED = "rejected", "Rejected by the AO"

    line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="outcomes")
    status = models.CharField(max_length=20, choices=Status.choices)
    certificate_number = models.CharField("AO certificate number", max_length=100, blank=True)
    certificate_date = models.DateField("AO certificate date", null=True, blank=True)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="certificated") | (~Q(certificate_number="") & Q(certificate_date__isnull=False)),
                name="claim_outcome_certificate_facts",
            ),
            models.CheckConstraint(condition=Q(status="certificated") | ~Q(reason=""), name="claim_outcome_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.line}"


def newest_outcomes(line_id: Any) -> QuerySet[ClaimOutcome]:
    """A line's outcomes, newest (the line's outcome) first: for subqueries, as
    `newest_outcomes(OuterRef("line_id")).values("status")[:1]`."""
    return ClaimOutcome.objects.filter(line_id=line_id).order_by("-recorded_at", "-id")


class DocumentRun(models.Model):
    """Documents asked for a whole batch at once, made by several workers in parallel."""

    class Status(models.TextChoices):
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey(ClaimBatch, on_delete=models.PROTECT, related_name="document_runs")
    kinds = models.JSONField(default=list)  # Document.Kind values
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)  # documents expected
    zip_key = models.CharField(max_length=300, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # the lease of the worker making the ZIP

    centre_via = "batch"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Documents for {self.batch}"


class Document(models.Model):
    """A PDF the centre issues to a learner: never the AO's certificate, always labelled so."""

    class Kind(models.TextChoices):
        ACHIEVEMENT_RECORD = "achievement_record", "Achievement record"
        CREDIT_CERTIFICATE = "credit_certificate", "Centre credit record"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUPERSEDED = "superseded", "Superseded"
        REVOKED = "revoked", "Revoked"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    number = models.CharField(max_length=40)  # AR-2026-000123: per centre, series and year
    # The verification page's address: unguessable, never the database id.
    public_code = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALID)
    # The key facts as printed, shown on the verification page (no date of birth, no ULN).
    facts = models.JSONField(default=dict)
    key = models.CharField(max_length=300)  # the signed PDF in private storage
    sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(DocumentRun, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One valid document per learner's line and kind: a redelivered task finds it made.
            models.UniqueConstraint(fields=["line", "kind"], condition=Q(status="valid"), name="document_one_valid"),
            models.UniqueConstraint(fields=["centre", "number"], name="document_number_once"),
            models.CheckConstraint(
                condition=~Q(status="revoked") | (Q(revoked_at__isnull=False) & ~Q(revoked_reason="")),
                name="document_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number
