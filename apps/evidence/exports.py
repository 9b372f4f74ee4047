"""Portfolio export: a ZIP of every file, a readable index.html and a JSON manifest with hashes."""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
import zipfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core import outbox
from apps.learners.models import Enrolment

from . import access
from .models import EvidenceFile, EvidenceVersion, PortfolioExport
from .uploads import temp_dir as uploads_temp_dir

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@transaction.atomic
def portfolio_export_request(*, enrolment: Enrolment, actor, base_url: str) -> PortfolioExport:
    """Queue a ZIP of the portfolio for the learner or a centre admin; Celery builds it."""
    access.require_exporter(actor, enrolment)
    export = PortfolioExport.objects.create(centre=enrolment.centre, enrolment=enrolment, requested_by=actor)
    audit_record(action="portfolio.export_requested", actor=actor, centre=enrolment.centre, obj=export,
                 payload={"enrolment": enrolment.pk})
    from .tasks import build_portfolio_export

    outbox.enqueue(build_portfolio_export, export.pk, base_url)
    return export


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "file"
    return cleaned[:120]


def _versions(enrolment: Enrolment, *, drafts: bool) -> list[EvidenceVersion]:
    """Every version, or (for anyone but the learner) the submitted ones: drafts are private."""
    versions = EvidenceVersion.objects.filter(evidence__enrolment=enrolment)
    if not drafts:
        versions = versions.filter(submitted_at__isnull=False)
    return list(
        versions
        .select_related("evidence")
        .prefetch_related(
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")),
            Prefetch("suggested_criteria"),
        )
        .order_by("evidence_id", "number")
    )


def _manifest(enrolment: Enrolment, versions: list[EvidenceVersion], paths: dict[int, str]) -> dict[str, Any]:
    evidence: dict[int, dict[str, Any]] = {}
    for v in versions:
        entry = evidence.setdefault(v.evidence_id, {"id": v.evidence_id, "status": v.evidence.status, "versions": []})
        entry["versions"].append({
            "number": v.number, "title": v.title, "date": v.evidence_date.isoformat(), "method": v.method,
            "context": v.context, "description": v.description, "written_account": v.text,
            "submitted_at": v.submitted_at.isoformat() if v.submitted_at else None,
            "declared_name": v.declared_name or None,
            "suggested_criteria": [c.number for c in v.suggested_criteria.all()],
            "files": [
                {"path": paths[row.pk], "original_name": row.file.original_name, "size": row.file.size,
                 "sha256": row.file.sha256, "content_type": row.file.content_type}
                for row in v.evidence_files.all()
            ],
        })
    return {
        "learner": {"name": enrolment.learner.full_name, "uln": enrolment.learner.uln},
        "qualification": {"number": enrolment.qualification.number, "title": enrolment.qualification.title,
                          "version": enrolment.qualification.version},
        "centre": enrolment.centre.name,
        "exported_at": timezone.now().isoformat(),
        "evidence": list(evidence.values()),
    }


MAX_ATTEMPTS = 3
TEMP_PREFIX = "attest-export-"


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "ATTEST_TASK_LEASE_SECONDS", 300))


def _claim(export_id: int) -> bool:
    """Take the export for this worker: a queued one, or one whose last worker's lease lapsed."""
    now = timezone.now()
    return bool(
        PortfolioExport.objects.filter(pk=export_id, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(status=PortfolioExport.Status.QUEUED) | Q(status=PortfolioExport.Status.RUNNING, claimed_until__lt=now))
        .update(status=PortfolioExport.Status.RUNNING, progress=1, claimed_until=now + _lease(), attempts=F("attempts") + 1)
    )


