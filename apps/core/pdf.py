"""Attest's PDFs: a Django template rendered to HTML, then to an A4 PDF by WeasyPrint.

Every PDF extends `pdf/base.html` (A4 pages, the bundled DejaVu Sans, a header with the
document's title and a footer with "Page n of m"). The renderer reads nothing from the network
or the disk beyond the app's own static files: `StaticOnlyFetcher` resolves `/static/...`
through Django's staticfiles finders (so the fonts ship with the code, never the system's) and
refuses everything else (http, https, file, ftp, a `data:` URL of a type it does not know).
A refused resource is left out of the PDF and logged; it is never fetched.

Kept in `apps.core` (no feature app imported) so that every app, certification included,
renders through the same pipeline.
"""

from __future__ import annotations

import base64
import functools
import logging
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# The document's own origin: relative and root-relative addresses resolve against it, and no
# such host exists (.invalid is reserved), so nothing could be fetched from it even by mistake.
BASE_URL = "https://attest.invalid/"

# What a PDF may embed, by type: fonts, images and stylesheets. Anything else static (scripts,
# pages) is refused too.
ALLOWED_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".css": "text/css",
}
DATA_TYPES = {"image/png", "image/jpeg", "image/gif"}


class ResourceRefused(ValueError):
    """A PDF asked for something outside the app's static files."""


def _static_prefixes() -> list[str]:
    """The addresses a static file may be asked for by: under our own origin, and under
    STATIC_URL itself where that is absolute (a CDN): both are read from the local files."""
    static_url = settings.STATIC_URL or "/static/"
    prefixes = [BASE_URL.rstrip("/") + "/" + static_url.lstrip("/")] if not urlsplit(static_url).scheme else []
    if urlsplit(static_url).scheme in {"http", "https"}:
        prefixes.append(static_url)
    return prefixes


def static_path(url: str) -> Path:
    """The local file a static URL names, or ResourceRefused."""
    for prefix in _static_prefixes():
        if url.startswith(prefix):
            relative = unquote(urlsplit(url[len(prefix):]).path)
            break
    else:
        raise ResourceRefused(f"Not one of Attest's static files: {url[:200]}")
    normalised = posixpath.normpath(relative)
    if not relative or normalised.startswith(("../", "/")) or normalised in {".", ".."} or "\\" in relative:
        raise ResourceRefused(f"Not a static file's path: {relative[:200]}")
    if Path(normalised).suffix.lower() not in ALLOWED_TYPES:
        raise ResourceRefused(f"A PDF does not embed this kind of file: {normalised[:200]}")
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation as exc:
        raise ResourceRefused(str(exc)) from exc
    if not found:
        found = _collected(normalised)
    if not found:
        raise ResourceRefused(f"No such static file: {normalised[:200]}")
    return Path(found)


def _collected(relative: str) -> str | None:
    """After collectstatic, where the finders' sources are absent: the collected copy on disk."""
    root = settings.STATIC_ROOT
    if not root:
        return None
    candidate = (Path(root) / relative).resolve()
    if Path(root).resolve() not in candidate.parents or not candidate.is_file():
        return None
    return str(candidate)


def _data(url: str) -> tuple[str, bytes]:
    """A `data:` URL of an image type we know, decoded; anything else refused."""
    header, sep, payload = url[len("data:"):].partition(",")
    parts = [p.strip().lower() for p in header.split(";")]
    media_type = parts[0] if parts and parts[0] else "text/plain"
    if not sep or media_type not in DATA_TYPES:
        raise ResourceRefused(f"A PDF does not embed data of type {media_type[:60]!r}")
    if "base64" in parts[1:]:
        try:
            return media_type, base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise ResourceRefused("The embedded data is not valid base64") from exc
    return media_type, unquote(payload).encode("latin-1", errors="replace")


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher, narrowed to the app's static files and known data: URLs."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            try:
                if url.lower().startswith("data:"):
                    media_type, body = _data(url)
                    return URLFetcherResponse(url, body, {"Content-Type": media_type})
                path = static_path(url)
            except ResourceRefused as refusal:
                logger.warning("PDF resource refused: %s", refusal)
                raise
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": ALLOWED_TYPES[path.suffix.lower()]})

    return StaticOnlyFetcher


def fetcher() -> Any:
    """A new fetcher for one rendering (WeasyPrint keeps per-request state on it)."""
    return _fetcher_class()()


def render_document(html: str) -> Any:
    """HTML (already rendered) laid out in pages by WeasyPrint, through the static-only fetcher
    and the bundled fonts: a `weasyprint.Document` (its pages' boxes hold the text)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher()).render(font_config=font_config, pdf_tags=True)


def render_html_to_bytes(html: str) -> bytes:
    return render_document(html).write_pdf(pdf_tags=True)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template that extends `pdf/base.html` to PDF bytes (A4, bundled fonts,
    title in the header, page numbers in the footer)."""
    return render_html_to_bytes(render_to_string(template_name, context))


def document_text(document: Any) -> list[str]:
    """Each page's text, line by line, as laid out (the header and footer included): what a
    reader of the PDF sees, for tests and checks."""
    from weasyprint.formatting_structure import boxes

    def lines(box: Any) -> list[str]:
        if isinstance(box, boxes.LineBox):
            return ["".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))]
        if isinstance(box, boxes.TextBox):
            return [box.text]
        return [line for child in getattr(box, "children", []) for line in lines(child)]

    return ["\n".join(line for line in lines(page._page_box) if line.strip()) for page in document.pages]
