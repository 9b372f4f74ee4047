"""Files are downloaded and played only through views that check who is asking; players can seek."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.evidence.http_ranges import content_disposition, parse_range
from apps.evidence.storage import store
from apps.evidence.thumbnails import thumbnail_make
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import attach


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def keep(people, private_storage):
    """keep(data, name, by=learner) -> a StoredFile in the learner's portfolio."""

    def make(data: bytes, name: str, by=None, attached: bool = True):
        stored = store(source=io.BytesIO(data), original_name=name, centre=people.centre,
                       uploaded_by=(by or people.learner).user)
        if attached:
            attach(stored, people.enrolment, people.learner.user)
        return stored

    return make


@pytest.fixture
def recording(keep):
    return keep(samples.mp3(frames=50), "Professional discussion – Zoë.mp3")


# --- Downloading -----------------------------------------------------------------------------


def test_the_owner_downloads_the_file_under_its_original_name(client, people, recording):
    client.force_login(people.learner.user)
    response = client.get(f"/files/{recording.pk}/")
    assert response.status_code == 200
    assert body(response) == samples.mp3(frames=50)
    assert response["Content-Type"] == "audio/mpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(recording.size)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''Professional%20discussion%20%E2%80%93%20Zo%C3%AB.mp3" in disposition
    assert 'filename="Professional discussion  Zoe.mp3"' in disposition
    assert not AuditEvent.objects.filter(action="file.downloaded").exists()  # one's own file


def test_a_name_with_quotes_cannot_break_out_of_the_header():
    header = content_disposition("attachment", 'evil".pdf; x="y')
    assert header.startswith('attachment; filename="evil_.pdf; x=_y"; filename*=UTF-8\'\'evil%22.pdf')


def test_viewing_shows_media_and_pdfs_in_the_page_and_downloads_the_rest(client, people, keep):
    client.force_login(people.learner.user)
    for data, name, disposition in [
        (samples.png(), "a.png", "inline"), (samples.mp4(), "b.mp4", "inline"), (samples.wav(), "c.wav", "inline"),
        (samples.pdf(), "d.pdf", "inline"), (samples.docx(), "e.docx", "attachment"),
        (samples.text(), "f.txt", "attachment"),
    ]:
        response = client.get(f"/files/{keep(data, name).pk}/view/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith(disposition + ";"), name
        assert response["Accept-Ranges"] == "bytes"


def test_a_pdf_is_shown_only_in_a_sandbox(client, people, keep):
    client.force_login(people.learner.user)
    pdf = keep(samples.pdf(), "Witness statement.pdf")
    response = client.get(f"/files/{pdf.pk}/view/")
    assert response["Content-Disposition"].startswith("inline;")
    policy = [d.strip() for d in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy  # no script, no forms, no access to the signed-in page's origin
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy  # the app's own policy stays
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    # Other files shown in the page keep the app's policy alone; a PDF downloaded needs no sandbox.
    photo = keep(samples.png(), "a.png")
    assert "sandbox" not in client.get(f"/files/{photo.pk}/view/")["Content-Security-Policy"]
    assert client.get(f"/files/{pdf.pk}/")["Content-Disposition"].startswith("attachment;")


# --- Ranges, so that audio and video seek ------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-1999", 1000, 1999), ("bytes=-500", None, None), ("bytes=5000-", 5000, None),
     ("bytes=100-999999999", 100, None)],
)
def test_a_range_request_gets_exactly_those_bytes(client, people, recording, asked, first, last):
    data = samples.mp3(frames=50)
    size = len(data)
    first = size - 500 if first is None else first
    last = size - 1 if last is None else last
    client.force_login(people.learner.user)
    response = client.get(f"/files/{recording.pk}/view/", headers={"Range": asked})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)
    assert body(response) == data[first:last + 1]


@pytest.mark.parametrize("asked", ["bytes=999999-", "bytes=-0", f"bytes={len(samples.mp3(frames=50))}-"])
def test_a_range_past_the_end_is_416(client, people, recording, asked):
    client.force_login(people.learner.user)
    response = client.get(f"/files/{recording.pk}/view/", headers={"Range": asked})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{recording.size}"


@pytest.mark.parametrize("asked", ["bytes=0-9,20-29", "lines=1-2", "bytes=9-0", "bytes=abc"])
def test_ranges_that_cannot_be_read_get_the_whole_file(client, people, recording, asked):
    client.force_login(people.learner.user)
    response = client.get(f"/files/{recording.pk}/view/", headers={"Range": asked})
    assert response.status_code == 200 and len(body(response)) == recording.size


