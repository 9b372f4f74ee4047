"""The PDF pipeline (apps/core/pdf.py): A4 pages, the bundled fonts embedded, page numbers, and a
fetcher that reads the app's own static files and nothing else."""

from __future__ import annotations

import base64
import http.server
import io
import re
import threading
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from fontTools.ttLib import TTFont

from apps.core import pdf
from apps.core.spreadsheets import csv_bytes, safe_cell

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def streams(data: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated (WeasyPrint compresses them and packs objects in streams)."""
    out = []
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[match.end():]))
        except zlib.error:
            continue
    return out


def render(body: str, **context) -> bytes:
    template = engines["django"].from_string('{% extends "pdf/base.html" %}{% block heading %}Test record{% endblock %}'
                                             "{% block content %}" + body + "{% endblock %}")
    return pdf.render_html_to_bytes(template.render(context))


def test_a_pdf_is_a4_with_the_bundled_fonts_embedded_and_no_other():
    data = render("<p>Plain words and <strong>bold words</strong>: Zoë paid £5 “today”.</p>")
    assert data.startswith(b"%PDF-")
    inflated = b"\n".join(streams(data))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", inflated)
    assert boxes and all(abs(float(w) - 595.28) < 0.5 and abs(float(h) - 841.89) < 0.5 for w, h in boxes)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([^\s/>]+)", inflated))
    assert fonts == {b"Attest-Sans", b"Attest-Sans-Bold"}, fonts  # nothing from the system
    # The embedded glyphs are those of static/fonts: same font revision and creation date as the bundled file.
    bundled = {name: TTFont(Path(settings.BASE_DIR) / "static" / "fonts" / name) for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}
    embedded = [TTFont(io.BytesIO(s)) for s in streams(data) if s[:4] == b"\x00\x01\x00\x00" and b"glyf" in s[:512]]
    assert len(embedded) == 2
    assert {f["head"].created for f in embedded} == {f["head"].created for f in bundled.values()}


def test_the_header_carries_the_title_and_the_footer_page_numbers():
    template = engines["django"].from_string(
        '{% extends "pdf/base.html" %}{% block heading %}Long record{% endblock %}{% block content %}'
        "{% for i in rows %}<p>Line {{ i }}</p>{% endfor %}{% endblock %}"
    )
    pages = pdf.document_text(pdf.render_document(template.render({"rows": range(120), "centre_name": "Home Centre"})))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Long record" in text and "Home Centre" in text


def test_the_fetcher_reads_a_static_image_and_font():
    fetcher = pdf.fetcher()
    response = fetcher.fetch(pdf.BASE_URL + "static/img/favicon.svg")
    assert response.content_type == "image/svg+xml" and b"<svg" in response.read()
    font = fetcher.fetch(pdf.BASE_URL + "static/fonts/DejaVuSans.ttf")
    assert font.content_type == "font/ttf" and font.read()[:4] == b"\x00\x01\x00\x00"
    data = fetcher.fetch("data:image/png;base64," + base64.b64encode(PNG).decode())
    assert data.read() == PNG


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.com/static/img/favicon.svg",
    "file:///etc/passwd",
    "file://" + str(Path(settings.BASE_DIR) / "static" / "img" / "favicon.svg"),
    "ftp://example.com/x.png",
    pdf.BASE_URL + "static/../config/settings/base.py",
    pdf.BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
    pdf.BASE_URL + "static/js/attest.js",  # a script is not something a PDF embeds
    pdf.BASE_URL + "static/fonts/missing.ttf",
    pdf.BASE_URL + "media/evidence/1/secret.pdf",
    "data:text/html;base64,PGgxPmhpPC9oMT4=",
    "data:,plain text",
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
])
def test_the_fetcher_refuses_anything_outside_the_static_files(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.fetcher().fetch(url)


@pytest.fixture
def http_server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_rendering_never_asks_the_network_even_when_the_page_names_it(http_server):
    origin, hits = http_server
    data = render(f'<img src="{origin}/tracker.png" alt="x"><link rel="stylesheet" href="{origin}/x.css">'
                  '<img src="{{ logo }}" alt="logo">', logo="/static/img/favicon.svg")
    assert data.startswith(b"%PDF-")
    assert hits == []


def test_csv_cells_that_a_spreadsheet_would_run_are_made_inert():
    for text in ["=1+1", "+44 7700", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x.test")']:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Plain") == "Plain" and safe_cell(-3) == -3 and safe_cell(None) == ""
    data = csv_bytes(["Name", "Note"], [["Zoë", "=cmd|' /C calc'!A0"]]).decode("utf-8")
    assert data.startswith("\ufeffName,Note\r\n") and "'=cmd" in data
