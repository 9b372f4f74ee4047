"""The EQA pack: one click gives the external quality assurer a ZIP of the set (apps/eqa/set.py)
with an index PDF, built by a Celery worker that reports its progress on the Pack row.

`pack_request` checks the EQA acts under their open grant, records the pack with the sample
request it is for, audits it and queues the work after the commit. `pack_build` (the task)
claims the pack with a lease (the claim's number is its token: only the worker holding the
newest claim may move it on), re-checks that the grant is still open, then writes the ZIP to a
temporary file entry by entry: CSVs and the spreadsheet a chunk of learners at a time, PDFs one
at a time, a long table split into PDFs of a bounded number of rows (its CSV whole). Nothing of
the pack is ever whole in memory. The file goes to private storage with its size and SHA-256,
and the EQA is told. A worker killed mid-build leaves a lease that lapses: `packs_recover`
(Celery beat) asks for it again, and fails it with a message after MAX_ATTEMPTS claims.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.core import outbox
from apps.core.pdf import render_pdf
from apps.core.spreadsheets import safe_cell
from apps.learners.models import ExternalAccess
from apps.notifications.services import notify

from . import access
from . import set as eqa_set
from .models import Pack, SampleRequest

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # claims of one pack (workers that died holding it) before it is failed
# Rows of one PDF: a longer table is split into parts, each laid out on its own. WeasyPrint holds
# a whole document's layout while it writes it (about a third of a megabyte per row of the wide
# plan table): these bound the pack's memory whatever the number of learners (bench/test_eqa_pack.py).
PLAN_PDF_ROWS = 20
CLAIMS_PDF_ROWS = 40
HEARTBEAT_SECONDS = 10  # a long entry extends the lease at most this often
COPY_BYTES = 1024 * 1024
UNFINISHED = (Pack.Status.QUEUED, Pack.Status.BUILDING)
FAILED_AGAIN = ("The pack stopped before it was finished, several times. Ask for it again; if it stops again, "
                "tell the centre's administrator.")
FAILED_ERROR = "The pack could not be built. Ask for it again; if it fails again, tell the centre's administrator."
ACCESS_ENDED = "This pack was not built: the access it was asked under has ended."


class Lost(Exception):
    """Another worker holds the pack now (this one's lease lapsed): stop without a trace."""


# --- asking for it ------------------------------------------------------------------------------


def _request_words(request: SampleRequest | None) -> str:
    if request is None:
        return "none"
    return f"{request.learners.count()} learners due {eqa_set.day_words(request.due_on)}"


@transaction.atomic
def pack_request(*, actor: Any, grant: ExternalAccess, request_id: int | None = None) -> Pack:
    """Queue the EQA pack of `grant` for its EQA (PermissionDenied for anyone else). The pack is
    for the sample request `request_id` of that grant, else its newest open one (ValidationError
    for a request that is not the grant's, or was withdrawn). Asking again while a pack for the
    same request is still being built returns that one."""
    access.require_eqa_of(membership_for(actor, grant.centre_id), grant)
    ExternalAccess.objects.select_for_update().filter(pk=grant.pk).first()  # two clicks make one pack
    scope = eqa_set.scope_of(grant)
    if request_id is not None:
        chosen = eqa_set.sample_request_for(scope, request_id)
        if chosen is None:
            raise ValidationError({"request": "Choose one of the sample requests you made under this access."})
        if chosen.status != SampleRequest.Status.OPEN:
            raise ValidationError({"request": "That sample request was withdrawn: choose an open one, or none."})
    else:
        chosen = eqa_set.sample_request_for(scope)
    waiting = Pack.objects.filter(grant=grant, requested_by=actor, sample_request=chosen, status__in=UNFINISHED).first()
    if waiting is not None:
        return waiting
    pack = Pack.objects.create(centre_id=grant.centre_id, grant=grant, sample_request=chosen, requested_by=actor)
    audit_record(action="eqa.pack_requested", actor=actor, centre=grant.centre, obj=pack, payload={
        "qualifications": ", ".join(f"{q.number} {q.title}" for q in scope.qualifications),
        "sample_request": _request_words(chosen),
    })
    from .tasks import build_pack

    outbox.enqueue(build_pack, pack.pk)
    return pack


def pack_downloaded(*, actor: Any, pack: Pack) -> None:
    """Record that the EQA took their pack (the view streams it)."""
    audit_record(action="eqa.pack_downloaded", actor=actor, centre=pack.centre, obj=pack,
                 payload={"size": size_words(pack.size or 0), "sha256": pack.sha256})


def size_words(size: int) -> str:
    """A file's size as people read it: 120.9 KB."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def download_name(pack: Pack) -> str:
    centre = re.sub(r"[^a-z0-9]+", "-", pack.centre.name.lower()).strip("-") or "centre"
    return f"eqa-pack-{centre}-{timezone.localtime(pack.requested_at):%Y-%m-%d}-{pack.pk}.zip"


# --- what goes in it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One file of the ZIP: its path, a short title (the progress label), what it is (for the
    index) and how to write it. The parts of one long table share a `group`: the index lists
    them on one line, so it stays one page or two however many learners there are."""

    name: str
    title: str
    what: str
    write: Callable[[IO[bytes], Callable[[], None]], None]  # (target, heartbeat)
    group: str = ""


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "x"


@dataclass(frozen=True)
class Piece:
    """One part of a table split into PDFs: rows offset+1 to last, part n of count."""

    offset: int
    last: int
    n: int
    count: int

    def suffix(self) -> str:
        return f"-part-{self.n:0{len(str(self.count))}d}" if self.count > 1 else ""

    def words(self) -> str:
        return f", part {self.n} of {self.count}" if self.count > 1 else ""


def _pieces(total: int, rows: int) -> list[Piece]:
    """The parts of a table of `total` rows, `rows` a part (one part, maybe empty, at least)."""
    offsets = range(0, max(total, 1), rows)
    return [Piece(offset, min(offset + rows, total), n, len(offsets)) for n, offset in enumerate(offsets, start=1)]


def index_rows(entries: list[Entry]) -> list[tuple[str, str]]:
    """(file, what it is) for the index: one row per file, one per group of parts."""
    rows: list[tuple[str, str]] = []
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.group:
            if entry.group not in grouped:
                grouped[entry.group] = []
                rows.append((entry.group, ""))  # its place, filled in below
            grouped[entry.group].append(entry)
        else:
            rows.append((entry.name, entry.what))
    filled = []
    for name, what in rows:
        parts = grouped.get(name)
        if parts is None:
            filled.append((name, what))
        elif len(parts) == 1:
            filled.append((parts[0].name, f"{name}."))
        else:
            filled.append((f"{parts[0].name} to {parts[-1].name.rsplit('/', 1)[-1]}", f"{name} ({len(parts)} files)."))
    return filled


def _write_csv(target: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], beat: Callable[[], None]) -> None:
    """UTF-8 with a byte-order mark and CRLF lines, every cell made safe (apps/core/spreadsheets.py),
    written as the rows come."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if n % eqa_set.CHUNK == 0:
            beat()
    text.flush()
    text.detach()  # the ZIP entry is closed by its owner


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A spreadsheet cell that is never a formula: text starting with = stays text."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _write_xlsx(target: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], beat: Callable[[], None],
                title: str) -> None:
    """A write-only workbook (openpyxl streams its rows to a temporary file), copied into the ZIP."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for n, row in enumerate(rows, start=1):
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
        if n % eqa_set.CHUNK == 0:
            beat()
    with tempfile.TemporaryFile(dir=_temp_dir()) as spooled:
        book.save(spooled)
        spooled.seek(0)
        shutil.copyfileobj(spooled, target, COPY_BYTES)


