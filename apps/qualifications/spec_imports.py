"""Importing a specification uploaded in the browser: run in Celery, preview, apply on confirmation.

Nothing reaches the catalogue until a person has read the preview (counts, warnings,
corrections) and confirmed it; a failed or discarded import changes nothing.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.roles import Cap

from .canonical import canonical_digest
from .importers import ImportError_, count, import_text
from .models import Qualification, SpecImport
from .schema import validate
from .services import catalogue_load

MAX_SPEC_BYTES = 5 * 1024 * 1024


def can_import(user, membership) -> bool:
    return bool(user.is_superuser or (membership is not None and membership.can(Cap.MANAGE_CENTRE)))


def read_upload(upload) -> str:
    """The uploaded file as text, or ValidationError saying plainly what is wrong with it."""
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > MAX_SPEC_BYTES:
        raise ValidationError(f"The file is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB; a specification's text is far smaller.")
    raw = upload.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. Upload the text extracted from the specification's PDF, not the PDF itself."
        ) from None
    if "\x00" in text:
        raise ValidationError("The file contains binary data; upload the specification's text.")
    return text


@transaction.atomic
def spec_import_create(*, actor, membership, filename: str, text: str) -> SpecImport:
    if not can_import(actor, membership):
        raise PermissionDenied
    spec_import = SpecImport.objects.create(
        uploaded_by=actor,
        centre=membership.centre if membership else None,
        filename=filename[:200],
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    audit_record(
        action="catalogue.import_uploaded",
        actor=actor,
        centre=spec_import.centre,
        obj=spec_import,
        payload={"filename": spec_import.filename, "sha256": spec_import.sha256},
    )
    from .tasks import run_spec_import

    transaction.on_commit(lambda: run_spec_import.delay(spec_import.pk))
    return spec_import


def _progress(spec_import: SpecImport, percent: int, stage: str) -> None:
    SpecImport.objects.filter(pk=spec_import.pk).update(progress=percent, stage=stage)


def spec_import_run(*, import_id: int) -> None:
    """Parse and check an upload (Celery). Safe to run twice: a finished import is left alone."""
    with transaction.atomic():
        spec_import = SpecImport.objects.select_for_update().get(pk=import_id)
        if spec_import.status not in (SpecImport.Status.QUEUED, SpecImport.Status.RUNNING):
            return
        spec_import.status = SpecImport.Status.RUNNING
        spec_import.save(update_fields=["status"])
    _progress(spec_import, 10, "Recognising the layout and reading units")
    try:
        qualifications, report = import_text(spec_import.text, spec_import.filename)
    except ImportError_ as exc:
        _finish(spec_import, status=SpecImport.Status.FAILED, error=str(exc))
        return
    _progress(spec_import, 70, "Checking the result against the catalogue format")
    preview = []
    for data in qualifications:
        problems = validate(data)
        current = Qualification.objects.filter(number=data["number"], is_current=True).first()
        if problems:
            effect = "invalid"
        elif current is None:
            effect = "new"
        elif current.content_hash == canonical_digest(data):
            effect = "unchanged"
        else:
            effect = f"new version {current.version + 1}"
        preview.append({"number": data["number"], "title": data["title"], "effect": effect,
                        "problems": problems, **count(data)})
    invalid = [p for p in preview if p["problems"]]
    _finish(
        spec_import,
        status=SpecImport.Status.FAILED if invalid or not preview else SpecImport.Status.READY,
        error="The importer's result does not fit the catalogue format; see the problems below." if invalid
        else ("No qualification was found in the file." if not preview else ""),
        report=report.as_dict(qualifications) | {"preview": preview},
        result=qualifications,
    )


def _finish(spec_import: SpecImport, *, status: str, error: str = "", report=None, result=None) -> None:
    SpecImport.objects.filter(pk=spec_import.pk).update(
        status=status,
        error=error,
        report=report or {},
        result=result or [],
        progress=100,
        stage="Finished",
        finished_at=timezone.now(),
    )


@transaction.atomic
def spec_import_apply(*, spec_import: SpecImport, actor) -> list[str]:
    """Load the previewed qualifications into the catalogue; one line per qualification."""
    spec_import = SpecImport.objects.select_for_update().get(pk=spec_import.pk)
    if spec_import.status != SpecImport.Status.READY:
        raise ValidationError(f"This import is {spec_import.get_status_display().lower()}; only a ready preview can be applied.")
    lines = [
        catalogue_load(data=data, actor=actor, source=spec_import.filename).describe() for data in spec_import.result
    ]
    spec_import.status = SpecImport.Status.APPLIED
    spec_import.applied_at = timezone.now()
    spec_import.applied_by = actor
    spec_import.save(update_fields=["status", "applied_at", "applied_by"])
    audit_record(
        action="catalogue.import_applied", actor=actor, centre=spec_import.centre, obj=spec_import,
        payload={"filename": spec_import.filename, "result": lines},
    )
    return lines


@transaction.atomic
def spec_import_discard(*, spec_import: SpecImport, actor) -> None:
    spec_import = SpecImport.objects.select_for_update().get(pk=spec_import.pk)
    if spec_import.status in (SpecImport.Status.APPLIED, SpecImport.Status.DISCARDED):
        raise ValidationError("This import has already been applied or discarded.")
    spec_import.status = SpecImport.Status.DISCARDED
    spec_import.save(update_fields=["status"])
    audit_record(action="catalogue.import_discarded", actor=actor, centre=spec_import.centre, obj=spec_import)


def spec_imports_visible(*, user, membership) -> QuerySet[SpecImport]:
    """Platform admins see every import; a centre admin sees their centre's."""
    qs = SpecImport.objects.select_related("uploaded_by").defer("text", "result")
    if user.is_superuser:
        return qs
    if membership is None or not membership.can(Cap.MANAGE_CENTRE):
        return qs.none()
    return qs.filter(centre=membership.centre)


def spec_import_get(*, user, membership, pk: int) -> SpecImport:
    return get_object_or_404(spec_imports_visible(user=user, membership=membership), pk=pk)
