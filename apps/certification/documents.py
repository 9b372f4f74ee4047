"""Documents the centre issues to learners: the Internal Record of Achievement and the Centre
Record of Credit, signed PDFs that are never the awarding organisation's (AO's) certificate.

How one document comes to be:

1. **Reserved** (`_reserve`, a short transaction): the learner's claim line is locked, its
   number taken from the centre's counter with one UPDATE … RETURNING, and the row written with
   its number and unguessable public code but no file yet. The partial unique constraint (one
   valid document per line and kind) holds the place: a second reservation finds this one.
2. **Made** (`document_make`, in a Celery worker): the facts read, the PDF rendered
   (apps/core/pdf.py) and signed (signing.py), stored in private storage, and the row completed
   with the file's key and the SHA-256 of the signed PDF in one UPDATE that only a row without
   a file accepts; the audit event goes in the same transaction.

A worker killed between the two finds, when the task is delivered again, the reserved row and
completes it under the same number: no number is taken twice and none is lost. (A worker killed
after storing the file but before recording it leaves that file unreferenced, never a wrong one.)
Until it is made a document is "being made": not on the verification page, not downloadable.

Bulk: a `DocumentRun` for a submitted batch fans out one task per few learners, so several
workers make them at once; the progress is the pairs (learner, kind) that have their document;
the task that completes the last one asks for the ZIP. A run whose lease lapsed (no progress for
a whole lease) is taken up again by `runs_recover`, run by Celery beat.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.core import outbox
from apps.core.pdf import render_html_to_bytes
from apps.core.spreadsheets import csv_bytes
from apps.core.text import name_problem

from . import access, counters, signing
from .models import ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit, Document, DocumentRun, newest_outcomes
from .qr import qr_svg

logger = logging.getLogger(__name__)

Kind = Document.Kind
SERIES = {Kind.ACHIEVEMENT_RECORD: "AR", Kind.CREDIT_CERTIFICATE: "CR"}
# Never "Certificate" in a title: the AO alone issues certificates (domain notes §4.4).
TITLES = {Kind.ACHIEVEMENT_RECORD: "Internal Record of Achievement", Kind.CREDIT_CERTIFICATE: "Centre Record of Credit"}
TEMPLATES = {
    Kind.ACHIEVEMENT_RECORD: "pdf/certification/achievement_record.html",
    Kind.CREDIT_CERTIFICATE: "pdf/certification/credit_record.html",
}
NOT_AO = "Internal record — not an awarding organisation certificate"
BANNER = ("Certificates for regulated qualifications are issued only by {ao}. Units shown have been assessed by "
          "{centre} and may be subject to internal and external quality assurance.")
CHUNK = 5  # learners per task of a run: small enough for several workers to share a batch
MAX_ATTEMPTS = 3  # leases without progress before a run is failed (plus time for its size)
SECONDS_PER_DOCUMENT = 2
MAX_REASON = 1000


# --- numbers ---------------------------------------------------------------------------------


def _take_number(*, centre_id: int, series: str, year: int) -> str:
    """The document number as printed, e.g. AR-2026-000001."""
    return f"{series}-{year}-{counters.take(centre_id, series, year):06d}"


# --- what a document says --------------------------------------------------------------------


def verify_url(code: str) -> str:
    """The verification page's address as printed and encoded in the QR code."""
    return settings.ATTEST_BASE_URL.rstrip("/") + reverse("document_verify", args=[code])


def latest_outcome(line: ClaimLine) -> ClaimOutcome | None:
    """The AO's newest word on the line (outcomes are append-only; the newest counts)."""
    return line.outcomes.first()  # newest first, as ClaimOutcome is ordered


def _line_for_document(line_id: int) -> ClaimLine:
    return (
        ClaimLine.objects.select_related("batch__centre", "enrolment__qualification")
        .get(pk=line_id)
    )


def _units(line: ClaimLine) -> list[ClaimUnit]:
    return list(ClaimUnit.objects.filter(line=line).select_related("unit").order_by("unit__position", "id"))