def _lazy_pdf(template: str, make: Callable[[], dict[str, Any]], common: dict[str, Any]) -> Callable[..., None]:
    """A PDF whose context is read only when it is written: one part's rows in memory at a time."""
    def write(target: IO[bytes], beat: Callable[[], None]) -> None:
        target.write(render_pdf(template, common | make()))

    return write


def contents(scope: eqa_set.Scope, request: SampleRequest | None, *, made_at: Any = None) -> list[Entry]:
    """Every file of the pack, the index first. Deciding the list reads counts only; each file's
    rows are read when it is written."""
    made_at = made_at or timezone.localtime()
    grant = scope.grant
    common = {"centre_name": grant.centre.name, "made_at": made_at, "grant": grant}
    entries: list[Entry] = []
    parts = eqa_set.PART_BY_SLUG

    # 1. The assessment plan: a spreadsheet and a CSV, never a PDF of every learner.
    plan_what = parts["assessment-plan"].what
    entries.append(Entry("01-assessment-plan.xlsx", "Assessment plan (spreadsheet)", plan_what,
                         lambda target, beat: _write_xlsx(target, eqa_set.PLAN_HEADER,
                                                          (r.cells() for r in eqa_set.iter_plan_rows(scope)), beat,
                                                          "Assessment plan")))
    entries.append(Entry("01-assessment-plan.csv", "Assessment plan (CSV)", plan_what,
                         lambda target, beat: _write_csv(target, eqa_set.PLAN_HEADER,
                                                         (r.cells() for r in eqa_set.iter_plan_rows(scope)), beat)))

    # 2. The strategy in force.
    entries.append(Entry("02-sampling-strategy.pdf", "Sampling strategy", parts["strategy"].what,
                         _lazy_pdf("pdf/eqa/strategy.html", lambda: {
                             "title": "Sampling strategy", **eqa_set.strategy_context(scope)}, common)))

    # 3. Each sampling plan: its rows for these learners as a CSV, and as PDFs of PLAN_PDF_ROWS rows.
    for view in eqa_set.plans(scope):
        plan = view.plan
        stem = f"03-sampling-plans/P-{plan.pk}-{_slug(plan.iqa.full_name)}"
        about = (f"Sampling plan P-{plan.pk}, {plan.iqa.full_name}, {eqa_set.day_words(plan.period_start)} to "
                 f"{eqa_set.day_words(plan.period_end)}: {view.items} samples planned for these learners")
        entries.append(Entry(f"{stem}.csv", f"Sampling plan P-{plan.pk} (CSV)", f"{about}, every row.",
                             _plan_csv(scope, plan)))
        for piece in _pieces(view.items, PLAN_PDF_ROWS):
            title = f"Sampling plan P-{plan.pk}{piece.words()}"
            entries.append(Entry(f"{stem}{piece.suffix()}.pdf", title,
                                 f"Rows {piece.offset + 1} to {piece.last} of {view.items}.",
                                 _lazy_pdf("iqa/reports/pdf_plan.html", _plan_part(scope, plan, piece, title), common),
                                 group=f"{about}, as PDFs of {PLAN_PDF_ROWS} rows"))

    # 4. One record per signed sample of the requested learners (the request bounds their number).
    for sample in eqa_set.requested_samples(scope, request):
        learner = sample.enrolment.learner.full_name
        entries.append(Entry(
            f"04-sample-records/S-{sample.pk}-{_slug(learner)}-unit-{_slug(sample.unit.number, 12)}.pdf",
            f"Sample record S-{sample.pk}", f"IQA sample of {learner}, unit {sample.unit.number}, signed "
                                            f"{eqa_set.day_words(eqa_set.local_day(sample.signed_at))}.",
            _lazy_pdf("iqa/reports/pdf_sample.html", lambda pk=sample.pk: eqa_set.sample_record(scope, pk), common)))

    # 5–8. Standardisation, staff, claims, previous actions.
    entries.append(Entry("05-standardisation.pdf", "Standardisation records", parts["standardisation"].what,
                         _lazy_pdf("pdf/eqa/standardisation.html", lambda: {
                             "title": "Standardisation of the last twelve months",
                             "meetings": eqa_set.meeting_views(eqa_set.meetings(scope))}, common)))
    entries.append(Entry("06-staff-register.pdf", "Staff register", parts["staff"].what,
                         _lazy_pdf("pdf/eqa/staff.html", lambda: {"title": "Staff register",
                                                                  "rows": eqa_set.staff(scope)}, common)))
    entries.append(Entry("06-staff-register.csv", "Staff register (CSV)", parts["staff"].what,
                         lambda target, beat: _write_csv(target, eqa_set.STAFF_HEADER,
                                                         (r.cells() for r in eqa_set.staff(scope)), beat)))
    entries.append(Entry("07-registrations-and-claims.csv", "Registrations and claims (CSV)", parts["claims"].what,
                         lambda target, beat: _write_csv(target, eqa_set.CLAIMS_HEADER,
                                                         (r.cells() for r in eqa_set.iter_claim_rows(scope)), beat)))
    total = eqa_set.claim_enrolments(scope).count()
    for piece in _pieces(total, CLAIMS_PDF_ROWS):
        title = f"Registrations and claims{piece.words()}"
        entries.append(Entry(
            f"07-registrations-and-claims{piece.suffix()}.pdf", title,
            f"Learners {piece.offset + 1} to {piece.last} of {total}, by name." if total else "No learners in this scope.",
            _lazy_pdf("pdf/eqa/claims.html", _claims_part(scope, piece, title), common),
            group=f"{parts['claims'].what[:-1]}, by name, as PDFs of {CLAIMS_PDF_ROWS} learners"))
    entries.append(Entry("08-previous-eqa-actions.pdf", "Previous EQA actions", parts["actions"].what,
                         _lazy_pdf("pdf/eqa/actions.html", lambda: {
                             "title": "EQA actions and their closure", "actions": list(eqa_set.previous_actions(scope)),
                             "today": timezone.localdate()}, common)))

    index = Entry("index.pdf", "Index", "This index: what the pack covers and what each file is.",
                  _lazy_pdf("pdf/eqa/index.html", lambda: {
                      "title": "EQA pack", **eqa_set.summary(scope, request),
                      "files": [("index.pdf", "This index.")] + index_rows(entries)}, common))
    return [index, *entries]


