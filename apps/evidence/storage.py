"""Private storage of evidence files: checked, copied under a key nobody can guess, and recorded.

`store()` streams a checked file into the default storage (local disk or S3), hashing and
counting as it goes, and records it with its audit event; on any failure nothing is left
behind. The checks themselves are `sniffing.inspect()`; `inspect()` here runs them against
this installation's size limit, then has the file scanned for viruses (`scanning`), and
reports a refusal as `FileRejected`, a form error.

A file uploaded but never attached to evidence does not stay: its uploader can remove it
(`file_discard`, the uploader's "Remove" button), and `files_sweep` (Celery beat) deletes
those left for more than a day. The audit trail keeps their upload and their removal.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.core import outbox

from . import access, scanning, sniffing
from .models import EvidenceFile, StoredFile, Upload
from .sniffing import CHUNK, Inspection

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3


def max_upload_bytes() -> int:
    return int(getattr(settings, "ATTEST_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class FileRejected(ValidationError):
    """A file that may not be kept, with the reason in words a learner understands."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)
        self.reason = message


def inspect(source: str | Path | BinaryIO, original_name: str) -> Inspection:
    """What a file is, judged from its content and then scanned for viruses (where a scanner is
    configured); FileRejected with the reason when it may not be kept."""
    try:
        inspection = sniffing.inspect(source, original_name, limit=max_upload_bytes())
        scanning.check(source, original_name)  # only files that would be kept are worth the scanner's time
    except sniffing.Rejected as rejected:
        raise FileRejected(rejected.reason, code=rejected.code) from None
    return inspection


class _HashingReader:
    """A forward-only reader that hashes and counts exactly the bytes storage takes from it.

    It says it cannot seek, so storage backends read it once from start to end (S3 uploads
    included). Local storage asks for CHUNK at a time, S3 for one part (8 MiB) at a time.
    """

    closed = False

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1) -> bytes:
        # A short read means the end to callers (S3 transfers), so fill the request: in CHUNK pieces.
        wanted = float("inf") if size is None or size < 0 else size
        pieces = []
        got = 0
        while got < wanted:
            data = self._handle.read(int(min(CHUNK, wanted - got)))
            if not data:
                break
            self.sha256.update(data)
            pieces.append(data)
            got += len(data)
        self.size += got
        return b"".join(pieces)

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        pass  # the caller owns the underlying file


def new_key(centre_id: int) -> str:
    return f"evidence/{centre_id}/{uuid.uuid4().hex}"


def store(
    *,
    source: str | Path | BinaryIO,
    original_name: str,
    centre: Any,
    uploaded_by: Any,
    inspection: Inspection | None = None,
) -> StoredFile:
    """Copy a checked file into private storage and record it; on any failure nothing is kept.

    The copy happens before the database transaction (a 2 GiB copy must not hold one open);
    the row and its audit event are then written together. If that fails, the stored
    object is deleted again. Call it outside any transaction that may later roll back.
    """
    if inspection is None:
        inspection = inspect(source, original_name)
    key = new_key(centre.pk)
    storage = default_storage
    opened = open(source, "rb") if isinstance(source, (str, Path)) else None
    handle: IO[bytes] = opened if opened is not None else source  # type: ignore[assignment]
    saved: str | None = None
    try:
        handle.seek(0)
        reader = _HashingReader(handle)
        content = File(reader, name=key)  # type: ignore[arg-type]
        content.DEFAULT_CHUNK_SIZE = CHUNK  # local storage copies in 1 MiB pieces rather than 64 KiB
        content.content_type = inspection.content_type  # S3 keeps it as the object's type
        saved = storage.save(key, content)
        if reader.size != inspection.size:
            raise FileRejected(
                f"“{original_name}” changed while it was being stored. Upload it again.", code="changed"
            )
        return _record(
            centre=centre, uploaded_by=uploaded_by, key=saved, original_name=original_name, inspection=inspection,
            sha256=reader.sha256.hexdigest(),
        )
    except BaseException:
        discard(storage, saved or key)
        raise
    finally:
        if opened is not None:
            opened.close()


def discard(storage: Any, key: str) -> None:
    """Delete a stored object that must not stay, logging (never raising) when that fails."""
    try:
        storage.delete(key)
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        logger.exception("could not delete %s after a failed store", key)


