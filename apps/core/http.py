"""Facts about a request, and answers, that several apps need the same way."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind NUM_PROXIES trusted proxies, read it from X-Forwarded-For:
    each proxy appends the address it saw, so the one we trust is that many places from the end."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def over_budget(request: HttpRequest, scope: str, budget: tuple[int, int]) -> bool:
    """Counts this request against its address's budget of (limit, window in seconds) for a
    public page; True once the limit is passed. The page's secrets cannot be guessed anyway,
    but nobody should be able to try."""
    limit, window = budget
    key = f"{scope}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def private_download(content: bytes | IO[bytes], filename: str, content_type: str) -> HttpResponseBase:
    """A file for the signed-in reader only, as an attachment: bytes made now, or an open
    stored file streamed. Never cached on the way, never sniffed into another type."""
    if isinstance(content, bytes):
        response: HttpResponseBase = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
