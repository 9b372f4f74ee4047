"""The qualification catalogue: one row per version of a qualification, with its units,
outcomes, criteria and evidence requirements.

The catalogue is shared by every centre (it is the awarding organisations' published
content, not a centre's data), so none of these rows carries a centre. Rows are written
only by `services.catalogue_load`: a changed specification becomes a new version and the
old version's rows are never touched, because enrolments point at a specific version.

A null text column is the catalogue format's null, "the source does not say", which the
format keeps apart from any text (it allows no empty strings); hence the DJ001 exceptions.
"""

from __future__ import annotations

from datetime import date

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .engine import QualificationRules

# Full-text search of the catalogue is in English; the same configuration must be used
# by queries (SearchQuery(..., config=SEARCH_CONFIG)) for the GIN indexes to apply.
SEARCH_CONFIG = "english"


class Qualification(models.Model):
    """One version of a qualification as published by its awarding organisation."""

    # The qualification catalogue is shared by every centre.
    shared_across_centres = True

    class AwardingOrganisation(models.TextChoices):
        NCFE = "NCFE", "NCFE"
        CITY_AND_GUILDS = "City & Guilds", "City & Guilds"
        SFJ_AWARDS = "SFJ Awards", "SFJ Awards"
        PEARSON = "Pearson", "Pearson"

    class LevelCredits(models.TextChoices):
        AT_OR_ABOVE = "at_or_above", "at the level or above"
        EXACTLY = "exactly", "at exactly the level"

    class GroupMaximum(models.TextChoices):
        CAP = "cap", "caps what counts"
        INVALIDATE = "invalidate", "makes the set invalid"

    # Not unique alone: each changed specification is a new version with the same number.
    number = models.CharField("qualification number", max_length=20)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)

    title = models.TextField()
    awarding_organisation = models.CharField(max_length=50, choices=AwardingOrganisation.choices)
    ao_reference = models.CharField("awarding organisation reference", max_length=50, null=True, blank=True)  # noqa: DJ001
    level = models.PositiveSmallIntegerField()
    credits = models.PositiveIntegerField(null=True, blank=True, help_text="Minimum credits for the qualification.")
    glh_min = models.PositiveIntegerField("guided learning hours (minimum)", null=True, blank=True)
    glh_max = models.PositiveIntegerField("guided learning hours (maximum)", null=True, blank=True)
    tqt = models.PositiveIntegerField("total qualification time", null=True, blank=True)
    operational_start = models.DateField(null=True, blank=True)
    operational_end = models.DateField(null=True, blank=True)
    registration_end = models.DateField(null=True, blank=True)
    certification_end = models.DateField(null=True, blank=True)
    source_file = models.CharField(max_length=200)
    source_edition = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # False where the source names the qualification but not its rules of combination:
    # achievement is then not determinable.
    rules_in_source = models.BooleanField(default=True)
    interpretation_level_credits = models.CharField(
        max_length=20, choices=LevelCredits.choices, default=LevelCredits.AT_OR_ABOVE
    )
    interpretation_group_maximum = models.CharField(
        max_length=20, choices=GroupMaximum.choices, default=GroupMaximum.CAP
    )
    rules_text = models.TextField(null=True, blank=True, help_text="The rules of combination in the source's words.")  # noqa: DJ001
    # Exactly the canonical lists (docs/catalogue-format.md), validated by the schema
    # before saving; they are small and always read whole, so they need no tables.
    # (The rules list is `rules_json` because `rules()` returns the engine's view.)
    groups = models.JSONField(default=list, blank=True)
    rules_json = models.JSONField("rules", default=list, blank=True, db_column="rules")
    barred = models.JSONField(default=list, blank=True)
    # Where this version departs from what its source prints, each with its reason and the
    # unit it concerns (None: the qualification); shown on the catalogue pages.
    corrections = models.JSONField(default=list, blank=True)
    # sha256 of the canonical YAML text: an identical file loads as a no-op.
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="qualification_unique_version"),
            models.UniqueConstraint(
                fields=["number"], condition=Q(is_current=True), name="qualification_one_current_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="qualification_version_positive"),
            models.CheckConstraint(
                condition=Q(glh_min__isnull=True, glh_max__isnull=True)
                | Q(glh_min__isnull=False, glh_max__isnull=False, glh_min__lte=models.F("glh_max")),
                name="qualification_glh_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title} (version {self.version})"

    def is_withdrawn(self, today: date | None = None) -> bool:
        """Past its operational end or its last registration date."""
        today = today or timezone.localdate()
        return any(end is not None and end < today for end in (self.operational_end, self.registration_end))

    def accepts_enrolments(self, today: date | None = None) -> bool:
        """Open for new registrations: started (where a start is printed) and not withdrawn."""
        today = today or timezone.localdate()
        if self.operational_start is not None and self.operational_start > today:
            return False
        return not self.is_withdrawn(today)

    @property
    def corrections_by_unit(self) -> dict[str | None, list[dict[str, str | None]]]:
        """The corrections grouped by the unit number they concern (None: the whole qualification)."""
        out: dict[str | None, list[dict[str, str | None]]] = {}
        for correction in self.corrections:
            out.setdefault(correction["unit"], []).append(correction)
        return out

    def rules(self) -> QualificationRules:
        """The engine's view of this version. Uses prefetched units when present (no query)."""
        units = sorted(self.units.all(), key=lambda u: u.position)
        return QualificationRules.from_canonical(
            {
                "number": self.number,
                "title": self.title,
                "credits": self.credits,
                "rules_in_source": self.rules_in_source,
                "units": [
                    {"number": u.number, "urn": u.urn, "title": u.title, "credits": u.credits,
                     "level": u.level, "group": u.group}
                    for u in units
                ],
                "groups": self.groups,
                "rules": self.rules_json,
                "barred": self.barred,
                "interpretation": {
                    "level_credits": self.interpretation_level_credits,
                    "group_maximum": self.interpretation_group_maximum,
                },
            }
        )


class Unit(models.Model):
    # The qualification catalogue is shared by every centre.
    shared_across_centres = True

    class Kind(models.TextChoices):
        COMPETENCE = "competence", "competence"
        KNOWLEDGE = "knowledge", "knowledge"

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="units")
    position = models.PositiveIntegerField()  # order the source prints the units in
    # The printed number is the key: URNs may repeat within a specification. A null URN is
    # not known: a correction found the printed one to be another unit's.
    number = models.CharField(max_length=20)
    urn = models.CharField("unit reference number", max_length=20, null=True, blank=True, db_index=True)  # noqa: DJ001
    title = models.TextField()
    level = models.PositiveSmallIntegerField()
    credits = models.PositiveIntegerField()
    glh = models.PositiveIntegerField("guided learning hours", null=True, blank=True)
    group = models.CharField(max_length=20, null=True, blank=True)  # a Qualification.groups[].id  # noqa: DJ001
    kind = models.CharField(max_length=20, choices=Kind.choices, null=True, blank=True)  # noqa: DJ001
    summary = models.TextField(null=True, blank=True)  # noqa: DJ001
    simulation_allowed = models.BooleanField(null=True, blank=True)  # None: the source does not say
    workplace_evidence_required = models.BooleanField(null=True, blank=True)
    assessment_notes = ArrayField(models.TextField(), default=list, blank=True)
    # Kept by PostgreSQL for full-text search of unit titles (weighted first) and summaries.
    search = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["qualification_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "number"], name="unit_unique_number"),
            models.UniqueConstraint(fields=["qualification", "position"], name="unit_unique_position"),
        ]
        indexes = [GinIndex(fields=["search"], name="unit_search")]

    def __str__(self) -> str:
        return f"Unit {self.number} {self.title} ({self.urn or 'reference number not known'})"


class EvidenceRequirement(models.Model):
    """A unit-level coverage item that is not a criterion (e.g. 'busy and quiet periods')."""

    # The qualification catalogue is shared by every centre.
    shared_across_centres = True

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="evidence_requirements")
    position = models.PositiveIntegerField()
    number = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    text = models.TextField()

    class Meta:
        ordering = ["unit_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "position"], name="evidence_requirement_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.number or '-'} {self.text}"