def test_a_range_for_a_changed_file_gets_the_whole_file(client, people, recording):
    client.force_login(people.learner.user)
    current = client.get(f"/files/{recording.pk}/view/", headers={"Range": "bytes=0-9", "If-Range": f'"{recording.sha256}"'})
    stale = client.get(f"/files/{recording.pk}/view/", headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert (current.status_code, stale.status_code) == (206, 200)


def test_parse_range_reads_the_forms_http_allows():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes = 2 - 4", 10) == (2, 4)
    assert parse_range("bytes=-", 10) is None


# --- Who may see a file ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["assessor", "iqa", "admin", "eqa"])
def test_staff_who_can_see_the_portfolio_download_and_it_is_recorded(client, people, recording, who):
    member = getattr(people, who)
    client.force_login(member.user)
    assert client.get(f"/files/{recording.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="file.downloaded")
    assert event.actor == member.user and event.object_id == str(recording.pk)
    assert event.payload["name"] == recording.original_name and event.payload["inline"] is False


@pytest.mark.parametrize("who", ["other_assessor", "other_learner", "expired_eqa", "outsider"])
def test_people_who_cannot_see_the_portfolio_get_404(client, people, recording, who):
    client.force_login(getattr(people, who).user)
    for suffix in ("", "view/", "thumbnail/"):
        assert client.get(f"/files/{recording.pk}/{suffix}").status_code == 404
    assert not AuditEvent.objects.filter(action="file.downloaded").exists()


def test_a_file_not_yet_in_any_evidence_is_seen_only_by_who_uploaded_it(client, people, keep):
    stored = keep(samples.pdf(), "draft.pdf", attached=False)
    client.force_login(people.assessor.user)
    assert client.get(f"/files/{stored.pk}/").status_code == 404
    client.force_login(people.learner.user)
    assert client.get(f"/files/{stored.pk}/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, recording):
    response = client.get(f"/files/{recording.pk}/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_player_seeking_through_someone_elses_recording_is_one_event(client, people, recording):
    client.force_login(people.assessor.user)
    for asked in ("bytes=0-", "bytes=4000-", "bytes=9000-"):
        assert client.get(f"/files/{recording.pk}/view/", headers={"Range": asked}).status_code == 206
    assert AuditEvent.objects.filter(action="file.downloaded").count() == 1


def test_the_queries_for_a_file_do_not_grow_with_the_portfolio(client, people, keep):
    client.force_login(people.assessor.user)
    first = keep(samples.pdf(), "one.pdf")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/files/{first.pk}/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(15):
        keep(samples.pdf(), f"more-{n}.pdf")
    assert queries() == few


# --- Thumbnails ---------------------------------------------------------------------------------


def test_an_image_shows_as_a_small_thumbnail_once_it_is_made(client, people, keep):
    photo = keep(samples.png(size=(1200, 900)), "Workstation.png")
    client.force_login(people.assessor.user)
    before = client.get(f"/files/{photo.pk}/thumbnail/")
    assert before.status_code == 200 and before["Content-Type"] == "image/png"  # the original stands in
    thumbnail_make(stored_file_id=photo.pk)
    after = client.get(f"/files/{photo.pk}/thumbnail/")
    assert after.status_code == 200 and after["Content-Type"] == "image/jpeg"
    assert after["Content-Disposition"].startswith("inline;")
    assert len(body(after)) < photo.size
    assert not AuditEvent.objects.filter(action="file.downloaded").exists()


def test_only_images_have_thumbnails(client, people, keep, recording):
    heic = keep(samples.heic(), "IMG_0001.heic")
    client.force_login(people.learner.user)
    assert client.get(f"/files/{recording.pk}/thumbnail/").status_code == 404
    assert client.get(f"/files/{heic.pk}/thumbnail/").status_code == 404  # no browser draws HEIC


# --- On S3: a short-lived presigned address ------------------------------------------------------


def test_on_s3_the_view_redirects_to_a_presigned_address_with_the_same_headers(client, people, s3_server):
    data = samples.mp3(frames=50)
    stored = store(source=io.BytesIO(data), original_name="Café talk.mp3", centre=people.centre,
                   uploaded_by=people.learner.user)
    attach(stored, people.enrolment, people.learner.user)
    client.force_login(people.assessor.user)
    response = client.get(f"/files/{stored.pk}/")
    assert response.status_code == 302
    query = parse_qs(urlparse(response.url).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["60"]
    assert unquote(query["response-content-disposition"][0]).startswith("attachment; ")
    fetched = requests.get(response.url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == data
    assert "filename*=UTF-8''Caf%C3%A9%20talk.mp3" in fetched.headers["Content-Disposition"]
    assert fetched.headers["Content-Type"] == "audio/mpeg"
    seek = requests.get(client.get(f"/files/{stored.pk}/view/").url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert seek.status_code == 206 and seek.content == data[10:20]
    assert AuditEvent.objects.filter(action="file.downloaded").count() == 2


def test_on_s3_a_pdf_is_downloaded_rather_than_shown_without_its_sandbox(client, people, s3_server):
    stored = store(source=io.BytesIO(samples.pdf()), original_name="Plan.pdf", centre=people.centre,
                   uploaded_by=people.learner.user)
    client.force_login(people.learner.user)
    response = client.get(f"/files/{stored.pk}/view/")
    assert response.status_code == 302
    query = parse_qs(urlparse(response.url).query)
    assert unquote(query["response-content-disposition"][0]).startswith("attachment; ")
