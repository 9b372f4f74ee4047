"""Internal quality assurance: assessors' risk, the centre's sampling strategy, the plans it
generates, the samples IQAs take, the actions they set, observations of assessors' practice and
standardisation meetings.

Signed records never change: a signed sample is corrected by an addendum, an approved strategy
by a new version. Plans and actions move through their states, each move an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Band(models.TextChoices):
    """How much of an assessor's work is sampled: the strategy sets a rate per band."""

    HIGH = "high", "High risk"
    MEDIUM = "medium", "Medium risk"
    LOW = "low", "Low risk"


class Stage(models.TextChoices):
    INTERIM = "interim", "Interim"
    SUMMATIVE = "summative", "Summative"


class AssessorProfile(models.Model):
    """One assessor at one centre, as the IQAs see them: status, qualification, competence and
    the risk band their sampling rate follows."""

    class Status(models.TextChoices):
        TRAINEE = "trainee", "Trainee (working towards the assessor qualification)"
        NEW_TO_CENTRE = "new_to_centre", "New to the centre"
        NEWLY_QUALIFIED = "newly_qualified", "Newly qualified"
        EXPERIENCED = "experienced", "Experienced"
        UNDER_DEVELOPMENT = "under_development", "Under development"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessor_profiles")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW_TO_CENTRE)
    assessor_qualification = models.CharField(
        max_length=200, blank=True, help_text="For example: Level 3 Certificate in Assessing Vocational Achievement."
    )
    qualified_on = models.DateField(null=True, blank=True)
    qualify_by = models.DateField(null=True, blank=True, help_text="For a trainee: the date they must qualify by.")
    occupational_competence = models.TextField(blank=True)
    cpd_notes = models.TextField("CPD notes", blank=True)
    # The band in force: the override while it stands, else the derived band.
    band = models.CharField(max_length=10, choices=Band.choices, default=Band.HIGH)
    derived_band = models.CharField(max_length=10, choices=Band.choices, default=Band.HIGH)
    override_band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    override_reason = models.TextField(blank=True)
    override_review_on = models.DateField(null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "assessor"], name="assessor_profile_once"),
            models.CheckConstraint(
                condition=Q(override_band="") | (~Q(override_reason="") & Q(override_review_on__isnull=False)),
                name="assessor_profile_override_has_reason_and_review",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessor profile {self.assessor_id} ({self.get_band_display()})"


class RiskBandChange(models.Model):
    """Every change of an assessor's band: who (or Attest itself), when and why."""

    centre_via = "profile"

    profile = models.ForeignKey(AssessorProfile, on_delete=models.PROTECT, related_name="band_changes")
    from_band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    to_band = models.CharField(max_length=10, choices=Band.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(  # empty: derived by Attest from the facts
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_band or 'none'} → {self.to_band}"


class SamplingStrategy(models.Model):
    """How much the centre samples, per risk band: a versioned document. A draft is edited; an
    approved strategy never changes (a new version supersedes it)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    # Empty: the centre's default, for qualifications without a strategy of their own.
    qualification = models.ForeignKey(
        "qualifications.Qualification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The rates and coverage rules, in the shape apps/iqa/rules.py validates.
    rules = models.JSONField()
    rationale = models.TextField(blank=True)
    # Figures from the template are the centre's convention, not an awarding organisation's rule.
    from_template = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_name = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "qualification", "version"], name="strategy_version_once", nulls_distinct=False
            ),
            models.UniqueConstraint(
                fields=["centre", "qualification"], condition=Q(status="approved"),
                name="strategy_one_approved", nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False), name="strategy_approval_recorded"
            ),
        ]

    def __str__(self) -> str:
        return f"Sampling strategy v{self.version} ({self.get_status_display().lower()})"


class SamplingPlan(models.Model):
    """One IQA's plan for one period, generated from the strategy in force, the facts and a seed."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sampling_plans")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    seed = models.BigIntegerField()
    # Strategies used at the last generation: {"<qualification id or 'default'>": strategy id}.
    strategies = models.JSONField(default=dict)
    generation = models.PositiveIntegerField(default=0)  # how many times it has been (re)generated
    generated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "iqa", "period_start"], name="plan_once_per_iqa_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="plan_period_in_order"),
        ]

    def __str__(self) -> str:
        return f"Sampling plan {self.period_start:%d %b %Y} – {self.period_end:%d %b %Y}"


