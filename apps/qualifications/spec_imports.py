"""Importing a specification uploaded in the browser: run in Celery, preview, request, apply.

Nothing reaches the catalogue until a person has read the preview (counts, warnings,
corrections). The catalogue is shared by every centre, so a centre admin asks platform staff
to apply their preview and platform staff apply it; a failed or discarded import changes
nothing. Who may do what is decided in `access`; this module decides what each state allows.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_platform_staff
from apps.audit.services import audit_record
from apps.core import outbox
from apps.notifications.services import notify

from . import access
from .canonical import canonical_digest
from .importers import ImportError_, count, import_text
from .models import Qualification, SpecImport
from .schema import validate
from .services import catalogue_load

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.centres.models import Membership

MAX_SPEC_BYTES = 5 * 1024 * 1024
Status = SpecImport.Status


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
def spec_import_create(*, actor: User, membership: Membership | None, filename: str, text: str) -> SpecImport:
    access.spec_import_require_uploading(user=actor, membership=membership)
    spec_import = SpecImport.objects.create(
        uploaded_by=actor,
        centre=access.spec_import_centre_for_upload(user=actor, membership=membership),
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

    outbox.enqueue(run_spec_import, spec_import.pk)
    return spec_import


def _progress(spec_import: SpecImport, percent: int, stage: str) -> None:
    SpecImport.objects.filter(pk=spec_import.pk, status=Status.RUNNING).update(progress=percent, stage=stage)


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
    # Only a running import is finished: one discarded while it was read stays discarded.
    SpecImport.objects.filter(pk=spec_import.pk, status=Status.RUNNING).update(
        status=status,
        error=error,
        report=report or {},
        result=result or [],
        progress=100,
        stage="Finished",
        finished_at=timezone.now(),
    )


# --- what each state allows -------------------------------------------------------------


def _request_problem(spec_import: SpecImport) -> str | None:
    if spec_import.status == Status.READY:
        return None
    if spec_import.status == Status.REQUESTED:
        return "Platform staff have already been asked to apply this import."
    if spec_import.status == Status.FAILED:
        return "This import failed, so there is nothing to apply. Correct the file and upload it again."
    if spec_import.is_pending:
        return "The file is still being read; ask platform staff once the preview is ready."
    return f"This import has already been {spec_import.get_status_display().lower()}."


def _apply_problem(spec_import: SpecImport) -> str | None:
    if spec_import.status == Status.REQUESTED or (spec_import.status == Status.READY and spec_import.centre_id is None):
        return None
    if spec_import.status == Status.READY:
        return f"{spec_import.centre.name} has not asked for this import to be applied."
    if spec_import.status == Status.FAILED:
        return "This import failed, so there is nothing to apply."
    if spec_import.is_pending:
        return "The file is still being read; only a ready preview can be applied."
    return f"This import has already been {spec_import.get_status_display().lower()}; it cannot be applied again."


def _discard_problem(spec_import: SpecImport, *, as_centre: bool) -> str | None:
    if spec_import.status in (Status.APPLIED, Status.DISCARDED):
        return f"This import has already been {spec_import.get_status_display().lower()}."
    # Platform staff turn down what a centre asked of them and tidy their own uploads; a
    # preview its centre has not sent them stays the centre's to keep or discard.
    if not as_centre and spec_import.centre_id is not None and spec_import.status != Status.REQUESTED:
        return f"{spec_import.centre.name} has not asked platform staff to apply this import; it is theirs to discard."
    return None


def spec_import_actions(*, user: User, membership: Membership | None, spec_import: SpecImport) -> dict[str, bool]:
    """The buttons the import page offers this person: the same rules the services apply."""
    as_centre = access.discards_as_centre(user=user, membership=membership, spec_import=spec_import)
    return {
        "request": access.can_request_spec_import(user=user, membership=membership, spec_import=spec_import)
        and _request_problem(spec_import) is None,
        "apply": access.can_apply_spec_import(user=user, membership=membership, spec_import=spec_import)
        and _apply_problem(spec_import) is None,
        "discard": access.can_discard_spec_import(user=user, membership=membership, spec_import=spec_import)
        and _discard_problem(spec_import, as_centre=as_centre) is None,
    }


def _refuse(problem: str | None) -> None:
    if problem is not None:
        raise ValidationError(problem)


def _import_url(spec_import: SpecImport) -> str:
    return reverse("catalogue_import", args=[spec_import.pk])


# --- decisions ---------------------------------------------------------------------------


@transaction.atomic
def spec_import_request(
    *, spec_import: SpecImport, actor: User, membership: Membership | None, note: str = ""
) -> SpecImport:
    """A centre admin asks platform staff to apply their centre's ready preview."""
    spec_import = access.spec_import_get_for_requesting(
        user=actor, membership=membership, pk=spec_import.pk, for_update=True
    )
    _refuse(_request_problem(spec_import))
    spec_import.status = Status.REQUESTED
    spec_import.requested_at = timezone.now()
    spec_import.requested_by = actor
    spec_import.request_note = note.strip()
    spec_import.save(update_fields=["status", "requested_at", "requested_by", "request_note"])
    audit_record(
        action="catalogue.import_requested",
        actor=actor,
        centre=spec_import.centre,
        obj=spec_import,
        payload={"filename": spec_import.filename, "note": spec_import.request_note},
    )
    from .tasks import email_spec_import_request

    outbox.enqueue(email_spec_import_request, spec_import.pk)
    return spec_import


