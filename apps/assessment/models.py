"""Assessors' judgements: mappings of evidence to criteria, decisions, unit sign-offs.

Everything here is append-only. A correction is a new row that points at the one it
replaces (`supersedes`) with a reason; nothing is updated or deleted, because an awarding
organisation may ask to see every decision as it was made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Signature(models.Model):
    """Who signed, as what name, when and from where: shared by every signed record."""

    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class Mapping(Signature):
    """An assessor's statement that a version of evidence bears on a criterion (or does not:
    a learner's suggestion rejected)."""

    class Verdict(models.TextChoices):
        MAPPED = "mapped", "Mapped"
        REJECTED = "rejected", "Rejected"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    # The version's enrolment, carried here (indexed, as every foreign key) so an enrolment's
    # mappings are found without going through every evidence version.
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="mappings")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by")
    reason = models.TextField(blank=True)  # required when superseding

    class Meta:
        indexes = [models.Index(fields=["version", "criterion"], name="mapping_version_criterion")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.signed_name}"


class Decision(Signature):
    """A judgement on one criterion from one version of evidence: met or not yet met."""

    class Outcome(models.TextChoices):
        MET = "met", "Met"
        NOT_YET_MET = "not_yet_met", "Not yet met"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="decisions")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    feedback = models.TextField(blank=True)
    # A trainee assessor's decision counts only once a qualified assessor countersigns it.
    provisional = models.BooleanField(default=False)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by")
    reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["enrolment", "criterion"], name="decision_enrolment_criterion"),
            # The countersign queue: a centre's provisional decisions, oldest first, without
            # reading every decision (migration 0004).
            models.Index(fields=["centre", "signed_at", "id"], condition=Q(provisional=True),
                         name="decision_provisional"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(supersedes__isnull=True) | ~Q(reason=""), name="decision_correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({'provisional' if self.provisional else 'signed'} by {self.signed_name})"


class Countersignature(Signature):
    """A qualified assessor confirming a trainee's provisional decision."""

    centre_via = "decision"

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="countersignature")

    def __str__(self) -> str:
        return f"Countersigned by {self.signed_name}"


class EvidenceAssessment(Signature):
    """The assessor's overall outcome for a version of evidence: accepted, or referred back."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REFERRED = "referred", "Referred back to the learner"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    # The version's enrolment, carried here (indexed) for the same reason as on Mapping.
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="assessments")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    feedback = models.TextField(blank=True)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by")
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.signed_name}"


class FeedbackRead(models.Model):
    """The learner has read the feedback of an assessment (kept apart: assessments never change)."""

    centre_via = "assessment"

    assessment = models.OneToOneField(EvidenceAssessment, on_delete=models.PROTECT, related_name="read")
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Feedback read {self.read_at:%Y-%m-%d %H:%M}"


class RequirementCoverage(Signature):
    """A unit-level evidence requirement (e.g. 'busy and quiet periods') ticked against evidence."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="requirement_coverage")
    version = models.ForeignKey("evidence.EvidenceVersion", on_delete=models.PROTECT, related_name="requirement_coverage")
    requirement = models.ForeignKey("qualifications.EvidenceRequirement", on_delete=models.PROTECT, related_name="+")
    covered = models.BooleanField(default=True)  # False withdraws an earlier tick (with a reason)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by")
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{'Covered' if self.covered else 'Tick withdrawn'} by {self.signed_name}"


class UnitSignOff(Signature):
    """An assessor signing a unit off as achieved; the learner acknowledges it."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="sign_offs")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["enrolment", "unit"], name="signoff_enrolment_unit")]

    def __str__(self) -> str:
        return f"Signed off by {self.signed_name}"


class SignOffAcknowledgement(Signature):
    centre_via = "sign_off"

    sign_off = models.OneToOneField(UnitSignOff, on_delete=models.PROTECT, related_name="acknowledgement")

    def __str__(self) -> str:
        return f"Acknowledged by {self.signed_name}"


class UnitReopening(Signature):
    """Undoing a sign-off: the unit is open for assessment again. Needs a reason."""

    centre_via = "sign_off"

    sign_off = models.OneToOneField(UnitSignOff, on_delete=models.PROTECT, related_name="reopening")
    reason = models.TextField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="reopening_has_reason")]

    def __str__(self) -> str:
        return f"Reopened by {self.signed_name}"




class EnrolmentProgress(models.Model):
    """What an enrolment's assessment records add up to, kept up to date in the transaction of
    every write that changes them (decisions, countersignatures, coverage, sign-offs, reopenings,
    the plan and units achieved elsewhere), so the caseload and home pages read one row instead
    of recomputing from every record. `progress_verify` checks it equals the recomputed truth."""

    centre_via = "enrolment"

    enrolment = models.OneToOneField("learners.Enrolment", on_delete=models.CASCADE, primary_key=True,
                                     related_name="progress_summary")
    summary = models.JSONField()  # progress.Progress as plain data (see progress.as_summary)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Progress of enrolment {self.enrolment_id}"