def document_facts(*, line: ClaimLine, units: list[ClaimUnit], kind: str, number: str, issued_on: date,
                   outcome: ClaimOutcome | None) -> dict[str, Any]:
    """The key facts as printed: kept on the row for the verification page (no date of birth,
    no ULN, no evidence)."""
    batch, qualification = line.batch, line.enrolment.qualification
    certificated = outcome is not None and outcome.status == ClaimOutcome.Status.CERTIFICATED
    submitted = timezone.localtime(batch.submitted_at).date() if batch.submitted_at else None
    return {
        "kind": kind,
        "title": TITLES[kind],
        "centre": batch.centre.name,
        "awarding_organisation": batch.get_awarding_organisation_display(),
        "learner": line.registered_name,
        "qualification_number": qualification.number,
        "qualification_title": qualification.title,
        "qualification_level": qualification.level,
        "claim_type": line.claim_type,
        "batch": batch.reference,
        "claimed_on": submitted.isoformat() if submitted else "",
        "number": number,
        "issued_on": issued_on.isoformat(),
        "units": [
            {"number": u.unit.number, "urn": u.unit.urn or "", "title": u.unit.title, "level": u.unit.level,
             "credits": u.unit.credits, "route": u.route}
            for u in units
        ],
        "credits": sum(u.unit.credits for u in units),
        "ao_certificate_number": outcome.certificate_number if certificated else "",
        "ao_certificate_date": (outcome.certificate_date.isoformat()
                                if certificated and outcome.certificate_date else ""),
    }


def as_date(value: str) -> date | None:
    """A date the facts hold (ISO text, or empty)."""
    return date.fromisoformat(value) if value else None


def document_context(*, document: Document, facts: dict[str, Any], units: list[ClaimUnit]) -> dict[str, Any]:
    """What the PDF template is given: the facts, with dates as dates, each unit's assessment,
    quality assurance and evidence, the banner and the QR code."""
    url = verify_url(document.public_code)
    certified_on = as_date(facts["ao_certificate_date"])
    claimed_on = as_date(facts["claimed_on"])
    rows = []
    for unit, printed in zip(units, facts["units"], strict=True):
        if certified_on:
            status = "Certificated by AO"
        elif claimed_on:
            status = f"Claimed from AO {claimed_on:%d/%m/%Y}"
        else:
            status = "IQA confirmed" if unit.iqa_signed_at else "Assessed – awaiting IQA"
        rows.append({
            **printed, "route_label": ClaimUnit.Route(unit.route).label,
            "assessed": unit.route == ClaimUnit.Route.ASSESSED, "achieved_on": unit.achieved_on,
            "assessor_name": unit.assessor_name, "assessor_signed_at": unit.assessor_signed_at,
            "iqa_name": unit.iqa_name, "iqa_sampled": unit.iqa_sampled, "iqa_signed_at": unit.iqa_signed_at,
            "prior_reference": unit.prior_reference, "status": status,
            "evidence": [e for e in unit.evidence if isinstance(e, dict)],
        })
    return {
        "f": facts,
        "title": facts["title"],
        "centre_name": facts["centre"],
        "banner": BANNER.format(ao=facts["awarding_organisation"], centre=facts["centre"]),
        "not_ao": NOT_AO,
        "issued_on": as_date(facts["issued_on"]),
        "claimed_on": claimed_on,
        "certified_on": certified_on,
        "certificated": bool(facts["ao_certificate_number"]),
        "rows": rows,
        "verify_url": url,
        "qr": qr_svg(url),
        "reissue_of": document.supersedes.number if document.supersedes_id else "",
    }


# --- reserving and making ----------------------------------------------------------------------