class LearningOutcome(models.Model):
    # The qualification catalogue is shared by every centre.
    shared_across_centres = True

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="outcomes")
    position = models.PositiveIntegerField()
    number = models.CharField(max_length=20)
    title = models.TextField()

    class Meta:
        ordering = ["unit_id", "position"]
        constraints = [models.UniqueConstraint(fields=["unit", "position"], name="outcome_unique_position")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AssessmentCriterion(models.Model):
    # The qualification catalogue is shared by every centre.
    shared_across_centres = True

    outcome = models.ForeignKey(LearningOutcome, on_delete=models.PROTECT, related_name="criteria")
    # Denormalised from the outcome: tracking and mapping pages list a unit's criteria.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="criteria")
    position = models.PositiveIntegerField()
    # As printed; None where the source prints no number. Not unique: duplicates are kept.
    number = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    text = models.TextField()
    search = models.GeneratedField(
        expression=SearchVector("text", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["outcome_id", "position"]
        verbose_name_plural = "assessment criteria"
        constraints = [
            models.UniqueConstraint(fields=["outcome", "position"], name="criterion_unique_position")
        ]
        indexes = [GinIndex(fields=["search"], name="criterion_search")]

    def __str__(self) -> str:
        return f"{self.number or '-'} {self.text}"


class SpecImport(models.Model):
    """A specification uploaded in the browser: read by a Celery task, applied only on confirmation.

    The catalogue is shared by every centre, so only platform staff apply an import; a centre
    admin previews one and requests it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Reading"
        READY = "ready", "Ready to apply"
        REQUESTED = "requested", "Requested"
        FAILED = "failed", "Failed"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # The uploader's centre, so its admins see their own uploads; None for platform staff's uploads.
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    filename = models.CharField(max_length=200)
    text = models.TextField()  # a specification's extracted text is a few hundred kilobytes
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)  # counts, warnings, corrections, preview
    result = models.JSONField(default=list, blank=True)  # the canonical qualifications read
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A centre admin's request that platform staff apply the preview.
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    request_note = models.TextField(blank=True)
    # Set when the email telling platform staff about the request is claimed for sending (sent once).
    request_emailed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