def _requester_told(spec_import: SpecImport, *, actor: User, subject: str, body: str) -> None:
    """The admin who asked hears the outcome in Attest and by email."""
    if spec_import.centre_id is not None and spec_import.requested_by_id is not None:
        notify(
            recipients=[spec_import.requested_by],
            centre=spec_import.centre,
            subject=subject,
            body=body,
            url=_import_url(spec_import),
            exclude=actor,
        )


def _requesting_centre(spec_import: SpecImport) -> dict[str, Any]:
    return {"requesting_centre": spec_import.centre.name} if spec_import.centre_id is not None else {}


@transaction.atomic
def spec_import_apply(*, spec_import: SpecImport, actor: User, membership: Membership | None) -> list[str]:
    """Platform staff load the previewed qualifications into the shared catalogue; one line each."""
    spec_import = access.spec_import_get_for_applying(
        user=actor, membership=membership, pk=spec_import.pk, for_update=True
    )
    _refuse(_apply_problem(spec_import))
    lines = [
        catalogue_load(data=data, actor=actor, source=spec_import.filename).describe() for data in spec_import.result
    ]
    spec_import.status = Status.APPLIED
    spec_import.applied_at = timezone.now()
    spec_import.applied_by = actor
    spec_import.save(update_fields=["status", "applied_at", "applied_by"])
    # The catalogue belongs to every centre: the event is the platform's, not one centre's.
    audit_record(
        action="catalogue.import_applied",
        actor=actor,
        centre=None,
        obj=spec_import,
        payload={"filename": spec_import.filename, **_requesting_centre(spec_import), "result": lines},
    )
    _requester_told(
        spec_import,
        actor=actor,
        subject=f"Platform staff applied your import of {spec_import.filename}",
        body="\n".join(lines),
    )
    return lines


@transaction.atomic
def spec_import_discard(*, spec_import: SpecImport, actor: User, membership: Membership | None) -> None:
    """Platform staff turn an import down, or an admin of its centre withdraws it before it is applied."""
    spec_import = access.spec_import_get_for_discarding(
        user=actor, membership=membership, pk=spec_import.pk, for_update=True
    )
    as_centre = access.discards_as_centre(user=actor, membership=membership, spec_import=spec_import)
    _refuse(_discard_problem(spec_import, as_centre=as_centre))
    spec_import.status = Status.DISCARDED
    spec_import.discarded_at = timezone.now()
    spec_import.discarded_by = actor
    spec_import.save(update_fields=["status", "discarded_at", "discarded_by"])
    audit_record(
        action="catalogue.import_discarded",
        actor=actor,
        centre=spec_import.centre if as_centre else None,
        obj=spec_import,
        payload={"filename": spec_import.filename, **({} if as_centre else _requesting_centre(spec_import))},
    )
    if not as_centre:
        _requester_told(
            spec_import,
            actor=actor,
            subject=f"Platform staff discarded your import of {spec_import.filename}",
            body="The catalogue is unchanged.",
        )


# --- telling platform staff --------------------------------------------------------------


def platform_staff_to_email() -> list[User]:
    candidates = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("pk")
    return [user for user in candidates if is_platform_staff(user)]


def spec_import_request_email(*, import_id: int, base_url: str) -> int:
    """Email every active platform-staff account about a request (Celery). The request is
    claimed before anything is sent, so a repeated task sends nothing twice; a failed send
    gives the claim back for the retry."""
    claimed = SpecImport.objects.filter(
        pk=import_id, status=Status.REQUESTED, request_emailed_at=None
    ).update(request_emailed_at=timezone.now())
    if not claimed:
        return 0
    spec_import = SpecImport.objects.select_related("centre", "requested_by").defer("text", "result").get(pk=import_id)
    recipients = [user.email for user in platform_staff_to_email()]
    subject = (
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{spec_import.centre.name} asks you to apply "
        f"a specification import: {spec_import.filename}"
    )
    body = render_to_string(
        "qualifications/email/import_requested.txt",
        {"imp": spec_import, "link": base_url.rstrip("/") + _import_url(spec_import)},
    )
    try:
        send_mass_mail([(subject, body, None, [email]) for email in recipients], fail_silently=False)
    except Exception:
        SpecImport.objects.filter(pk=import_id).update(request_emailed_at=None)
        raise
    return len(recipients)