def _reserve(*, line_id: int, kind: str, actor: Any, run: DocumentRun | None = None,
             supersedes: Document | None = None) -> tuple[Document, bool]:
    """The line's valid document of this kind, or a new one reserved under a new number
    (`True`). Call it inside a transaction: the line stays locked until it ends."""
    line = ClaimLine.objects.select_for_update(of=("self",)).select_related("batch").get(pk=line_id)
    existing = Document.objects.filter(line=line, kind=kind, status=Document.Status.VALID).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    number = _take_number(centre_id=line.batch.centre_id, series=SERIES[kind], year=timezone.localtime(now).year)
    document = Document.objects.create(
        centre_id=line.batch.centre_id, line=line, kind=kind, number=number,
        public_code=secrets.token_urlsafe(24), facts={}, key="", sha256="", issued_by=actor, issued_at=now,
        run=run, supersedes=supersedes,
    )
    return document, True


def document_make(*, document_id: int, run_id: int | None = None) -> Document:
    """Render, sign and store a reserved document, then record it (Celery), with the progress
    of the run it is made for. Idempotent: a document already made is returned as it is; if two
    deliveries make it at once, the first to record its file wins and the other's is deleted."""
    document = Document.objects.select_related("centre", "supersedes", "issued_by").get(pk=document_id)
    if document.sha256:
        return document
    line = _line_for_document(document.line_id)
    units = _units(line)
    facts = document_facts(line=line, units=units, kind=document.kind, number=document.number,
                           issued_on=timezone.localtime(document.issued_at).date(), outcome=latest_outcome(line))
    html = render_to_string(TEMPLATES[document.kind], document_context(document=document, facts=facts, units=units))
    signed = signing.sign(render_html_to_bytes(html), document.centre)
    digest = hashlib.sha256(signed).hexdigest()
    key = default_storage.save(f"documents/{document.centre_id}/{uuid.uuid4().hex}.pdf", ContentFile(signed))
    with transaction.atomic():
        done = Document.objects.filter(pk=document.pk, sha256="").update(key=key, sha256=digest, facts=facts)
        if done:
            audit_record(action="document.issued", actor=document.issued_by, centre=document.centre, obj=document,
                         payload={"number": document.number, "kind": document.kind, "line": document.line_id,
                                  "sha256": digest, "run": document.run_id,
                                  "supersedes": document.supersedes.number if document.supersedes_id else ""})
            if run_id is not None:
                _progress(run_id)
    if not done:
        default_storage.delete(key)
    document.refresh_from_db()
    return document


# --- services the pages call -------------------------------------------------------------------