def _plan_csv(scope: eqa_set.Scope, plan: Any) -> Callable[[IO[bytes], Callable[[], None]], None]:
    def write(target: IO[bytes], beat: Callable[[], None]) -> None:
        _write_csv(target, eqa_set.PLAN_ITEMS_HEADER,
                   (eqa_set.plan_item_cells(r) for r in eqa_set.iter_plan_item_rows(scope, plan)), beat)

    return write


def _plan_part(scope: eqa_set.Scope, plan: Any, piece: Piece, title: str) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        items = eqa_set.plan_items(scope, plan)[piece.offset:piece.last]
        return {"plan": plan, "rows": eqa_set.plan_item_rows(items, scope.centre_id),
                "strategies": eqa_set.plan_strategies(plan), "qualifications": list(scope.qualifications),
                "counts": eqa_set.plan_status_counts(scope, plan), "title": title}

    return make


def _claims_part(scope: eqa_set.Scope, piece: Piece, title: str) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        return {"title": title, "rows": eqa_set.claim_rows(eqa_set.claim_enrolments(scope)[piece.offset:piece.last])}

    return make


# --- building it (the worker) -------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "ATTEST_TASK_LEASE_SECONDS", 300))


def _temp_dir() -> str:
    folder = str(settings.ATTEST_UPLOAD_TEMP_DIR)
    os.makedirs(folder, exist_ok=True)
    return folder