def portfolio_export_build(*, export_id: int, base_url: str) -> None:
    """Build the ZIP (Celery). Idempotent: the export is claimed before any work, so a task
    delivered twice builds it once, and a finished export is only emailed if it was not yet."""
    if not _claim(export_id):
        _email_ready(export_id=export_id, base_url=base_url)  # finished, but perhaps not yet told
        return
    export = PortfolioExport.objects.select_related("enrolment__learner", "enrolment__qualification", "enrolment__centre").get(pk=export_id)
    enrolment = export.enrolment
    versions = _versions(enrolment, drafts=access.export_includes_drafts(export))
    rows = [row for v in versions for row in v.evidence_files.all()]
    paths = {row.pk: f"files/{v.evidence_id}/v{v.number}/{i:02d}-{_safe(row.file.original_name)}"
             for v in versions for i, row in enumerate(v.evidence_files.all(), start=1)}
    manifest = _manifest(enrolment, versions, paths)
    tmp_dir = temp_dir()
    handle, tmp_path = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{export.pk}-", suffix=".zip", dir=tmp_dir)
    os.close(handle)
    key = ""
    try:
        with zipfile.ZipFile(tmp_path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for done, row in enumerate(rows, start=1):
                with default_storage.open(row.file.key, "rb") as source, archive.open(paths[row.pk], "w", force_zip64=True) as target:
                    for chunk in iter(lambda: source.read(1024 * 1024), b""):
                        target.write(chunk)
                # Progress, and the lease renewed: this worker is alive.
                PortfolioExport.objects.filter(pk=export.pk).update(
                    progress=max(1, int(90 * done / max(len(rows), 1))), claimed_until=timezone.now() + _lease()
                )
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            archive.writestr("index.html", render_to_string("evidence/export_index.html", {"m": manifest}))
        key = f"exports/{export.centre_id}/{uuid.uuid4().hex}.zip"
        with open(tmp_path, "rb") as packed:
            key = default_storage.save(key, File(packed))
        size = os.path.getsize(tmp_path)
    except Exception as exc:  # report any failure on the page; leave nothing half-written
        if key:
            default_storage.delete(key)
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=PortfolioExport.Status.FAILED, error=f"The export could not be built: {exc}", finished_at=timezone.now()
        )
        return
    finally:
        os.unlink(tmp_path)
    PortfolioExport.objects.filter(pk=export.pk).update(
        status=PortfolioExport.Status.READY, progress=100, key=key, size=size, finished_at=timezone.now(),
        claimed_until=None,
    )
    _email_ready(export_id=export.pk, base_url=base_url)


def _email_ready(*, export_id: int, base_url: str) -> None:
    claimed_at = timezone.now()
    claim = PortfolioExport.objects.filter(pk=export_id, status=PortfolioExport.Status.READY, emailed_at=None)
    if not claim.update(emailed_at=claimed_at):
        return
    export = PortfolioExport.objects.select_related("requested_by").get(pk=export_id)
    link = base_url.rstrip("/") + reverse("portfolio_export", args=[export.pk])
    try:
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your portfolio export is ready",
            message=render_to_string("evidence/email/export_ready.txt", {"export": export, "link": link}),
            from_email=None,
            recipient_list=[export.requested_by.email],
        )
    except Exception:
        PortfolioExport.objects.filter(pk=export_id, emailed_at=claimed_at).update(emailed_at=None)
        raise


def temp_dir() -> str:
    """Exports are packed beside resumable uploads in progress (shared by every worker)."""
    path = uploads_temp_dir()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def exports_recover(*, base_url: str) -> dict[str, int]:
    """Run by Celery beat: an export whose worker died (its lease lapsed while "running") is
    taken up again, or failed with a message after MAX_ATTEMPTS; temporary files no live
    export is writing are deleted."""
    now = timezone.now()
    stale = PortfolioExport.objects.filter(status=PortfolioExport.Status.RUNNING, claimed_until__lt=now)
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=PortfolioExport.Status.FAILED, finished_at=now, claimed_until=None,
        error="The export stopped before it was finished, several times. Ask for a new export; "
              "if it stops again, tell your centre's administrator.",
    )
    resumed = 0
    from .tasks import build_portfolio_export

    for export_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            outbox.enqueue(build_portfolio_export, export_id, base_url)
        resumed += 1
    live = set(
        PortfolioExport.objects.filter(status=PortfolioExport.Status.RUNNING, claimed_until__gte=now).values_list("pk", flat=True)
    )
    swept = 0
    for entry in os.scandir(temp_dir()):
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        owner = entry.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and int(owner) in live:
            continue
        if entry.stat().st_mtime < (now - _lease()).timestamp():
            os.unlink(entry.path)
            swept += 1
    return {"failed": failed, "resumed": resumed, "swept": swept}