def _reason(reason: str, problems: list[str], what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        problems.append(f"Say why the document is {what}: the verification page and the audit trail show it.")
    elif len(reason) > MAX_REASON:
        problems.append(f"Say why in {MAX_REASON} characters at most.")
    elif problem := name_problem(reason, what="The reason", writing=True):
        problems.append(problem)
    return reason


def _claim_problems(line: ClaimLine) -> list[str]:
    """Why no document may be issued for this line now, in words."""
    problems = []
    if line.batch.status != ClaimBatch.Status.SUBMITTED:
        problems.append("Documents are issued only for a claim submitted to the awarding organisation.")
    outcome = latest_outcome(line)
    if outcome is not None and outcome.status == ClaimOutcome.Status.REJECTED:
        problems.append(f"The awarding organisation rejected {line.registered_name}'s claim: no document is issued "
                        "for it.")
    return problems


def document_issue(*, line: ClaimLine, kind: str, actor: Any) -> Document:
    """Issue one document for a learner's claim line: refused while a valid one exists (reissue
    that one instead). Made by a worker after the commit."""
    if kind not in Kind.values:
        raise ValidationError("Choose the achievement record or the credit record.")
    with transaction.atomic():
        access.require_manage(membership_for(actor, line.batch.centre_id))
        problems = _claim_problems(line)
        if problems:
            raise ValidationError(problems)
        document, created = _reserve(line_id=line.pk, kind=kind, actor=actor)
        if not created:
            raise ValidationError(f"{line.registered_name} already has a valid {Kind(kind).label.lower()}: "
                                  f"{document.number}. Reissue that one instead.")
        from .tasks import make_document

        outbox.enqueue(make_document, document.pk)
    return document


def _lock_for_change(document: Document, actor: Any) -> Document:
    access.require_manage(membership_for(actor, document.centre_id))
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status != Document.Status.VALID:
        raise ValidationError(f"Document {locked.number} is {locked.get_status_display().lower()} already: "
                              "only a valid document can be changed.")
    if not locked.sha256:
        raise ValidationError(f"Document {locked.number} is still being made: wait until it is ready.")
    return locked


def document_revoke(*, document: Document, actor: Any, reason: str) -> Document:
    """Revoke a valid document, with the reason the verification page will show."""
    problems: list[str] = []
    reason = _reason(reason, problems, "revoked")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = _lock_for_change(document, actor)
        now = timezone.now()
        Document.objects.filter(pk=locked.pk).update(status=Document.Status.REVOKED, revoked_by=actor, revoked_at=now,
                                                      revoked_reason=reason)
        locked.refresh_from_db()
        audit_record(action="document.revoked", actor=actor, centre=locked.centre, obj=locked,
                     payload={"number": locked.number, "kind": locked.kind, "reason": reason})
    return locked


def document_reissue(*, document: Document, actor: Any, reason: str) -> Document:
    """A new document (new number, new code) supersedes a valid one; the old one's PDF and row
    stay as they were, marked superseded. The new one is made by a worker after the commit."""
    problems: list[str] = []
    reason = _reason(reason, problems, "reissued")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        old = _lock_for_change(document, actor)
        line = ClaimLine.objects.select_related("batch").get(pk=old.line_id)
        problems = _claim_problems(line)
        if problems:
            raise ValidationError(problems)
        Document.objects.filter(pk=old.pk).update(status=Document.Status.SUPERSEDED)
        new, _ = _reserve(line_id=old.line_id, kind=old.kind, actor=actor, supersedes=old)
        audit_record(action="document.reissued", actor=actor, centre=old.centre, obj=new,
                     payload={"number": new.number, "supersedes": old.number, "kind": old.kind, "reason": reason})
        from .tasks import make_document

        outbox.enqueue(make_document, new.pk)
    return new


def document_downloaded(*, actor: Any, document: Document) -> None:
    """Record that someone took the PDF (the view serves it). Call inside a transaction."""
    audit_record(action="document.downloaded", actor=actor, centre=document.centre, obj=document,
                 payload={"number": document.number, "kind": document.kind, "sha256": document.sha256})


@dataclass(frozen=True)
class CopyCheck:
    """A copy someone was given, compared with the PDF issued: the same bytes, or else what its
    signature says (another of the centre's documents, or a changed one)."""

    matches: bool
    verdict: signing.Verdict | None = None


def copy_check(document: Document, data: bytes) -> CopyCheck:
    """Compares by SHA-256; a copy that differs is checked for the centre's signature."""
    if hashlib.sha256(data).hexdigest() == document.sha256:
        return CopyCheck(matches=True)
    return CopyCheck(matches=False, verdict=signing.validate(data, document.centre))


# --- runs: a whole batch at once -------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "ATTEST_TASK_LEASE_SECONDS", 300))


def eligible_lines(batch_id: int) -> QuerySet[ClaimLine]:
    """The batch's lines that may have documents: all but those whose newest AO outcome is a
    rejection."""
    newest = newest_outcomes(OuterRef("pk")).values("status")[:1]
    return (ClaimLine.objects.filter(batch_id=batch_id).annotate(outcome=Subquery(newest))
            .filter(Q(outcome__isnull=True) | ~Q(outcome=ClaimOutcome.Status.REJECTED)))


def _done_pairs(run: DocumentRun) -> QuerySet:
    """The (line, kind) pairs of the run that have their document: a valid one, or one this run
    made and someone revoked or reissued since (the run did its part)."""
    return (
        Document.objects.filter(line__in=eligible_lines(run.batch_id).values("pk"), kind__in=run.kinds)
        .exclude(sha256="").filter(Q(status=Document.Status.VALID) | Q(run_id=run.pk))
        .values("line_id", "kind").distinct()
    )


def run_progress(run: DocumentRun) -> int:
    """Documents made so far (of `run.total`)."""
    return _done_pairs(run).count()


def _complete(run: DocumentRun) -> bool:
    return run_progress(run) >= eligible_lines(run.batch_id).count() * len(run.kinds)


def _missing(run: DocumentRun) -> list[int]:
    """The eligible lines that still lack a document of one of the run's kinds."""
    done: dict[int, int] = {}
    for pair in _done_pairs(run):
        done[pair["line_id"]] = done.get(pair["line_id"], 0) + 1
    lines = eligible_lines(run.batch_id).values_list("pk", flat=True).order_by("pk")
    return [pk for pk in lines if done.get(pk, 0) < len(run.kinds)]


def _fan_out(run: DocumentRun, line_ids: list[int]) -> None:
    """One task per CHUNK learners, through the outbox (call inside a transaction)."""
    from .tasks import make_run_documents

    for start in range(0, len(line_ids), CHUNK):
        outbox.enqueue(make_run_documents, run.pk, line_ids[start:start + CHUNK])


def _ask_for_zip(run: DocumentRun) -> None:
    from .tasks import pack_run

    outbox.enqueue(pack_run, run.pk)


def run_request(*, batch: ClaimBatch, kinds: Iterable[str], actor: Any) -> DocumentRun:
    """Ask for documents of these kinds for every learner of a submitted batch. Learners who
    have a valid one already keep it (and count as done); those rejected by the AO get none."""
    access.require_manage(membership_for(actor, batch.centre_id))
    asked = set(kinds)
    chosen = [k for k in Kind.values if k in asked]
    problems = []
    if not chosen or asked - set(Kind.values):
        problems.append("Choose the documents to make: the achievement record, the credit record or both.")
    if batch.status != ClaimBatch.Status.SUBMITTED:
        problems.append("Documents are made only for a batch submitted to the awarding organisation.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        ClaimBatch.objects.select_for_update().get(pk=batch.pk)  # one request at a time per batch
        if DocumentRun.objects.filter(batch=batch, status=DocumentRun.Status.RUNNING).exists():
            raise ValidationError("Documents for this batch are being made already: wait until they are ready.")
        learners = eligible_lines(batch.pk).count()
        if not learners:
            raise ValidationError("No learner of this batch can have documents: the awarding organisation rejected "
                                  "every claim.")
        now = timezone.now()
        run = DocumentRun.objects.create(batch=batch, kinds=chosen, requested_by=actor, total=learners * len(chosen),
                                         created_at=now, claimed_until=now + _lease())
        audit_record(action="document.run_requested", actor=actor, centre=batch.centre, obj=run,
                     payload={"batch": batch.reference, "kinds": chosen, "learners": learners, "total": run.total})
        missing = _missing(run)
        if missing:
            _fan_out(run, missing)
        else:
            _ask_for_zip(run)
    return run


def run_documents_make(*, run_id: int, line_ids: list[int]) -> int:
    """Make the run's documents for these learners (Celery). Each is reserved, then made as
    `document_make` does, and the progress recorded in the same transaction; the transaction
    that finds every document made asks for the ZIP. Returns how many this call made."""
    run = DocumentRun.objects.select_related("requested_by").filter(pk=run_id).first()
    if run is None or run.status != DocumentRun.Status.RUNNING:
        return 0
    made = 0
    for line_id in eligible_lines(run.batch_id).filter(pk__in=line_ids).values_list("pk", flat=True).order_by("pk"):
        for kind in run.kinds:
            with transaction.atomic():
                document, _ = _reserve(line_id=line_id, kind=kind, actor=run.requested_by, run=run)
            if document.sha256:
                continue  # made before (an earlier delivery of this task, or a document issued alone)
            try:
                document_make(document_id=document.pk, run_id=run.pk)
            except Exception as exc:
                logger.exception("Document %s could not be made", document.number)
                DocumentRun.objects.filter(pk=run.pk, status=DocumentRun.Status.RUNNING).update(
                    status=DocumentRun.Status.FAILED, finished_at=timezone.now(), claimed_until=None,
                    error=f"Document {document.number} could not be made ({type(exc).__name__}). Make the documents "
                          "again; if it fails again, tell Attest's administrators.")
                raise
            made += 1
    return made


def _progress(run_id: int) -> None:
    """In the transaction that records a document: renew the run's lease, or, when every
    document is made, ask for the ZIP. The run's row is locked while counting, so of two
    workers finishing together only the second sees both documents, and asks once."""
    run = DocumentRun.objects.select_for_update(no_key=True).get(pk=run_id)
    if run.status != DocumentRun.Status.RUNNING:
        return
    DocumentRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() + _lease())
    if _complete(run):
        _ask_for_zip(run)


ZIP_LOCKS = 0x4154_5a50  # the advisory locks' namespace: one lock per run while its ZIP is packed


@contextmanager
def _packing(run_id: int) -> Iterator[bool]:
    """Whether this worker may pack the run's ZIP: a PostgreSQL session lock held while it
    packs, so a second delivery finds it taken and stops; a killed worker's connection closes
    and the lock goes with it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ZIP_LOCKS, run_id])
        (taken,) = cursor.fetchone()
    try:
        yield bool(taken)
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ZIP_LOCKS, run_id])


def _zip_name(document: Document) -> str:
    """Unique within the ZIP: a batch's documents are all its centre's, and numbers never repeat
    within a centre."""
    learner = re.sub(r"[^A-Za-z0-9]+", "-", document.facts.get("learner", "")).strip("-")[:60] or "learner"
    return f"{document.number}-{learner}.pdf"


MANIFEST_HEADER = ["File", "Document number", "Document", "Learner", "Qualification", "Issued on", "SHA-256",
                   "Verification page"]


def run_pack(*, run_id: int) -> str:
    """Pack the batch's valid documents of the run's kinds into a ZIP with a manifest (Celery),
    written to a temporary file and streamed to storage, then recorded with its SHA-256. One
    worker packs at a time (`_packing`); a run already packed, or not complete, is left as it
    is. Returns the run's status."""
    with _packing(run_id) as mine:
        run = DocumentRun.objects.select_related("batch").get(pk=run_id)
        if not mine or run.status != DocumentRun.Status.RUNNING or run.zip_key or not _complete(run):
            return run.status  # another worker packs it, it is packed, or runs_recover will take it up
        DocumentRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() + _lease())
        key, digest = _pack(run)
        done = DocumentRun.objects.filter(pk=run.pk, status=DocumentRun.Status.RUNNING, zip_key="").update(
            status=DocumentRun.Status.DONE, zip_key=key, zip_sha256=digest, finished_at=timezone.now(),
            claimed_until=None)
        if not done:
            default_storage.delete(key)
        return DocumentRun.objects.values_list("status", flat=True).get(pk=run.pk)


