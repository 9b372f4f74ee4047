"""Resumable uploads: a tus 1.0.0 server (core, creation, termination, expiration).

The browser creates an upload (POST: the size and name, refused up front when either is
wrong), then sends the bytes in chunks (PATCH at the offset the server has), asks where it
got to after an interruption (HEAD) and resumes from there. Bytes land in a temporary file
under ATTEST_UPLOAD_TEMP_DIR, read from the request 1 MiB at a time, never whole. When the
last byte arrives the file is inspected and stored (`files.store`); the response names the
stored file, or says in words why it was refused, and the temporary file is removed.

Only the member who created an upload can touch it; anyone else gets a 404. Requests come
from the app's own script with the CSRF token in the X-CSRFToken header.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from apps.centres.roles import Cap

from .files import CHUNK, FileRejected, check_name, check_size, inspect, max_upload_bytes, store
from .models import StoredFile, Upload

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
UPLOAD_LIFETIME = timedelta(hours=24)  # from the last bytes received
UPLOAD_CAPABILITIES = frozenset({Cap.OWN_PORTFOLIO, Cap.ASSESS, Cap.MANAGE_CENTRE})


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
        check_size(length, filename)
    except FileRejected as rejected:
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
    """Inspect and store the completed file. Refused: nothing stored, the reason kept. The temp file goes either way."""
    path = temp_path(upload)
    try:
        inspection = inspect(path, upload.filename)
        stored = store(
            source=path, original_name=upload.filename, centre=upload.centre, uploaded_by=upload.user,
            inspection=inspection,
        )
    except FileRejected as rejected:
        upload.error = rejected.reason
        upload.save(update_fields=["error"])
        raise UploadError(422, rejected.reason, rejected.code) from None
    except Exception:
        logger.exception("storing upload %s failed", upload.pk)
        upload.error = "The file could not be stored because of a problem on our side. Please upload it again."
        upload.save(update_fields=["error"])
        raise UploadError(503, upload.error, "store_failed") from None
    finally:
        path.unlink(missing_ok=True)
    upload.stored_file = stored
    upload.save(update_fields=["stored_file"])
    return stored


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


# --- Views -----------------------------------------------------------------------------------


def _tus_response(status: int, upload: Upload | None = None, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if not upload.is_complete:
            response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
        if upload.stored_file_id:
            response["Attest-File-Id"] = str(upload.stored_file_id)
            response["Attest-File-Sha256"] = upload.stored_file.sha256
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error_response(error: UploadError, upload: Upload | None = None) -> HttpResponse:
    response = _tus_response(error.status)
    response["Content-Type"] = "application/json"
    response.content = json.dumps({"error": error.message, "code": error.code})
    if upload is not None and error.status == 409:
        response["Upload-Offset"] = str(upload.offset)
    if error.status == 412:
        response["Tus-Version"] = TUS_VERSION
    return response


def _options() -> HttpResponse:
    return _tus_response(
        204, Tus_Version=TUS_VERSION, Tus_Extension=TUS_EXTENSIONS, Tus_Max_Size=str(max_upload_bytes())
    )


def _check_request(request: HttpRequest) -> Any:
    """The acting membership, or UploadError: signed in, allowed to upload, speaking tus 1.0.0."""
    membership = getattr(request, "membership", None)
    if not request.user.is_authenticated or membership is None:
        raise UploadError(403, "You are not signed in any more. Sign in again, then add the file again.", "signed_out")
    if not any(membership.can(cap) for cap in UPLOAD_CAPABILITIES):
        raise UploadError(403, "Your role in this centre does not allow uploading files.", "forbidden")
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise UploadError(412, f"This server speaks tus {TUS_VERSION}.", "tus_version")
    return membership


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs."""
    metadata: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise UploadError(400, "The file's details (its name and type) could not be read.", "metadata") from None
    return metadata


def _non_negative(value: str | None) -> int | None:
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def upload_collection(request: HttpRequest) -> HttpResponse:
    """POST /files/uploads/: create an upload. OPTIONS: what this server supports."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        response = _tus_response(405)
        response["Allow"] = "OPTIONS, POST"
        return response
    try:
        membership = _check_request(request)
        if "Upload-Defer-Length" in request.headers:
            raise UploadError(400, "Uploads must say their size when they start.", "deferred_length")
        length = _non_negative(request.headers.get("Upload-Length"))
        if length is None:
            raise UploadError(400, "The upload did not say how big the file is.", "no_length")
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = upload_create(
            centre=membership.centre, user=request.user, filename=metadata.get("filename", ""), length=length
        )
    except UploadError as error:
        return _error_response(error)
    return _tus_response(201, upload, Location=reverse("upload_detail", args=[upload.pk]))


def upload_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """HEAD: where the upload got to. PATCH: more bytes. DELETE: abandon it."""
    if request.method == "OPTIONS":
        return _options()
    if request.method not in {"HEAD", "PATCH", "DELETE"}:
        response = _tus_response(405)
        response["Allow"] = "OPTIONS, HEAD, PATCH, DELETE"
        return response
    upload = None
    try:
        membership = _check_request(request)
        upload = (
            Upload.objects.select_related("stored_file", "centre", "user")
            .filter(pk=pk, user=request.user, centre=membership.centre_id, expires_at__gt=timezone.now())
            .first()
        )
        if upload is None:
            raise UploadError(404, "This upload is no longer here. Start it again.", "not_found")
        if request.method == "HEAD":
            return _head(upload)
        if request.method == "DELETE":
            upload_abandon(upload=upload)
            return _tus_response(204)
        return _patch(request, upload)
    except UploadError as error:
        response = _error_response(error, upload)
        if request.method == "HEAD":
            response.content = b""  # a HEAD answer has no body; the status says it
        return response


def _head(upload: Upload) -> HttpResponse:
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
    return _tus_response(200, upload)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        raise UploadError(415, "Upload chunks must be sent as application/offset+octet-stream.", "content_type")
    offset = _non_negative(request.headers.get("Upload-Offset"))
    if offset is None:
        raise UploadError(400, "The chunk did not say where in the file it belongs.", "no_offset")
    content_length = _non_negative(request.META.get("CONTENT_LENGTH") or None)
    if content_length is None:
        raise UploadError(411, "The chunk did not say how long it is.", "no_content_length")
    # request.read() streams from the connection; request.body would hold it all in memory.
    upload_append(upload=upload, stream=request, offset=offset, content_length=content_length)
    upload.refresh_from_db()
    return _tus_response(204, upload)
