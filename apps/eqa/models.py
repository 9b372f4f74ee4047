"""External quality assurance: what the awarding organisation's EQA asks of a centre and decides.

The grant itself (who, which qualifications and learners, from when to when) is
`learners.ExternalAccess`, since it decides which enrolments the EQA sees. Here live the
visit's records, each tied to a grant: sample requests, the EQA pack, outcomes per
qualification with Direct Claims Status, actions for the centre, and the log of every page and
file the EQA opened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SampleRequest(models.Model):
    """The learners the EQA wants to see, by when. Picked by hand or proposed by the AO's rule
    (the reasons kept with each learner)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the centre"
        WITHDRAWN = "withdrawn", "Withdrawn by the EQA"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey("learners.ExternalAccess", on_delete=models.PROTECT, related_name="sample_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    note = models.TextField(blank=True)
    proposed = models.BooleanField(default=False)  # Attest proposed the learners by the AO's rule
    rule = models.CharField(max_length=300, blank=True)  # the rule's words, as shown when proposed
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Sample request {self.pk} due {self.due_on}"


class RequestedLearner(models.Model):
    """One enrolment in a sample request, with why it was chosen."""

    centre_via = "request"
    request = models.ForeignKey(SampleRequest, on_delete=models.CASCADE, related_name="learners")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["request", "enrolment"], name="requested_learner_once")]

    def __str__(self) -> str:
        return f"Enrolment {self.enrolment_id} in sample request {self.request_id}"


class Pack(models.Model):
    """The EQA pack: a ZIP with an index PDF, built by a worker with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey("learners.ExternalAccess", on_delete=models.PROTECT, related_name="packs")
    sample_request = models.ForeignKey(SampleRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="packs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    step_label = models.CharField(max_length=200, blank=True)  # what the worker is doing now
    leased_until = models.DateTimeField(null=True, blank=True)  # a worker holds it until then
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="eqa-packs/", blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"EQA pack {self.pk} ({self.status})"


class VisitOutcome(models.Model):
    """What the EQA decided for one qualification at a visit. Never edited: a later visit (or a
    correction) is a new outcome; the newest per qualification is the standing one."""

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        REMOTE = "remote", "Remote review"
        CLAIM_SAMPLE = "claim_sample", "Claim sample"

    class Result(models.TextChoices):
        SATISFACTORY = "satisfactory", "Satisfactory: no actions"
        ACTIONS = "actions", "Satisfactory with actions"
        BLOCK = "block", "Not satisfactory: claims blocked"

    class DCS(models.TextChoices):
        NOT_DECIDED = "not_decided", "Not decided at this visit"
        GRANTED = "granted", "Direct Claims Status granted"
        KEPT = "kept", "Direct Claims Status kept"
        REMOVED = "removed", "Direct Claims Status removed"
        WITHHELD = "withheld", "Direct Claims Status not granted"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey("learners.ExternalAccess", on_delete=models.PROTECT, related_name="outcomes")
    qualification = models.ForeignKey("qualifications.Qualification", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.VISIT)
    visited_on = models.DateField()
    result = models.CharField(max_length=20, choices=Result.choices)
    dcs = models.CharField("Direct Claims Status", max_length=20, choices=DCS.choices, default=DCS.NOT_DECIDED)
    report = models.TextField("report to the centre")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"EQA outcome {self.pk} for qualification {self.qualification_id}"


class CentreAction(models.Model):
    """An action the EQA sets the centre, with a due date: the centre responds, the EQA closes."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Answered by the centre"
        CLOSED = "closed", "Closed by the EQA"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(VisitOutcome, on_delete=models.PROTECT, related_name="actions")
    text = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"EQA action {self.pk} ({self.status})"


class AccessLog(models.Model):
    """One page or file an EQA opened: the centre's answer to "who looked at what, when"."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    view_name = models.CharField(max_length=100, blank=True)
    what = models.CharField(max_length=300)  # in words: "Evidence file 'site-photo.jpg'"
    status_code = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["centre", "-at"]), models.Index(fields=["centre", "user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.path} at {self.at}"
