"""Pages are gzip-compressed for browsers that ask, with Django's BREACH padding; files,
downloads, ranges and streams are sent exactly as stored (apps/core/compression.py)."""

from __future__ import annotations

import gzip
import io

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from apps.core.compression import HtmlGZipMiddleware, compressible
from apps.evidence.storage import store
from tests.assessment.helpers import submitted
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import attach

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
# Text compresses well: if anything compressed a file, it would be this one.
NOTES = b"Observation notes: the learner greeted the customer and checked the account.\n" * 200


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_compression_comes_first_so_it_sees_the_response_as_sent():
    assert settings.MIDDLEWARE[0] == "apps.core.compression.HtmlGZipMiddleware"
    assert settings.MIDDLEWARE[1] == "apps.core.unavailable.UnavailableMiddleware"


def test_an_html_page_is_gzipped_when_asked_with_random_padding(client, people):
    evidence = submitted(people.enrolment, people.learner.user)
    client.force_login(people.assessor.user)
    page = f"/assessment/evidence/{evidence.pk}/"
    plain = client.get(page)
    assert not plain.has_header("Content-Encoding") and b"</html>" in plain.content
    assert "Accept-Encoding" in plain["Vary"]

    sizes = set()
    for _ in range(8):
        response = client.get(page, **GZIP)
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content) < len(plain.content) / 2
        # The gzip header carries a file name of random bytes (FNAME, flag 8): BREACH padding.
        assert response.content[3] & gzip.FNAME
        html = gzip.decompress(response.content).decode()
        assert "Sign and record the assessment" in html and html.endswith("</html>\n")
        sizes.add(len(response.content))
    assert len(sizes) > 1  # the length of a compressed page tells nothing by itself


def test_a_file_download_a_range_and_a_file_shown_are_never_compressed(client, people, private_storage):
    stored = store(source=io.BytesIO(NOTES), original_name="notes.txt", centre=people.centre,
                   uploaded_by=people.learner.user)
    attach(stored, people.enrolment, people.learner.user)
    client.force_login(people.assessor.user)

    for address in (f"/files/{stored.pk}/", f"/files/{stored.pk}/view/"):
        response = client.get(address, **GZIP)
        assert response.status_code == 200 and not response.has_header("Content-Encoding")
        assert "Accept-Encoding" not in response.get("Vary", "")
        assert response["Content-Length"] == str(len(NOTES)) and body(response) == NOTES

    part = client.get(f"/files/{stored.pk}/", HTTP_RANGE="bytes=100-199", **GZIP)
    assert part.status_code == 206 and not part.has_header("Content-Encoding")
    assert part["Content-Range"] == f"bytes 100-199/{len(NOTES)}" and body(part) == NOTES[100:200]


def test_only_whole_html_responses_are_compressed(rf):
    page = HttpResponse(b"<p>" + b"x" * 500 + b"</p>")
    assert compressible(page)
    assert not compressible(StreamingHttpResponse(iter([b"<p>" + b"x" * 500]), content_type="text/html"))
    attachment = HttpResponse(b"<p>" + b"x" * 500, content_type="text/html")
    attachment["Content-Disposition"] = 'attachment; filename="page.html"'
    assert not compressible(attachment)
    assert not compressible(HttpResponse(b"{}" * 500, content_type="application/json"))
    middleware = HtmlGZipMiddleware(lambda request: page)
    assert middleware(rf.get("/", HTTP_ACCEPT_ENCODING="gzip"))["Content-Encoding"] == "gzip"
