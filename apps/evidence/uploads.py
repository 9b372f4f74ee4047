"""Resumable uploads: the services behind the tus endpoints (`upload_views`).

An upload is created with its size and name (refused up front when either is wrong), then
takes its bytes in chunks at the offset it has reached, and can be asked where it got to
after an interruption. Bytes land in a temporary file under ATTEST_UPLOAD_TEMP_DIR, read
from the request 1 MiB at a time, never whole. When the last byte arrives the file is
inspected and stored (`storage.store`); the upload then names the stored file, or is deleted
when the file is refused (the answer says why), and the temporary file is removed.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import StoredFile, Upload
from .sniffing import Rejected, check_name, check_size
from .storage import CHUNK, FileRejected, inspect, max_upload_bytes, store

logger = logging.getLogger(__name__)

UPLOAD_LIFETIME = timedelta(hours=24)  # from the last bytes received


def temp_dir() -> Path:
    configured = getattr(settings, "ATTEST_UPLOAD_TEMP_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / ".data" / "uploads"


def temp_path(upload: Upload) -> Path:
    return temp_dir() / f"{upload.pk}.part"


class UploadError(Exception):
    """A request the upload cannot take: the HTTP status and a sentence for the page."""

    def __init__(self, status: int, message: str, code: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


# --- Services --------------------------------------------------------------------------------


def upload_create(*, centre: Any, user: Any, filename: str, length: int) -> Upload:
    """Start an upload, refusing at once a bad name, an empty file or one over the limit."""
    try:
        check_name(filename)
        check_size(length, filename, limit=max_upload_bytes())
    except Rejected as rejected:
        raise UploadError(413 if rejected.code == "too_large" else 400, rejected.reason, rejected.code) from None
    now = timezone.now()
    with transaction.atomic():
        upload = Upload.objects.create(
            centre=centre, user=user, filename=filename, length=length, created_at=now,
            expires_at=now + UPLOAD_LIFETIME,
        )
        path = temp_path(upload)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.open("xb").close()  # if this fails the row is rolled back with it
    return upload


@contextmanager
def _locked(upload: Upload, *, wait: bool = False) -> Iterator[IO[bytes] | None]:
    """The temporary file, opened and locked against a second request writing at once.

    Yields None when another request holds it (the client retries: 423 Locked), or when it is gone.
    """
    try:
        handle = open(temp_path(upload), "r+b")
    except FileNotFoundError:
        yield None
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield None
            return
        yield handle
    finally:
        handle.close()  # closing releases the lock


def _reconcile(upload: Upload, handle: IO[bytes]) -> None:
    """The file on disk and the offset recorded agree on the bytes both have (after a crash)."""
    size = os.fstat(handle.fileno()).st_size
    if size > upload.offset:
        handle.truncate(upload.offset)  # bytes written but never acknowledged
    elif size < upload.offset:
        upload.offset = size  # acknowledged bytes lost with the machine: the client resends them
        upload.save(update_fields=["offset"])


def upload_append(*, upload: Upload, stream: Any, offset: int, content_length: int) -> Upload:
    """Write the request body at `offset`, 1 MiB at a time; keep what arrived if the client drops."""
    if upload.error:
        raise UploadError(410, upload.error, "refused")
    with _locked(upload) as handle:
        if handle is None:
            if not temp_path(upload).exists() and upload.stored_file_id is None:
                raise UploadError(404, "This upload is no longer here. Start it again.", "gone")
            raise UploadError(423, "This upload is busy with another request. Try again in a moment.", "locked")
        _reconcile(upload, handle)
        if offset != upload.offset:
            raise UploadError(409, f"The upload is at byte {upload.offset}, not {offset}.", "offset")
        if upload.offset + content_length > upload.length:
            raise UploadError(400, "More bytes were sent than the file's size.", "too_many_bytes")
        handle.seek(upload.offset)
        remaining = content_length
        try:
            while remaining > 0:
                data = stream.read(min(CHUNK, remaining))
                if not data:
                    break  # the client went away: keep what arrived
                handle.write(data)
                remaining -= len(data)
        except OSError:
            logger.info("upload %s interrupted at %s bytes", upload.pk, content_length - remaining)
        handle.flush()
        os.fsync(handle.fileno())  # the offset recorded never runs ahead of the bytes on disk
        upload.offset += content_length - remaining
        upload.expires_at = timezone.now() + UPLOAD_LIFETIME
        upload.save(update_fields=["offset", "expires_at"])
        if upload.is_complete and upload.stored_file_id is None:
            upload_finish(upload=upload)
    return upload


def upload_finish(*, upload: Upload) -> StoredFile:
    """Inspect and store the completed file. Refused: nothing stored and the upload forgotten, its
    reason in the answer (a client asking again learns it is gone). The temp file goes either way."""
    path = temp_path(upload)
    try:
        inspection = inspect(path, upload.filename)
        stored = store(
            source=path, original_name=upload.filename, centre=upload.centre, uploaded_by=upload.user,
            inspection=inspection,
        )
    except FileRejected as rejected:
        upload.delete()
        raise UploadError(422, rejected.reason, rejected.code) from None
    except Exception:
        logger.exception("storing upload %s failed", upload.pk)
        upload.delete()
        raise UploadError(
            503, "The file could not be stored because of a problem on our side. Please upload it again.",
            "store_failed",
        ) from None
    finally:
        path.unlink(missing_ok=True)
    upload.stored_file = stored
    upload.save(update_fields=["stored_file"])
    return stored


def upload_settle(*, upload: Upload) -> None:
    """Where the upload got to, made sure of: the file on disk and the offset agree, or UploadError says why not."""
    if upload.error:
        raise UploadError(410, upload.error, "refused")
    if upload.stored_file_id is None:
        with _locked(upload) as handle:
            if handle is None:
                if temp_path(upload).exists():
                    # A request is still writing or storing it: the offset is not settled (the client retries).
                    raise UploadError(423, "This upload is busy with another request. Try again in a moment.", "locked")
            else:
                _reconcile(upload, handle)


def upload_abandon(*, upload: Upload) -> None:
    """Stop an upload: its bytes are deleted. A file already stored from it stays."""
    with _locked(upload, wait=True):
        temp_path(upload).unlink(missing_ok=True)
        upload.delete()


def uploads_expire(*, now: datetime | None = None) -> int:
    """Delete uploads untouched for a day, and temporary files no upload owns. Returns how many went."""
    now = now or timezone.now()
    count = 0
    for upload in Upload.objects.filter(expires_at__lt=now).iterator():
        with _locked(upload) as handle:
            if handle is None and temp_path(upload).exists():
                continue  # a request is writing to it right now
            temp_path(upload).unlink(missing_ok=True)
            upload.delete()
            count += 1
    directory = temp_dir()
    if directory.is_dir():
        known = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
        cutoff = (now - UPLOAD_LIFETIME).timestamp()
        for path in directory.glob("*.part"):
            if path.stem not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                count += 1
    return count
