"""The public verification page a document's QR code opens: no sign-in, not indexed, the key
facts and status (valid, revoked with its reason, superseded with a link to the new one), the
SHA-256 of the PDF, no date of birth or ULN; a copy of the PDF checked against it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.certification import documents
from apps.certification.forms_documents import MAX_COPY_REQUEST, TOO_LARGE
from apps.certification.models import Document
from tests.certification.support_documents import bulk_submitted_batch, certify
from tests.certification.test_documents import AR, CR, issue, stored
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(private_storage, settings, tmp_path):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    return private_storage


def page(client, document: Document, **post):
    url = f"/verify/{document.public_code}/"
    return client.post(url, post) if post else client.get(url)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_anyone_sees_a_valid_documents_key_facts_without_signing_in(client):
    claim = bulk_submitted_batch(learners=1, names=["Amira Shah"])
    document = issue(claim)
    response = page(client, document)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-cache" in response["Cache-Control"]
    shown = text(response)
    for expected in [
        "Internal Record of Achievement", document.number, "Internal record — not an awarding organisation certificate",
        "Riverside Training", "Amira Shah", f"Certificate in Testing ({claim.qualification.number})", "NCFE", "Valid",
        "The centre has neither revoked nor replaced this document.", document.sha256, "A/500/0001", "Unit 1 title",
        "A/500/0002", "2 units, 7 credits", "None recorded when this document was issued",
    ]:
        assert expected in shown, expected
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert "1990" not in shown and "9876543210" not in shown and "ULN" not in shown


def test_the_ao_certificate_is_shown_once_recorded_on_the_document(client):
    claim = bulk_submitted_batch(learners=1)
    certify(claim.lines, claim.admin)
    document = issue(claim, kind=CR)
    shown = text(page(client, document))
    assert f"No. NCFE-{claim.lines[0].pk:07d}, issued" in shown and "Centre Record of Credit" in shown


def test_a_revoked_document_says_so_with_the_reason_and_date(client):
    claim = bulk_submitted_batch(learners=1)
    document = documents.document_revoke(document=issue(claim), actor=claim.admin, reason="Issued to the wrong learner")
    shown = text(page(client, document))
    assert "Revoked" in shown and "Reason: Issued to the wrong learner" in shown
    assert f"Revoked by the centre on {document.revoked_at:%-d %B %Y}" in shown and "Valid" not in shown


def test_a_superseded_document_points_to_the_one_that_replaced_it(client):
    claim = bulk_submitted_batch(learners=1)
    old = issue(claim)
    new = documents.document_reissue(document=old, actor=claim.admin, reason="AO certificate arrived")
    assert "a newer document the centre is making now" in text(page(client, old))
    assert page(client, new).status_code == 404  # not made yet: nothing to check
    new = documents.document_make(document_id=new.pk)
    response = page(client, old)
    assert "Superseded" in text(response) and f'href="/verify/{new.public_code}/"' in response.content.decode()
    assert "Valid" in text(page(client, new))


def test_an_unknown_code_is_not_found(client):
    assert client.get("/verify/not-a-code-at-all/").status_code == 404
    assert client.get("/verify/a%2Fb/").status_code == 404


def test_a_copy_is_checked_by_its_sha256_and_nothing_is_kept(client, private_storage):  # noqa: F811
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    data = stored(document)
    before = sorted(private_storage.rglob("*"))
    same = page(client, document, copy=SimpleUploadedFile("record.pdf", data, content_type="application/pdf"))
    assert same.status_code == 200 and f"The copy matches: it is exactly the PDF the centre issued as {document.number}" \
        in text(same)
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    other = page(client, document, copy=SimpleUploadedFile("record.pdf", bytes(changed)))
    assert "The copy does not match" in text(other) and "changed after it was signed" in text(other)
    assert sorted(private_storage.rglob("*")) == before
    credit = stored(issue(claim, kind=CR))
    another = page(client, document, copy=SimpleUploadedFile("credit.pdf", credit))
    assert "It is signed by Riverside Training and unchanged since, so it is another of the centre's documents" \
        in text(another)


@pytest.mark.parametrize(("upload", "message"), [
    (None, "Choose the PDF file to check."),
    (SimpleUploadedFile("empty.pdf", b""), "That file is empty"),
    (SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 not a pdf"), "That file is not a PDF"),
])
def test_a_bad_copy_gets_a_clear_message(client, upload, message):
    document = issue(bulk_submitted_batch(learners=1))
    response = client.post(f"/verify/{document.public_code}/", {"copy": upload} if upload else {})
    assert response.status_code == 200 and message in text(response)
    assert "The copy matches" not in text(response) and "does not match" not in text(response)
    assert "Unit 1 title" in text(response)  # the page itself is still there


def test_a_copy_declared_larger_than_any_document_is_refused_before_it_is_read(client):
    document = issue(bulk_submitted_batch(learners=1))
    copy = SimpleUploadedFile("record.pdf", stored(document), content_type="application/pdf")
    # The body holds the very PDF, so only the declared length can be what refuses it.
    response = client.post(f"/verify/{document.public_code}/", {"copy": copy}, CONTENT_LENGTH=str(MAX_COPY_REQUEST + 1))
    assert response.status_code == 413 and TOO_LARGE in text(response)
    assert "The copy matches" not in text(response) and "does not match" not in text(response)
    assert "Unit 1 title" in text(response) and response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_copy_sent_without_the_forms_token_is_refused():
    document = issue(bulk_submitted_batch(learners=1))
    copy = SimpleUploadedFile("record.pdf", stored(document), content_type="application/pdf")
    response = Client(enforce_csrf_checks=True).post(f"/verify/{document.public_code}/", {"copy": copy})
    assert response.status_code == 403 and b"The copy matches" not in response.content


def test_the_page_takes_the_same_queries_for_a_few_units_or_all(client):
    small_claim = bulk_submitted_batch(learners=1, units=("1",))
    large_claim = bulk_submitted_batch(learners=1, units=("1", "2", "3", "4"), centre=small_claim.centre,
                                  people={"admin": small_claim.admin, "eqa": small_claim.eqa,
                                          "lead": small_claim.lead})

    def queries(document) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page(client, document).status_code == 200
        return len(captured)

    assert queries(issue(small_claim)) == queries(issue(large_claim, kind=AR))


def test_too_many_checks_from_one_address_are_paused(client, settings):
    settings.CERTIFICATION_VERIFY_RATE_LIMIT = (3, 600)
    document = issue(bulk_submitted_batch(learners=1))
    answers = [page(client, document).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
