"""Resumable uploads over HTTP: the tus 1.0.0 endpoints (core, creation, termination, expiration).

The browser creates an upload (POST: the size and name, refused up front when either is
wrong), then sends the bytes in chunks (PATCH at the offset the server has), asks where it
got to after an interruption (HEAD) and resumes from there. These views read the tus
headers and answer in tus; the work is done by the services in `uploads`.

Only the member who created an upload can touch it; anyone else gets a 404. Requests come
from the app's own script with the CSRF token in the X-CSRFToken header.

Forms that take files without JavaScript (evidence, professional discussions) are wrapped in
`limit_plain_uploads`: a post whose declared length is over the limit is refused before a byte
of it is read, and the bytes of a file that passes the limit are not kept (`LimitedUploadHandler`).
`file_discard` is the uploader's "Remove" button: a file not yet in any evidence is deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from apps.core.middleware import refuse_nul_in_form

from . import access
from .models import Upload
from .sniffing import size_in_words
from .storage import FileRejected, OversizeUpload, file_discard, max_upload_bytes
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
    # request.read() streams from the connection; request.body would hold it all in memory. The
    # service leaves `upload` as it recorded it (one query less per chunk than reading it again).
    upload_append(upload=upload, stream=request, offset=offset, content_length=content_length)
    return _tus_response(204, upload)


# --- Files posted with an ordinary form (no JavaScript) ---------------------------------------

FORM_ALLOWANCE = 1024 * 1024  # the form's own fields beside the file: hundreds of criteria ticked


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Writes each posted file to a temporary file, as Django does, until the file passes the
    limit: then that file is dropped and the rest of its bytes are read past, never kept. The
    form then sees an `OversizeUpload`, which `storage.store_upload` refuses in words."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.oversize = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received, self.oversize = 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.oversize:
            return None
        if self.received > self.limit:
            self.oversize = True
            self.file.close()  # a temporary upload file deletes itself when closed
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> Any:
        if self.oversize:
            return OversizeUpload(self.file_name, self.received)
        return super().file_complete(file_size)


def _declared_length(request: HttpRequest) -> int:
    value = request.META.get("CONTENT_LENGTH") or ""
    return int(value) if value.isascii() and value.isdigit() else 0


def limit_plain_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view whose form posts files: refuse a body declared over the limit before reading
    any of it, and read the rest with `LimitedUploadHandler`.

    Django's CSRF check reads the body, so it must come after the handler is in place: the
    wrapper is exempt from the middleware's check and runs the same check itself, afterwards.
    """
    protected = csrf_protect(refuse_nul_in_form(view))  # the form is read once its handler is in place

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            limit = max_upload_bytes()
            declared = _declared_length(request)
            if declared > limit + FORM_ALLOWANCE:
                return _too_large(request, declared, limit)
            if not hasattr(request, "_files"):  # nothing has read the body yet
                request.upload_handlers = [LimitedUploadHandler(request, limit=limit)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _too_large(request: HttpRequest, declared: int, limit: int) -> HttpResponse:
    return render(
        request, "evidence/upload_too_large.html",
        {"declared": size_in_words(declared), "limit": size_in_words(limit), "back": request.get_full_path()},
        status=413,
    )


@require_POST
@login_required
def file_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /files/<id>/discard/: the uploader's "Remove" for a file not yet in any evidence."""
    stored = access.file_get_for_discarding(membership=request.membership, pk=pk)
    try:
        file_discard(stored_file=stored, actor=request.user)
    except FileRejected as refused:
        return JsonResponse({"error": refused.reason, "code": refused.code}, status=409)
    return HttpResponse(status=204)
