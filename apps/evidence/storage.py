"""Private storage of evidence files: checked, copied under a key nobody can guess, and recorded.

`store()` streams a checked file into the default storage (local disk or S3), hashing and
counting as it goes, and records it with its audit event; on any failure nothing is left
behind. The checks themselves are `sniffing.inspect()`; `inspect()` here runs them against
this installation's size limit and reports a refusal as `FileRejected`, a form error.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from apps.audit.services import audit_record

from . import sniffing
from .models import StoredFile
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
    """What a file is, judged from its content; FileRejected with the reason when it may not be kept."""
    try:
        return sniffing.inspect(source, original_name, limit=max_upload_bytes())
    except sniffing.Rejected as rejected:
        raise FileRejected(rejected.reason, code=rejected.code) from None


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

        # robust: a broker that is down must not undo a file that is already committed.
        transaction.on_commit(lambda: make_thumbnail.delay(stored.pk), robust=True)
    return stored


def store_upload(*, uploaded_file: Any, centre: Any, uploaded_by: Any) -> StoredFile:
    """Check and store a file posted in an ordinary form (the uploader's no-JavaScript path).

    Django keeps uploads over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file on disk, so
    this never holds a large file in memory either.
    """
    name = uploaded_file.name or ""
    path = getattr(uploaded_file, "temporary_file_path", None)
    source: str | BinaryIO = path() if path else uploaded_file.file
    inspection = inspect(source, name)
    return store(source=source, original_name=name, centre=centre, uploaded_by=uploaded_by, inspection=inspection)