@transaction.atomic
def _record(*, centre: Any, uploaded_by: Any, key: str, original_name: str, inspection: Inspection,
            sha256: str) -> StoredFile:
    stored = StoredFile.objects.create(
        centre=centre, key=key, original_name=original_name, size=inspection.size, sha256=sha256,
        content_type=inspection.content_type, kind=inspection.kind, uploaded_by=uploaded_by,
    )
    audit_record(
        action="file.uploaded", actor=uploaded_by, centre=centre, obj=stored,
        payload={"name": original_name, "size": inspection.size, "sha256": sha256, "type": inspection.content_type},
    )
    if inspection.kind == StoredFile.Kind.IMAGE:
        from .tasks import make_thumbnail

        outbox.enqueue(make_thumbnail, stored.pk)
    return stored


def store_upload(*, uploaded_file: Any, centre: Any, uploaded_by: Any) -> StoredFile:
    """Check and store a file posted in an ordinary form (the uploader's no-JavaScript path).

    Django keeps uploads over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file on disk, so
    this never holds a large file in memory either.
    """
    name = uploaded_file.name or ""
    if isinstance(uploaded_file, OversizeUpload):
        # The form's upload handler stopped keeping its bytes at the limit (upload_views).
        raise FileRejected(
            f"“{name}” is over the limit of {sniffing.size_in_words(max_upload_bytes())} for one file.",
            code="too_large",
        )
    path = getattr(uploaded_file, "temporary_file_path", None)
    source: str | BinaryIO = path() if path else uploaded_file.file
    inspection = inspect(source, name)
    return store(source=source, original_name=name, centre=centre, uploaded_by=uploaded_by, inspection=inspection)


class OversizeUpload(UploadedFile):
    """Stands in for a file posted with a form whose bytes passed the limit: none of them were kept."""

    def __init__(self, name: str, received: int):
        super().__init__(file=None, name=name, size=received)


# --- Files never attached to evidence ------------------------------------------------------

UNATTACHED_LIFETIME = timedelta(days=1)


def _attached(stored: StoredFile) -> bool:
    return EvidenceFile.objects.filter(file=stored).exists()


def _delete_stored(stored: StoredFile, *, actor: Any, action: str) -> None:
    """The row (and any finished upload naming it) goes with an audit event; the stored objects
    follow once that has committed. Earlier audit events of the file stay."""
    Upload.objects.filter(stored_file=stored).delete()
    audit_record(
        action=action, actor=actor, centre=stored.centre, obj=stored,
        payload={"name": stored.original_name, "size": stored.size, "sha256": stored.sha256},
    )
    keys = [k for k in (stored.key, stored.thumbnail_key) if k]
    stored.delete()
    transaction.on_commit(lambda: [discard(default_storage, key) for key in keys], robust=True)


def file_discard(*, stored_file: StoredFile, actor: Any) -> None:
    """The uploader removed a file from the form before saving it: delete it, if it is theirs
    and in no evidence. FileRejected says why not otherwise."""
    with transaction.atomic():
        stored = StoredFile.objects.select_for_update().filter(pk=stored_file.pk).first()
        if stored is None:
            return  # already gone: removing twice is removing once
        if not access.may_discard(membership_for(actor, stored.centre_id), stored):
            raise PermissionDenied("Only the person who uploaded a file can remove it.")
        if _attached(stored):
            raise FileRejected(
                f"“{stored.original_name}” is part of your evidence, so it stays. "
                "Untick it in the evidence's list of files to take it out.",
                code="attached",
            )
        _delete_stored(stored, actor=actor, action="file.discarded")


def files_sweep(*, now: datetime | None = None) -> int:
    """Delete files uploaded more than a day ago and never attached to any evidence (removed in
    a form, or left behind when the learner went away). Returns how many went."""
    cutoff = (now or timezone.now()) - UNATTACHED_LIFETIME
    candidates = list(
        StoredFile.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=EvidenceFile.objects.values("file_id"))
        .values_list("pk", flat=True)[:1000]
    )
    count = 0
    for pk in candidates:
        try:
            with transaction.atomic():
                # Skip a file someone is attaching right now; it is looked at again next time.
                stored = StoredFile.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if stored is None or _attached(stored):
                    continue
                _delete_stored(stored, actor=None, action="file.swept")
                count += 1
        except DatabaseError:
            logger.exception("could not sweep stored file %s", pk)
    return count