class PlanItem(models.Model):
    """One sample the plan asks for (learner × unit × assessor × stage) and why it was chosen."""

    class Reason(models.TextChoices):
        LEARNER_SHARE = "learner_share", "Share of the assessor's learners (strategy rule)"
        UNIT_SHARE = "unit_share", "Share of the learner's units (strategy rule)"
        TRAINEE_FIRST = "trainee_first", "Trainee's first decision in the unit"
        SUMMATIVE_COVERAGE = "summative_coverage", "No summative sample of this assessor and unit in twelve months"
        EVERY_LEARNER = "every_learner", "Every learner sampled before claim"
        METHOD_COVERAGE = "method_coverage", "Assessment method not yet covered"
        RANDOM = "random", "Random pick"
        COVERAGE_GAP = "coverage_gap", "Coverage gap"
        CONCERN = "concern", "A concern raised"
        EQA_REQUEST = "eqa_request", "Requested by the external quality assurer"
        FOLLOW_UP = "follow_up", "Re-check after a referral"
        MANUAL = "manual", "Added by the IQA"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SamplingPlan, on_delete=models.PROTECT, related_name="items")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    methods = models.JSONField(default=list, blank=True)  # Evidence.Method values to look at
    due_from = models.DateField()
    due_by = models.DateField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    reason_detail = models.CharField(max_length=300, blank=True)  # e.g. the rule's words and figures
    rule = models.CharField(max_length=60, blank=True)  # the strategy rule's key, for "covered by plan P, rule R"
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    manual = models.BooleanField(default=False)  # added by hand: regeneration keeps it
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    added_reason = models.TextField(blank=True)
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dropped_reason = models.TextField(blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_by", "id"]
        indexes = [
            models.Index(fields=["plan", "status"], name="plan_item_plan_status"),
            models.Index(fields=["enrolment", "unit"], name="plan_item_enrolment_unit"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "enrolment", "unit", "stage"], condition=~Q(status="dropped"),
                name="plan_item_once",
            ),
            models.CheckConstraint(condition=~Q(status="dropped") | ~Q(dropped_reason=""), name="plan_item_drop_has_reason"),
            models.CheckConstraint(condition=Q(manual=False) | ~Q(added_reason=""), name="plan_item_manual_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} sample of unit {self.unit_id} for enrolment {self.enrolment_id}"


class Sample(models.Model):
    """One sampling act: what the IQA looked at (frozen when they started), their VARCS and process
    checks, the outcome and feedback. Immutable once signed; corrected by an addendum."""

    class Outcome(models.TextChoices):
        AGREE = "agree", "Agree"
        AGREE_WITH_ADVICE = "agree_with_advice", "Agree, with advice"
        DISAGREE = "disagree", "Disagree: decision unsafe"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    # Empty: a sample outside any plan (a concern, a complaint), counted apart.
    plan_item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, null=True, blank=True, related_name="samples")
    unplanned_reason = models.TextField(blank=True)
    # A re-check of a disagreeing sample after the assessor's response.
    follow_up_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    started_at = models.DateTimeField(default=timezone.now)
    # What was there to sample when the IQA started (decision ids, evidence version hashes, the
    # sign-off): see apps/iqa/sampling.py. Its SHA-256 is what later changes are compared with.
    snapshot = models.JSONField()
    snapshot_sha256 = models.CharField(max_length=64)
    decisions_sampled = models.ManyToManyField("assessment.Decision", related_name="+", blank=True)
    methods_seen = models.JSONField(default=list, blank=True)
    # {"valid": {"answer": "yes" | "no" | "na", "comment": "..."}, ...}: see apps/iqa/checks.py
    varcs = models.JSONField(default=dict, blank=True)
    process_checks = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    feedback = models.TextField("feedback to the assessor", blank=True)
    # Actions typed while the sample is open ([{"text": ..., "due_on": "YYYY-MM-DD"}]): they become
    # Action rows when the sample is signed, and the list is emptied.
    draft_actions = models.JSONField(default=list, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["enrolment", "unit"], name="sample_enrolment_unit"),
            models.Index(fields=["centre", "assessor", "signed_at"], name="sample_assessor_signed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(signed_at__isnull=True) | ~Q(outcome=""), name="sample_signed_has_outcome"),
            models.CheckConstraint(
                condition=Q(plan_item__isnull=False) | Q(follow_up_of__isnull=False) | ~Q(unplanned_reason=""),
                name="sample_unplanned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} sample S-{self.pk}"


class SampleAddendum(models.Model):
    """A correction or addition to a signed sample, with its reason: the sample itself never changes."""

    centre_via = "sample"

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="addenda")
    reason = models.TextField()
    text = models.TextField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="sample_addendum_has_reason")]

    def __str__(self) -> str:
        return f"Addendum to sample S-{self.sample_id}"


