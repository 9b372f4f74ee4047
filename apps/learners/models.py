"""Learners, their enrolments on qualifications, and their unit plans."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Learner(models.Model):
    """A person learning at a centre. Linked to the account that signs in (once invited)."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="learners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="learner_records"
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    date_of_birth = models.DateField(null=True, blank=True)
    # Unique Learner Number: 10 digits with the Learning Records Service check digit.
    # NULL, not "": the per-centre uniqueness of ULNs must not count learners without one.
    uln = models.CharField("ULN", max_length=10, null=True, blank=True)  # noqa: DJ001
    mis_reference = models.CharField("MIS reference", max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "email"], name="learner_unique_email_per_centre"),
            models.UniqueConstraint(
                fields=["centre", "uln"], condition=Q(uln__isnull=False), name="learner_unique_uln_per_centre"
            ),
            models.UniqueConstraint(
                fields=["centre", "user"], condition=Q(user__isnull=False), name="learner_unique_user_per_centre"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Enrolment(models.Model):
    """A learner on one version of a qualification at a centre: the portfolio hangs off it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Funding(models.TextChoices):
        FUNDED = "funded", "Funded"
        NON_FUNDED = "non_funded", "Not funded"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="enrolments")
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="enrolments")
    # A specific version: a later version of the specification never re-points this enrolment.
    qualification = models.ForeignKey("qualifications.Qualification", on_delete=models.PROTECT, related_name="+")
    registration_number = models.CharField("awarding organisation registration number", max_length=50, blank=True)
    # The learner start date the awarding organisation is told (NCFE's "learner start date"):
    # once a claim carrying it has been submitted it is locked (start_date_sent_at).
    start_date = models.DateField()
    # The awarding organisation's registration, as a claim must repeat it exactly.
    registered_on = models.DateField("date registered with the awarding organisation", null=True, blank=True)
    registered_name = models.CharField("legal name as registered", max_length=200, blank=True)
    registered_date_of_birth = models.DateField("date of birth as registered", null=True, blank=True)
    funding_status = models.CharField(max_length=20, choices=Funding.choices, blank=True)
    start_date_sent_at = models.DateTimeField(null=True, blank=True)
    planned_end_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    assessors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="assessed_enrolments", blank=True)
    iqa = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="quality_assured_enrolments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end_date__gte=models.F("start_date")), name="enrolment_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.qualification.number}"


class PlannedUnit(models.Model):
    """A unit the learner means to achieve for this enrolment (mandatory ones are added for them)."""

    centre_via = "enrolment"

    class Source(models.TextChoices):
        MANDATORY = "mandatory", "Mandatory"
        CHOSEN = "chosen", "Chosen"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="planned_units")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "unit"], name="planned_unit_once")]

    def __str__(self) -> str:
        return f"{self.unit} planned ({self.get_source_display().lower()})"


class PriorAchievement(models.Model):
    """A unit achieved elsewhere that counts towards this enrolment: credit transfer, RPL or exemption."""

    centre_via = "enrolment"

    class Route(models.TextChoices):
        CREDIT_TRANSFER = "credit_transfer", "Credit transfer"
        RPL = "rpl", "Recognition of prior learning"
        EXEMPTION = "exemption", "Exemption"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="prior_achievements")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=20, choices=Route.choices)
    reference = models.CharField(max_length=200, help_text="Certificate number, awarding organisation, or RPL record.")
    achieved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "unit"], name="prior_achievement_once")]

    def __str__(self) -> str:
        return f"{self.unit} by {self.get_route_display().lower()}"


class LearnerImport(models.Model):
    """A CSV of learners uploaded for import: kept between the preview and the admin's decision.

    Only the file's rows are stored; each row's problems are worked out again against the
    centre's learners whenever the preview is shown or applied, so they are never stale.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for a decision"
        APPLIED = "applied", "Imported"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    # {"field": "header as written"} for each column recognised, and the headers ignored.
    columns = models.JSONField(default=dict)
    ignored_columns = models.JSONField(default=list, blank=True)
    # [{"line": 2, "values": {"full_name": "...", "email": "...", ...}}], as read from the file.
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEW)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)  # counts once applied

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"


class ExternalAccess(models.Model):
    """Read-only access a centre grants an awarding organisation's external quality assurer (EQA):
    the qualifications in scope, optionally only named learners, from a start to an end date.

    The EQA sees exactly the enrolments on those qualifications (or of those learners) while the
    grant runs; before its start, after its end or once the admin ends it early, nothing. The
    grant names the EQA by account when they already have one, else by the invitation that
    brings them in (`learners.access.external_scope` accepts either)."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(
        "centres.Invitation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    awarding_organisation = models.CharField(max_length=50)  # a Qualification.AwardingOrganisation value
    qualifications = models.ManyToManyField("qualifications.Qualification", related_name="+")
    # Empty: every learner on the qualifications above.
    learners = models.ManyToManyField(Learner, related_name="+", blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)  # ended early by the centre
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="external_access_dates_in_order"),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(invitation__isnull=False), name="external_access_names_someone"
            ),
        ]
        indexes = [models.Index(fields=["centre", "user"]), models.Index(fields=["centre", "ends_on"])]

    def __str__(self) -> str:
        return f"EQA access for {self.email} ({self.starts_on} to {self.ends_on})"

    class State(models.TextChoices):
        UPCOMING = "upcoming", "Not started yet"
        ACTIVE = "active", "Open"
        ENDED = "ended", "Ended"
        ENDED_EARLY = "ended_early", "Ended early"

    def state(self, today: date) -> ExternalAccess.State:
        if self.ended_at is not None:
            return self.State.ENDED_EARLY
        if today < self.starts_on:
            return self.State.UPCOMING
        if today > self.ends_on:
            return self.State.ENDED
        return self.State.ACTIVE

    def is_open(self, today: date) -> bool:
        return self.state(today) == self.State.ACTIVE