def _pack(run: DocumentRun) -> tuple[str, str]:
    documents = list(
        Document.objects.filter(line__in=eligible_lines(run.batch_id).values("pk"), kind__in=run.kinds,
                                status=Document.Status.VALID).exclude(sha256="").order_by("number")
    )
    folder = settings.ATTEST_UPLOAD_TEMP_DIR
    os.makedirs(folder, exist_ok=True)
    rows = []
    digest = hashlib.sha256()
    with tempfile.TemporaryFile(dir=folder) as packed:  # gone when closed, or when the worker dies
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for position, document in enumerate(documents, start=1):
                name = _zip_name(document)
                with default_storage.open(document.key, "rb") as source, archive.open(name, "w") as target:
                    for chunk in iter(lambda s=source: s.read(1024 * 1024), b""):
                        target.write(chunk)
                facts = document.facts
                rows.append([name, document.number, facts.get("title", ""), facts.get("learner", ""),
                             f"{facts.get('qualification_number', '')} {facts.get('qualification_title', '')}",
                             facts.get("issued_on", ""), document.sha256, verify_url(document.public_code)])
                if position % 50 == 0:  # this worker is alive
                    DocumentRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() + _lease())
            archive.writestr("manifest.csv", csv_bytes(MANIFEST_HEADER, rows))
        packed.seek(0)
        for chunk in iter(lambda: packed.read(1024 * 1024), b""):
            digest.update(chunk)
        packed.seek(0)
        key = default_storage.save(f"documents/{run.batch.centre_id}/runs/{uuid.uuid4().hex}.zip", File(packed))
    return key, digest.hexdigest()


