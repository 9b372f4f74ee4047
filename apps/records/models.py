"""Assessment records an assessor creates: observations, questioning, professional
discussions and witness testimony.

Each record is evidence like any other: it is written into the learner's portfolio as an
Evidence whose first version is already submitted and signed by its author, and the record
keeps the details a plain version cannot hold (a OneToOne to that version). The version's
text carries a readable copy of the record, so search, exports and the evidence page show
it without knowing about this app.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Record(models.Model):
    """What every kind of record shares: where it belongs and the evidence version it became."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    version = models.OneToOneField("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class Observation(Record):
    """The assessor watched the learner at work and wrote down what they saw."""

    version = models.OneToOneField("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="observation")
    observed_on = models.DateField()
    place = models.CharField(max_length=200)
    activity = models.CharField("what was observed", max_length=200)
    account = models.TextField("assessor's account")

    class Meta(Record.Meta):
        pass

    def __str__(self) -> str:
        return f"Observation: {self.activity}"


class ObservationConfirmation(models.Model):
    """The learner agreeing that the observation record is accurate (append-only)."""

    centre_via = "observation"

    observation = models.OneToOneField(Observation, on_delete=models.PROTECT, related_name="confirmation")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_name = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(default=timezone.now)
    confirmed_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Confirmed by {self.confirmed_name}"


class Questioning(Record):
    """Questions the assessor asked and the learner's answers."""

    version = models.OneToOneField("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="questioning")
    asked_on = models.DateField()
    topic = models.CharField(max_length=200)

    class Meta(Record.Meta):
        verbose_name_plural = "questioning records"

    def __str__(self) -> str:
        return f"Questioning: {self.topic}"


class QuestionAnswer(models.Model):
    centre_via = "questioning"

    questioning = models.ForeignKey(Questioning, on_delete=models.PROTECT, related_name="pairs")
    position = models.PositiveIntegerField()
    question = models.TextField()
    answer = models.TextField()

    class Meta:
        ordering = ["questioning_id", "position"]
        constraints = [models.UniqueConstraint(fields=["questioning", "position"], name="question_answer_position")]

    def __str__(self) -> str:
        return f"Q{self.position}"


class ProfessionalDiscussion(Record):
    """A recorded discussion with the learner; the recording is a file of the version."""

    version = models.OneToOneField("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="discussion")
    held_on = models.DateField()
    topic = models.CharField(max_length=200)
    summary = models.TextField()

    def __str__(self) -> str:
        return f"Professional discussion: {self.topic}"


class WitnessRequest(models.Model):
    """A request to a witness (no account) to confirm what they saw, through a one-time link.

    Only the hash of the link's token is kept. Resending replaces the token (the old link
    stops working); the answer becomes witness-testimony evidence (`version`).
    """

    LIFETIME_DAYS = 14

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        RESPONDED = "responded", "Responded"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness_name = models.CharField(max_length=200)
    witness_email = models.EmailField()
    witness_job_title = models.CharField(max_length=200)
    relationship = models.CharField("relationship to the learner", max_length=200)
    activity = models.TextField("what the witness is asked about")
    context = models.CharField(max_length=20)  # Evidence.Context of the testimony
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)  # of the current link
    expires_at = models.DateTimeField()
    times_sent = models.PositiveIntegerField(default=1)
    emailed_at = models.DateTimeField(null=True, blank=True)  # the current link's email went out
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_job_title = models.CharField(max_length=200, blank=True)  # as the witness confirmed it
    version = models.OneToOneField(
        "evidence.EvidenceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="witness_request"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Witness request to {self.witness_name}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        # 256 bits from the OS's generator: not guessable, whatever the rate limit.
        token = secrets.token_urlsafe(32)
        return token, hash_token(token)

    @classmethod
    def lookup(cls, token: str) -> WitnessRequest | None:
        if not token or len(token) > 100:
            return None
        return (
            cls.objects.select_related("enrolment__learner", "centre", "requested_by")
            .filter(token_hash=hash_token(token))
            .first()
        )

    @property
    def status(self) -> str:
        if self.responded_at:
            return self.Status.RESPONDED
        if self.cancelled_at:
            return self.Status.CANCELLED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.SENT

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SENT
