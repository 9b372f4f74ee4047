"""Rendered pages are sent gzip-compressed to browsers that accept it, safely.

Compression with secrets in a page opens it to BREACH: an attacker who can put text into a
page and watch its compressed length guesses the secrets byte by byte. Django's
`GZipMiddleware` (4.2 and later) adds up to 100 random bytes to each compressed response (in
the gzip header's file name), so lengths no longer tell; its CSRF token is masked afresh in
every response, so it never repeats between two of them.

Only HTML is compressed. Private files, downloads, exports and every streamed response are
left exactly as their views made them: their ranges (Content-Range, a player seeking in a
video) count bytes of the file itself, most are compressed already, and a stream's length is
announced before it is read. WhiteNoise serves its own pre-compressed static files.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = {"text/html"}


def compressible(response: HttpResponse) -> bool:
    if response.streaming or response.status_code == 206:
        return False
    if response.has_header("Content-Disposition") or response.has_header("Content-Range"):
        return False  # a file, as a download or shown in the browser
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type in COMPRESSED_TYPES


class HtmlGZipMiddleware(GZipMiddleware):
    """GZipMiddleware (random bytes against BREACH included) for HTML responses only."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not compressible(response):
            return response
        return super().process_response(request, response)