def runs_recover() -> dict[str, int]:
    """Run by Celery beat. A run whose lease lapsed (no progress for a whole lease: its workers
    died, or its messages were lost) gets its missing documents, or its ZIP, asked for again; a
    run stuck far longer than its size needs is failed with a message. A document reserved but
    not made within a lease (outside any run) is asked for again too."""
    from .tasks import make_document

    now = timezone.now()
    lease = _lease()
    failed = resumed = 0
    for run in DocumentRun.objects.filter(status=DocumentRun.Status.RUNNING, claimed_until__lt=now):
        allowed = MAX_ATTEMPTS * lease + timedelta(seconds=SECONDS_PER_DOCUMENT * run.total)
        with transaction.atomic():
            if run.created_at < now - allowed:
                failed += DocumentRun.objects.filter(pk=run.pk, status=DocumentRun.Status.RUNNING).update(
                    status=DocumentRun.Status.FAILED, finished_at=now, claimed_until=None,
                    error="The documents stopped being made before they were finished, several times. Make them "
                          "again; if they stop again, tell Attest's administrators.")
                continue
            DocumentRun.objects.filter(pk=run.pk).update(claimed_until=now + lease)
            missing = _missing(run)
            if missing:
                _fan_out(run, missing)
            else:
                _ask_for_zip(run)
            resumed += 1
    remade = 0
    for document_id in Document.objects.filter(sha256="", run__isnull=True, issued_at__lt=now - lease).values_list(
            "pk", flat=True):
        with transaction.atomic():
            outbox.enqueue(make_document, document_id)
        remade += 1
    return {"failed": failed, "resumed": resumed, "remade": remade}