def _claim(pack_id: int) -> int | None:
    """Take the pack for this worker: a queued one, or one whose last worker's lease lapsed.
    Returns the claim's number (the token later updates must carry), or None."""
    now = timezone.now()
    with transaction.atomic():
        pack = (Pack.objects.select_for_update(skip_locked=True).filter(pk=pack_id)
                .filter(Q(status=Pack.Status.QUEUED) | Q(status=Pack.Status.BUILDING, leased_until__lt=now)).first())
        if pack is None:
            return None
        pack.status, pack.attempts, pack.leased_until = Pack.Status.BUILDING, pack.attempts + 1, now + _lease()
        pack.save(update_fields=["status", "attempts", "leased_until"])
        return pack.attempts


def _mine(pack_id: int, token: int) -> Any:
    return Pack.objects.filter(pk=pack_id, status=Pack.Status.BUILDING, attempts=token)


def _fail(pack_id: int, token: int, message: str) -> None:
    _mine(pack_id, token).update(status=Pack.Status.FAILED, error=message, finished_at=timezone.now(),
                                 leased_until=None)


class _Progress:
    """Moves the pack's progress on and keeps the lease; raises Lost once another worker holds it."""

    def __init__(self, pack_id: int, token: int, total: int) -> None:
        self.pack_id, self.token, self.total, self.last = pack_id, token, total, 0.0

    def step(self, done: int, label: str) -> None:
        moved = _mine(self.pack_id, self.token).update(
            steps_done=done, steps_total=self.total, step_label=label[:200], leased_until=timezone.now() + _lease())
        if not moved:
            raise Lost
        self.last = time.monotonic()

    def beat(self) -> None:
        if time.monotonic() - self.last < HEARTBEAT_SECONDS:
            return
        if not _mine(self.pack_id, self.token).update(leased_until=timezone.now() + _lease()):
            raise Lost
        self.last = time.monotonic()


