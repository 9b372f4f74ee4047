"""Resumable uploads over HTTP: the tus 1.0.0 endpoints (core, creation, termination, expiration).

The browser creates an upload (POST: the size and name, refused up front when either is
wrong), then sends the bytes in chunks (PATCH at the offset the server has), asks where it
got to after an interruption (HEAD) and resumes from there. These views read the tus
headers and answer in tus; the work is done by the services in `uploads`.

Only the member who created an upload can touch it; anyone else gets a 404. Requests come
from the app's own script with the CSRF token in the X-CSRFToken header.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from . import access
from .models import Upload
from .storage import max_upload_bytes
from .uploads import UploadError, upload_abandon, upload_append, upload_create, upload_settle

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"


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
    if not access.may_upload(membership):
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
    upload_settle(upload=upload)
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