# --- reads for the pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunView:
    run: DocumentRun
    made: int

    @property
    def percent(self) -> int:
        if self.run.status == DocumentRun.Status.DONE or not self.run.total:
            return 100
        return min(100, round(100 * self.made / self.run.total))

    @property
    def waiting(self) -> bool:
        return self.run.status == DocumentRun.Status.RUNNING


def run_view(run: DocumentRun) -> RunView:
    return RunView(run=run, made=run_progress(run))


def batch_panel(*, membership: Any, batch: ClaimBatch) -> dict[str, Any]:
    """What a batch's documents panel shows (templates/certification/documents/panel.html, which
    the batch page loads): the newest run with its progress, whether documents may be asked for,
    the kinds to choose, and how many of the batch's documents are valid."""
    run = DocumentRun.objects.filter(batch=batch).order_by("-created_at", "-id").first()
    counts = dict(Document.objects.filter(line__batch=batch, status=Document.Status.VALID).exclude(sha256="")
                  .values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {
        "latest": run_view(run) if run else None,
        "may_make": access.may_manage(membership) and batch.status == ClaimBatch.Status.SUBMITTED,
        "kinds": [{"value": k, "label": TITLES[k], "valid": counts.get(k, 0)} for k in Kind.values],
        "lines": ClaimLine.objects.filter(batch=batch).count(),
    }
