"""Writes to the qualification catalogue. Each runs in a transaction with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from apps.audit.services import audit_record

from .canonical import QualificationRows, canonical_text, canonical_to_rows, content_hash, rows_to_canonical
from .models import AssessmentCriterion, EvidenceRequirement, LearningOutcome, Qualification, Unit
from .schema import validate

LoadStatus = Literal["created", "versioned", "unchanged"]
_BATCH = 1000


@dataclass(frozen=True)
class LoadResult:
    qualification: Qualification  # the current version after the load
    status: LoadStatus
    counts: dict[str, int]  # units, outcomes, criteria, evidence_requirements of that version
    previous: Qualification | None = None  # the version this load replaced, if any

    def describe(self) -> str:
        """One line for people: '600/1257/2 new version 2 (was version 1): 39 units, ...'."""
        q = self.qualification
        if self.status == "versioned" and self.previous is not None:
            what = f"new version {q.version} (was version {self.previous.version})"
        else:
            what = f"{self.status} (version {q.version})"
        c = self.counts
        return (
            f"{q.number} {what}: {c['units']} units, {c['outcomes']} outcomes, "
            f"{c['criteria']} criteria, {c['evidence_requirements']} evidence requirements"
        )


def _short(value: str, limit: int = 40) -> str:
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "..."


def _length_problems(rows: QualificationRows) -> list[str]:
    """Values longer than their column: the schema does not limit lengths, the database does."""
    problems: list[str] = []

    def check(obj: models.Model, where: str) -> None:
        for f in obj._meta.concrete_fields:
            if not isinstance(f, models.CharField):
                continue
            value = getattr(obj, f.attname)
            if isinstance(value, str) and len(value) > f.max_length:
                problems.append(f"{where}{f.name}: {_short(value)} is longer than {f.max_length} characters")

    check(rows.qualification, "")
    for i, u in enumerate(rows.units):
        at = f"units[{i}] (unit {_short(u.unit.number)})."
        check(u.unit, at)
        for j, e in enumerate(u.evidence_requirements):
            check(e, f"{at}evidence_requirements[{j}].")
        for j, o in enumerate(u.outcomes):
            check(o.outcome, f"{at}outcomes[{j}].")
            for k, c in enumerate(o.criteria):
                check(c, f"{at}outcomes[{j}].criteria[{k}].")
    return problems


def _prepare(data: Any) -> tuple[QualificationRows, str]:
    """Validated, unsaved rows and the canonical text they export to; ValidationError if bad."""
    if not isinstance(data, dict):
        raise ValidationError(["qualification: expected a mapping of the catalogue format's keys"])
    problems = validate(data)
    if problems:
        raise ValidationError(problems)
    rows = canonical_to_rows(data)
    problems = _length_problems(rows)
    if problems:
        raise ValidationError(problems)
    canonical = rows_to_canonical(rows)
    if canonical != data:
        # Only possible if the format gained a field the database does not keep yet.
        raise ValidationError(["qualification: the database cannot hold everything in this file (format changed?)"])
    return rows, canonical_text(canonical)


def _insert(rows: QualificationRows) -> None:
    """Insert the rows of one version with a handful of bulk statements."""
    rows.qualification.save()
    Unit.objects.bulk_create([u.unit for u in rows.units], batch_size=_BATCH)
    EvidenceRequirement.objects.bulk_create(
        [e for u in rows.units for e in u.evidence_requirements], batch_size=_BATCH
    )
    LearningOutcome.objects.bulk_create([o.outcome for u in rows.units for o in u.outcomes], batch_size=_BATCH)
    AssessmentCriterion.objects.bulk_create(
        [c for u in rows.units for o in u.outcomes for c in o.criteria], batch_size=_BATCH
    )


def catalogue_load(*, data: dict[str, Any], actor=None, source: str) -> LoadResult:
    """Load one qualification in the catalogue format (docs/catalogue-format.md).

    New number: version 1. Same content as the current version: nothing changes. Changed
    content: a new version becomes current and the old version keeps all its rows, because
    enrolments point at the version they were made on. Invalid data raises ValidationError
    with every problem found, and nothing is written.
    """
    rows, text = _prepare(data)
    digest = content_hash(text)
    number = rows.qualification.number
    counts = rows.counts()
    with transaction.atomic():
        # Two loads of the same number queue here instead of racing for the next version.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"qualification:{number}"])
        current = Qualification.objects.filter(number=number, is_current=True).first()
        if current is not None and current.content_hash == digest:
            return LoadResult(qualification=current, status="unchanged", counts=counts)
        latest = Qualification.objects.filter(number=number).aggregate(v=Max("version"))["v"] or 0
        if current is not None:
            current.is_current = False
            current.save(update_fields=["is_current"])
        q = rows.qualification
        q.version = latest + 1
        q.is_current = True
        q.content_hash = digest
        q.loaded_at = timezone.now()
        _insert(rows)
        status: LoadStatus = "created" if latest == 0 else "versioned"
        audit_record(
            action="qualification.loaded" if status == "created" else "qualification.versioned",
            actor=actor,
            centre=None,
            obj=q,
            payload={
                "number": number,
                "version": q.version,
                "previous_version": current.version if current is not None else None,
                "source": source,
                "content_hash": digest,
                **counts,
            },
        )
    return LoadResult(qualification=q, status=status, counts=counts, previous=current)
