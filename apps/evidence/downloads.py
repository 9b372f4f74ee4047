"""Private files, served only through these views to people who may see them.

Permission comes from `access.file_get` (another centre's file, or one the member cannot
see, is a 404). Local files are streamed with HTTP range support so audio and video can
seek; on S3 the view redirects to a presigned URL that lives a minute, carrying the same
Content-Disposition and type. A PDF is shown in the browser only under a sandboxing
Content-Security-Policy (on S3, which cannot send one, it is downloaded instead).
Downloading someone else's file is an audit event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.views.decorators.http import require_safe

from .access import file_get
from .http_ranges import RangeNotSatisfiable, content_disposition, parse_range
from .models import StoredFile
from .services import file_download_record
from .storage import CHUNK

PRESIGNED_SECONDS = 60
# Shown in the page (images, players, the browser's PDF viewer); anything else is a download.
INLINE_KINDS = {StoredFile.Kind.IMAGE, StoredFile.Kind.AUDIO, StoredFile.Kind.VIDEO}
INLINE_TYPES = {"application/pdf"}
# A PDF can carry scripts and forms: shown in the browser only in a sandbox (no script, no
# same-origin access, no forms), so nothing in it can act as the signed-in person.
SANDBOXED_TYPES = {"application/pdf"}
# Images every browser can draw, so the original stands in until the thumbnail is made.
BROWSER_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@dataclass(frozen=True)
class _Served:
    key: str
    size: int | None
    content_type: str
    filename: str
    etag: str


def _is_s3(storage: Any) -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(storage, S3Storage)


def _read_range(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def _stream(request: HttpRequest, served: _Served, disposition: str) -> HttpResponse:
    storage = default_storage
    header = content_disposition(disposition, served.filename)
    if _is_s3(storage):
        url = storage.url(
            served.key, parameters={"ResponseContentDisposition": header, "ResponseContentType": served.content_type},
            expire=PRESIGNED_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    size = served.size if served.size is not None else storage.size(served.key)
    byte_range = None
    range_header = request.headers.get("Range")
    if range_header and request.headers.get("If-Range", served.etag) == served.etag:
        try:
            byte_range = parse_range(range_header, size)
        except RangeNotSatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response
    handle = storage.open(served.key, "rb")
    if byte_range is None:
        response = FileResponse(handle, content_type=served.content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _read_range(handle, start, end - start + 1), status=206, content_type=served.content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Content-Disposition"] = header
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = served.etag
    response["Cache-Control"] = "private, max-age=3600"  # a file never changes under its id
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _original(stored: StoredFile) -> _Served:
    return _Served(stored.key, stored.size, stored.content_type, stored.original_name, f'"{stored.sha256}"')


def _audit_if_someone_elses(request: HttpRequest, stored: StoredFile, *, inline: bool) -> None:
    if stored.uploaded_by_id == request.user.pk:
        return
    # A player seeking asks for many ranges: one event per opening (no range, or from the start).
    range_header = request.headers.get("Range", "")
    if range_header and not re.fullmatch(r"\s*bytes\s*=\s*0\s*-.*", range_header):
        return
    file_download_record(stored_file=stored, actor=request.user, centre=request.membership.centre, inline=inline)


@require_safe
@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as a download, under its original name."""
    stored = file_get(membership=request.membership, pk=pk)
    _audit_if_someone_elses(request, stored, inline=False)
    return _stream(request, _original(stored), "attachment")


@require_safe
@login_required
def file_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The file shown in the browser (images, audio, video, PDF), seekable; other types download."""
    stored = file_get(membership=request.membership, pk=pk)
    inline = stored.kind in INLINE_KINDS or stored.content_type in INLINE_TYPES
    sandboxed = stored.content_type in SANDBOXED_TYPES
    if sandboxed and _is_s3(default_storage):
        inline = False  # a presigned S3 answer cannot carry the sandbox: there a PDF is downloaded
    _audit_if_someone_elses(request, stored, inline=inline)
    response = _stream(request, _original(stored), "inline" if inline else "attachment")
    if inline and sandboxed:
        response._csp_update = {"sandbox": True}  # added to the app's own policy (django-csp)
    return response


@require_safe
@login_required
def file_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """A small JPEG of an image; the original stands in while the thumbnail is being made."""
    stored = file_get(membership=request.membership, pk=pk)
    if stored.kind != StoredFile.Kind.IMAGE:
        raise Http404("Only images have thumbnails.")
    if stored.thumbnail_key:
        name = f"{stored.original_name.rsplit('.', 1)[0]}-thumbnail.jpg"
        served = _Served(stored.thumbnail_key, None, "image/jpeg", name, f'"{stored.sha256}-thumbnail"')
        return _stream(request, served, "inline")
    if stored.content_type in BROWSER_IMAGES:
        return _stream(request, _original(stored), "inline")
    raise Http404("This image has no thumbnail.")