def write_zip(entries: list[Entry], packed: IO[bytes], progress: _Progress | None = None) -> None:
    """Write the entries into a ZIP on `packed` (a file), one at a time."""
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for done, entry in enumerate(entries):
            if progress is not None:
                progress.step(done, f"Writing {entry.title}")
            with archive.open(entry.name, "w") as target:
                entry.write(target, progress.beat if progress is not None else lambda: None)
            # A PDF's layout is full of reference cycles: collect it now, so the next file's
            # never piles up on the garbage of the last ones.
            gc.collect()


def build_file(scope: eqa_set.Scope, request: SampleRequest | None, progress: _Progress | None = None,
               entries: list[Entry] | None = None) -> tuple[str, int, str]:
    """Build the pack's ZIP in a temporary file and store it: (storage key, size, SHA-256)."""
    entries = entries if entries is not None else contents(scope, request)
    with tempfile.TemporaryFile(dir=_temp_dir()) as packed:  # gone when closed, or when the worker dies
        write_zip(entries, packed, progress)
        if progress is not None:
            progress.step(len(entries), "Storing the pack")
        size = packed.tell()
        packed.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: packed.read(COPY_BYTES), b""):
            digest.update(chunk)
        packed.seek(0)
        key = default_storage.save(f"eqa-packs/{scope.centre_id}/{uuid.uuid4().hex}.zip", File(packed))
    return key, size, digest.hexdigest()


def pack_build(*, pack_id: int) -> str:
    """Build the pack's ZIP (Celery). Idempotent: claimed before any work, so a task delivered
    twice builds it once; a worker that dies leaves a lease that lapses and the pack is taken up
    again (`packs_recover`). Returns the pack's status."""
    token = _claim(pack_id)
    if token is None:
        return Pack.objects.filter(pk=pack_id).values_list("status", flat=True).first() or "missing"
    pack = Pack.objects.select_related("centre", "grant__centre", "requested_by", "sample_request").get(pk=pack_id)
    if not access.may_act_as_eqa(membership_for(pack.requested_by, pack.centre_id), pack.grant):
        _fail(pack.pk, token, ACCESS_ENDED)
        return Pack.Status.FAILED
    key = ""
    try:
        scope = eqa_set.scope_of(pack.grant)
        entries = contents(scope, pack.sample_request)
        progress = _Progress(pack.pk, token, total=len(entries) + 1)
        progress.step(0, "Starting")
        key, size, digest = build_file(scope, pack.sample_request, progress, entries)
        with transaction.atomic():
            done = _mine(pack.pk, token).update(
                status=Pack.Status.READY, file=key, size=size, sha256=digest, finished_at=timezone.now(),
                steps_done=progress.total, step_label="Ready", leased_until=None, error="")
            if done:
                notify(recipients=[pack.requested_by], centre=pack.centre, subject="Your EQA pack is ready",
                       body=f"The pack for {pack.centre.name} is ready to download ({size_words(size)}).",
                       url=reverse("eqa_pack", args=[pack.pk]))
    except Lost:
        done = 0
    except Exception:
        logger.exception("EQA pack %s could not be built", pack.pk)
        _fail(pack.pk, token, FAILED_ERROR)
        done = 0
    if key and not done:  # another worker took it over, or it failed after storing: keep nothing
        default_storage.delete(key)
    return Pack.objects.values_list("status", flat=True).get(pk=pack.pk)


def packs_recover() -> dict[str, int]:
    """Run by Celery beat: a pack left "being built" by a dead worker (its lease lapsed) is asked
    for again, or failed with a message once MAX_ATTEMPTS workers have died holding it; a pack
    still waiting for a worker a whole lease after it was asked for is asked for again."""
    from .tasks import build_pack

    now = timezone.now()
    lapsed = Pack.objects.filter(status=Pack.Status.BUILDING, leased_until__lt=now)
    failed = lapsed.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Pack.Status.FAILED, error=FAILED_AGAIN, finished_at=now, leased_until=None)
    waiting = Pack.objects.filter(Q(status=Pack.Status.BUILDING, leased_until__lt=now)
                                  | Q(status=Pack.Status.QUEUED, requested_at__lt=now - _lease()))
    resumed = 0
    for pack_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            outbox.enqueue(build_pack, pack_id)
        resumed += 1
    return {"failed": failed, "resumed": resumed}


# --- reads for the pages ------------------------------------------------------------------------


def percent(pack: Pack) -> int:
    if pack.status == Pack.Status.READY:
        return 100
    return min(100, round(100 * pack.steps_done / pack.steps_total)) if pack.steps_total else 0