class PracticeObservation(models.Model):
    """An IQA watching an assessor assess: planning, conduct, questioning, feedback, recording."""

    class Outcome(models.TextChoices):
        SATISFACTORY = "satisfactory", "Satisfactory"
        SATISFACTORY_WITH_ADVICE = "satisfactory_with_advice", "Satisfactory, with advice"
        UNSATISFACTORY = "unsatisfactory", "Not satisfactory: actions set"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    observed_on = models.DateField()
    activity = models.CharField("what was observed", max_length=200)
    method = models.CharField(max_length=30, blank=True)  # an Evidence.Method value
    checklist = models.JSONField(default=dict, blank=True)  # same shape as Sample.process_checks
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_on", "-id"]

    def __str__(self) -> str:
        return f"Observation of assessor practice O-{self.pk}"


class StandardisationMeeting(models.Model):
    """Assessors judging the same exemplar to check they judge alike."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    qualification = models.ForeignKey(
        "qualifications.Qualification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    held_on = models.DateField()
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exemplar = models.TextField("exemplar used", help_text="The piece of work everyone judged, and where it is kept.")
    agreed_judgement = models.CharField(max_length=20, blank=True)  # "met" / "not_yet_met": the meeting's conclusion
    notes = models.TextField("minutes", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Standardisation meeting {self.held_on:%d %b %Y}"


class StandardisationJudgement(models.Model):
    """One attendee's judgement of the exemplar: agreement is measured against the meeting's conclusion."""

    centre_via = "meeting"

    meeting = models.ForeignKey(StandardisationMeeting, on_delete=models.PROTECT, related_name="judgements")
    attendee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    judgement = models.CharField(max_length=20)  # "met" / "not_yet_met"
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "attendee"], name="standardisation_judgement_once")]

    def __str__(self) -> str:
        return f"Judgement by {self.attendee_id}"


class Action(models.Model):
    """Something an assessor must do, set by an IQA with a due date; the assessor responds
    (pointing at the new decision or evidence), the IQA closes it or reopens it."""

    class Source(models.TextChoices):
        SAMPLE = "sample", "Sample"
        OBSERVATION = "observation", "Observation of practice"
        STANDARDISATION = "standardisation", "Standardisation"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Responded: waiting for the IQA"
        CLOSED = "closed", "Closed"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    observation = models.ForeignKey(
        PracticeObservation, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    meeting = models.ForeignKey(
        StandardisationMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    # The learner and unit it concerns, when it concerns one: the claim gate reads these.
    enrolment = models.ForeignKey("learners.Enrolment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iqa_actions")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_decision = models.ForeignKey(
        "assessment.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_version = models.ForeignKey(
        "evidence.EvidenceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True)
    reopened_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status"], name="action_owner_status"),
            models.Index(fields=["enrolment", "unit", "status"], name="action_enrolment_unit_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample__isnull=False) | Q(observation__isnull=False) | Q(meeting__isnull=False),
                name="action_has_source",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="action_closure_recorded"
            ),
        ]

    def __str__(self) -> str:
        return f"Action A-{self.pk}"


class Report(models.Model):
    """A PDF or CSV an IQA asked for, made by a Celery worker and kept in private storage."""

    class Kind(models.TextChoices):
        SAMPLE = "sample", "Sample record"
        PLAN = "plan", "Sampling plan"
        ACTIONS = "actions", "Action log"
        SUMMARY = "summary", "IQA summary"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    params = models.JSONField(default=dict)  # e.g. {"sample": 12} or {"qualification": 3, "from": ..., "to": ...}
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    key = models.CharField(max_length=300, blank=True)  # in private storage
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # a worker's lease, as for portfolio exports

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} R-{self.pk}"
