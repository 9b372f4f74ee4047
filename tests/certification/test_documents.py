"""Documents for learners: what the two PDFs say and how they are labelled, their numbers, and
issuing, revoking and reissuing (with the refusals), then the pages that list, show and
download them, with their query counts."""

from __future__ import annotations

import hashlib
import subprocess
import threading

import pytest
import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.certification import documents, signing
from apps.certification.models import ClaimBatch, ClaimUnit, Document
from apps.core.pdf import document_text, render_document
from apps.qualifications.models import Unit
from tests.certification.support_documents import bulk_submitted_batch, certify, numbers_by_series, reject
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.factories import CentreFactory, MembershipFactory
from tests.test_append_only import refused, run

pytestmark = pytest.mark.django_db
AR, CR = Document.Kind.ACHIEVEMENT_RECORD, Document.Kind.CREDIT_CERTIFICATE
BANNER = ("This is not a qualification certificate. Certificates for regulated qualifications are issued only by "
          "NCFE. Units shown have been assessed by Riverside Training and may be subject to internal and external "
          "quality assurance.")


@pytest.fixture(autouse=True)
def _storage(private_storage, settings, tmp_path):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"  # each test's centres get keys of their own
    return private_storage


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    """Each page's text as pdftotext (poppler) reads it: what a reader of the PDF gets."""
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return [flat(page) for page in text.decode().split("\f") if page.strip()]


def stored(document: Document) -> bytes:
    with default_storage.open(document.key, "rb") as handle:
        return handle.read()


def issue(claim, line=None, kind=AR) -> Document:
    """Issue and make one document, as the page and its worker do."""
    document = documents.document_issue(line=line or claim.lines[0], kind=kind, actor=claim.admin)
    return documents.document_make(document_id=document.pk)


# --- what the documents say -------------------------------------------------------------------


def test_the_achievement_record_is_a_labelled_internal_record_with_units_evidence_and_qr(tmp_path):
    claim = bulk_submitted_batch(names=["Amira Shah", "Ben Okafor"])
    document = issue(claim)
    pages = pdf_pages(stored(document), tmp_path)
    text = " ".join(pages)
    year = timezone.localdate().year
    assert document.number == f"AR-{year}-000001"
    for expected in [
        "Internal Record of Achievement", "Centre record – not a certificate", "Amira Shah", BANNER,
        f"Working towards Certificate in Testing (QN {claim.qualification.number})", document.number,
        f"Issued on {timezone.localdate():%d/%m/%Y}", "A/500/0001", "Unit 1 title", "A/500/0002", "Unit 2 title",
        "Asha Assessor", "Ira Quality (sampled)", "Call log, 3 March", "Observation of a complaint call", "ab" * 16,
        f"Claimed from NCFE on {timezone.localdate():%d/%m/%Y}", "Not yet certificated by NCFE", "7 credits from 2 units.",
        documents.verify_url(document.public_code),
    ]:
        assert flat(expected) in text, expected
    assert "awarded" not in text.lower() and "Ofqual" not in text
    assert "Ben Okafor" not in text and "9876543210" not in text and "17/05/1990" not in text
    assert not document.facts["title"].lower().count("certificate")


def html_of(document: Document) -> str:
    """The HTML a document's PDF is rendered from, as the worker makes it."""
    line = document.line
    units = list(ClaimUnit.objects.filter(line=line).select_related("unit").order_by("unit__position"))
    facts = documents.document_facts(line=line, units=units, kind=document.kind, number=document.number,
                                     issued_on=timezone.localdate(), outcome=None)
    return render_to_string(documents.TEMPLATES[document.kind],
                            documents.document_context(document=document, facts=facts, units=units))


def test_the_qr_code_is_the_verification_address():
    claim = bulk_submitted_batch(learners=1)
    document = documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)
    url = documents.verify_url(document.public_code)
    assert url == f"{settings.ATTEST_BASE_URL}/verify/{document.public_code}/" and len(document.public_code) == 32
    expected = segno.make(url, error="m", micro=False)
    assert expected.svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False) in html_of(document)


def submit(claim) -> None:
    """Mark a batch built as a draft submitted (after changing its units)."""
    ClaimBatch.objects.filter(pk=claim.batch.pk).update(
        status=ClaimBatch.Status.SUBMITTED, submitted_by=claim.admin, submitted_at=timezone.now(), export_sha256="0" * 64)
    claim.batch.refresh_from_db()


def test_the_banner_and_watermark_are_on_every_page(tmp_path):
    claim = bulk_submitted_batch(learners=1, units=("1", "2", "3", "4"), submitted=False)
    many = [{"title": f"Evidence item {i}", "version": 1, "sha256": f"{i:064d}"} for i in range(45)]
    ClaimUnit.objects.filter(line=claim.lines[0]).update(evidence=many)
    submit(claim)
    document = issue(claim)
    assert len(pdf_pages(stored(document), tmp_path)) >= 3
    # The watermark is set at an angle: its letters come out one by one from pdftotext, so each
    # page's text is read as WeasyPrint laid it out.
    pages = [flat(page) for page in document_text(render_document(html_of(document)))]
    assert len(pages) >= 3
    for page in pages:
        assert flat(BANNER) in page and "INTERNAL RECORD" in page and document.number in page


def test_the_credit_record_says_awarded_only_once_the_ao_has_certificated(tmp_path):
    claim = bulk_submitted_batch(names=["Amira Shah", "Ben Okafor"])
    before = pdf_pages(stored(issue(claim, kind=CR)), tmp_path)
    text = " ".join(before)
    for expected in ["Centre Record of Credit", BANNER, "A/500/0001", "Unit 2 title", "7 credits from 2 units.",
                     "Riverside Training has assessed the units below and claimed them from NCFE on",
                     "Working towards Certificate in Testing"]:
        assert flat(expected) in text, expected
    assert "awarded" not in text.lower() and "AO certificate no." not in text

    certify([claim.lines[1]], claim.admin, on=timezone.localdate())
    after = " ".join(pdf_pages(stored(issue(claim, line=claim.lines[1], kind=CR)), tmp_path))
    number = f"NCFE-{claim.lines[1].pk:07d}"
    assert flat(f"Awarded by NCFE: AO certificate no. {number} issued {timezone.localdate():%d/%m/%Y}") in after
    assert "Working towards" not in after and "Ben Okafor" in after


def test_a_credit_transfer_unit_says_where_it_was_achieved(tmp_path):
    claim = bulk_submitted_batch(learners=1, submitted=False)
    ClaimUnit.objects.filter(line=claim.lines[0], unit__number="2").update(
        route=ClaimUnit.Route.CREDIT_TRANSFER, prior_reference="NCFE certificate 998877", evidence=[])
    submit(claim)
    text = " ".join(pdf_pages(stored(issue(claim)), tmp_path))
    assert "Credit transfer: NCFE certificate 998877" in text


def test_a_unit_without_a_reference_number_prints_not_known(client, tmp_path):
    claim = bulk_submitted_batch(learners=1, submitted=False)
    Unit.objects.filter(pk=ClaimUnit.objects.get(line=claim.lines[0], unit__number="2").unit_id).update(urn=None)
    submit(claim)
    for kind in (AR, CR):
        document = issue(claim, kind=kind)
        assert [u["urn"] for u in document.facts["units"]] == ["A/500/0001", ""]
        text = " ".join(pdf_pages(stored(document), tmp_path))
        assert "not known" in text and "None" not in text
    page = client.get(f"/verify/{document.public_code}/").content.decode()
    assert "<td>not known</td>" in page and "<td>None</td>" not in page


def test_the_facts_kept_for_the_verification_page_hold_no_date_of_birth_or_uln():
    claim = bulk_submitted_batch(learners=1)
    facts = issue(claim).facts
    assert facts["learner"] == claim.lines[0].registered_name and facts["credits"] == 7
    assert [u["urn"] for u in facts["units"]] == ["A/500/0001", "A/500/0002"]
    flat_facts = repr(facts)
    assert "9876543210" not in flat_facts and "1990" not in flat_facts and "Call log" not in flat_facts


# --- numbers -------------------------------------------------------------------------------------


def test_numbers_run_per_centre_series_and_year():
    claim = bulk_submitted_batch(learners=3)
    other = bulk_submitted_batch(learners=1, centre=CentreFactory())
    year = timezone.localdate().year
    made = [issue(claim, line=line).number for line in claim.lines]
    assert made == [f"AR-{year}-00000{i}" for i in (1, 2, 3)]
    assert issue(claim, kind=CR).number == f"CR-{year}-000001"
    assert issue(other).number == f"AR-{year}-000001"


def test_a_reservation_that_rolls_back_gives_its_number_back():
    claim = bulk_submitted_batch(learners=2)
    with pytest.raises(RuntimeError), transaction.atomic():
        documents._reserve(line_id=claim.lines[0].pk, kind=AR, actor=claim.admin)
        raise RuntimeError("the worker's transaction fails")
    assert issue(claim, line=claim.lines[1]).number.endswith("-000001")


@pytest.mark.django_db(transaction=True)
def test_workers_reserving_at_once_never_share_a_number_nor_skip_one(private_storage):  # noqa: F811
    claim = bulk_submitted_batch(learners=12)
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def reserve(line_id: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                documents._reserve(line_id=line_id, kind=AR, actor=claim.admin)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reserve, args=(line.pk,)) for line in claim.lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert numbers_by_series(claim.centre) == {"AR": list(range(1, 13))}


def test_a_reservation_delivered_twice_finds_the_first():
    claim = bulk_submitted_batch(learners=1)
    with transaction.atomic():
        first, made = documents._reserve(line_id=claim.lines[0].pk, kind=AR, actor=claim.admin)
    with transaction.atomic():
        again, made_again = documents._reserve(line_id=claim.lines[0].pk, kind=AR, actor=claim.admin)
    assert made and not made_again and again.pk == first.pk
    assert Document.objects.count() == 1


# --- issuing, making, revoking, reissuing --------------------------------------------------------


def test_making_stores_the_signed_pdf_with_its_sha256_and_audits_it_once():
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    data = stored(document)
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert signing.validate(data, claim.centre).valid
    again = documents.document_make(document_id=document.pk)
    assert again.key == document.key and again.sha256 == document.sha256
    event = AuditEvent.objects.get(action="document.issued")
    assert event.payload == {"number": document.number, "kind": AR, "line": claim.lines[0].pk,
                             "sha256": document.sha256, "run": None, "supersedes": ""}
    assert event.actor == claim.admin


def test_issuing_is_refused_in_words(private_storage):  # noqa: F811
    claim = bulk_submitted_batch(learners=2)
    issue(claim)
    with pytest.raises(ValidationError, match="already has a valid achievement record"):
        documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)
    with pytest.raises(ValidationError, match="Choose the achievement record or the credit record"):
        documents.document_issue(line=claim.lines[1], kind="certificate", actor=claim.admin)
    reject(claim.lines[1], claim.admin)
    with pytest.raises(ValidationError, match="rejected"):
        documents.document_issue(line=claim.lines[1], kind=AR, actor=claim.admin)
    with pytest.raises(PermissionDenied):
        documents.document_issue(line=claim.lines[1], kind=CR, actor=claim.eqa)
    draft = bulk_submitted_batch(learners=1, submitted=False, centre=claim.centre,
                            people={"admin": claim.admin, "eqa": claim.eqa, "lead": claim.lead})
    with pytest.raises(ValidationError, match="submitted"):
        documents.document_issue(line=draft.lines[0], kind=AR, actor=claim.admin)
    assert Document.objects.count() == 1 and AuditEvent.objects.filter(action="document.issued").count() == 1
    assert stored_files(private_storage) == 1


def stored_files(media) -> int:
    return sum(1 for p in media.rglob("*.pdf"))


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Say why"),
    ("   ", "Say why"),
    ("x" * 1001, "1000 characters"),
    ("Wrong\x1bname", "control"),
])
def test_a_revocation_needs_a_reason_in_words_and_changes_nothing_without(reason, message):
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    with pytest.raises(ValidationError) as refused:
        documents.document_revoke(document=document, actor=claim.admin, reason=reason)
    assert message.lower() in " ".join(refused.value.messages).lower()
    document.refresh_from_db()
    assert document.status == Document.Status.VALID and not AuditEvent.objects.filter(action="document.revoked").exists()


def test_revoking_records_who_when_and_why_and_is_final():
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    with pytest.raises(PermissionDenied):
        documents.document_revoke(document=document, actor=claim.eqa, reason="Wrong learner")
    revoked = documents.document_revoke(document=document, actor=claim.admin, reason="Issued to the wrong learner")
    assert revoked.status == Document.Status.REVOKED and revoked.revoked_by == claim.admin
    assert revoked.revoked_reason == "Issued to the wrong learner" and revoked.revoked_at is not None
    assert revoked.key == document.key and revoked.sha256 == document.sha256  # the PDF stays as it was
    event = AuditEvent.objects.get(action="document.revoked")
    assert event.payload == {"number": document.number, "kind": AR, "reason": "Issued to the wrong learner"}
    with pytest.raises(ValidationError, match="revoked already"):
        documents.document_revoke(document=revoked, actor=claim.admin, reason="Again")
    # A new one may be issued after a revocation.
    assert issue(claim).number.endswith("-000002")


def test_a_reissue_supersedes_with_a_new_number_and_code_and_never_edits_the_old(tmp_path):
    claim = bulk_submitted_batch(learners=1)
    old = issue(claim, kind=CR)
    certify(claim.lines, claim.admin)
    new = documents.document_reissue(document=old, actor=claim.admin, reason="The AO's certificate arrived")
    assert not new.sha256  # reserved: a worker makes it
    new = documents.document_make(document_id=new.pk)
    old_after = Document.objects.get(pk=old.pk)
    assert old_after.status == Document.Status.SUPERSEDED and new.supersedes_id == old.pk
    assert (old_after.key, old_after.sha256, old_after.number, old_after.public_code) == (
        old.key, old.sha256, old.number, old.public_code)
    assert new.number.endswith("-000002") and new.public_code != old.public_code and new.status == Document.Status.VALID
    assert new.facts["ao_certificate_number"] == f"NCFE-{claim.lines[0].pk:07d}"
    text = " ".join(pdf_pages(stored(new), tmp_path))
    assert f"Replaces {old.number}" in text and "AO certificate no." in text
    event = AuditEvent.objects.get(action="document.reissued")
    assert event.payload == {"number": new.number, "supersedes": old.number, "kind": CR,
                             "reason": "The AO's certificate arrived"}
    with pytest.raises(ValidationError, match="superseded already"):
        documents.document_reissue(document=old_after, actor=claim.admin, reason="Again")


def test_a_document_still_being_made_cannot_be_revoked_or_reissued():
    claim = bulk_submitted_batch(learners=1)
    pending = documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)
    for change in (documents.document_revoke, documents.document_reissue):
        with pytest.raises(ValidationError, match="still being made"):
            change(document=pending, actor=claim.admin, reason="Too soon")


# --- the database keeps an issued document final ---------------------------------------------------

UPDATE = "UPDATE certification_document SET {} WHERE id = %s"


@pytest.mark.parametrize("assignment", [
    "number = 'AR-2026-999999'", "public_code = 'guessable'", "kind = 'credit_certificate'",
    "issued_at = issued_at - interval '1 day'", "line_id = (SELECT max(id) FROM certification_claimline)",
    "centre_id = (SELECT max(id) FROM centres_centre)", "supersedes_id = id",
])
def test_what_a_document_is_never_changes(assignment):
    claim = bulk_submitted_batch(learners=2)
    CentreFactory()
    document = documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)  # reserved, not yet made
    assert "what a document is never changes" in refused(UPDATE.format(assignment), [document.pk])
    assert Document.objects.get(pk=document.pk).number == document.number


@pytest.mark.parametrize("assignment", ["sha256 = repeat('0', 64)", "key = 'documents/forged.pdf'",
                                        "facts = '{\"learner\": \"Someone Else\"}'"])
def test_a_made_documents_pdf_and_facts_never_change(assignment):
    document = issue(bulk_submitted_batch(learners=1))
    message = refused(UPDATE.format(assignment), [document.pk])
    assert "signed PDF and facts never change once recorded" in message
    after = Document.objects.get(pk=document.pk)
    assert (after.sha256, after.key, after.facts) == (document.sha256, document.key, document.facts)


def test_a_reserved_document_has_its_pdf_recorded_once_and_its_run_set():
    claim = bulk_submitted_batch(learners=1)
    document = documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)
    assert run(UPDATE.format("key = 'documents/a.pdf', sha256 = repeat('a', 64), facts = '{}'"), [document.pk]) == 1
    assert run(UPDATE.format("run_id = NULL"), [document.pk]) == 1
    assert "never change once recorded" in refused(UPDATE.format("sha256 = ''"), [document.pk])


def test_an_issued_document_is_never_removed():
    document = issue(bulk_submitted_batch(learners=1))
    assert "never removed" in refused("DELETE FROM certification_document WHERE id = %s", [document.pk])
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_documents_status_goes_only_from_valid_once():
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    assert "who revoked it, when and why" in refused(
        UPDATE.format("status = 'revoked', revoked_at = now(), revoked_reason = 'Wrong learner'"), [document.pk])
    assert "recorded once, as it is revoked" in refused(UPDATE.format("revoked_reason = 'Early'"), [document.pk])
    revoked = documents.document_revoke(document=document, actor=claim.admin, reason="Issued to the wrong learner")
    for assignment in ("status = 'valid'", "status = 'superseded'"):
        assert "only from valid to superseded or revoked" in refused(UPDATE.format(assignment), [revoked.pk])
    assert "recorded once" in refused(UPDATE.format("revoked_reason = 'Another reason'"), [revoked.pk])
    assert Document.objects.get(pk=revoked.pk).revoked_reason == "Issued to the wrong learner"
    other = issue(claim)
    assert run(UPDATE.format("status = 'superseded'"), [other.pk]) == 1
    assert "only from valid" in refused(UPDATE.format("status = 'valid'"), [other.pk])


# --- the pages -------------------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_list_shows_the_centres_documents_filters_them_and_pages_stay_flat(client):
    claim = bulk_submitted_batch(learners=3, names=["Amira Shah", "Ben Okafor", "Cara Doyle"])
    for line in claim.lines:
        issue(claim, line=line)
    documents.document_revoke(document=Document.objects.get(line=claim.lines[2]), actor=claim.admin,
                              reason="Issued in error")
    signed_in(client, claim.admin)
    page = client.get("/claims/documents/").content.decode()
    assert "Amira Shah" in page and "Cara Doyle" in page and "3 documents" in page
    assert f"Documents for {claim.batch.reference}" in page
    revoked = client.get("/claims/documents/?status=revoked").content.decode()
    assert "Cara Doyle" in revoked and "Amira Shah" not in revoked
    found = client.get("/claims/documents/?q=ben").content.decode()
    assert "Ben Okafor" in found and "Amira Shah" not in found
    bad = client.get("/claims/documents/?batch=999999&status=lost").content.decode()
    assert "There is no such batch with documents" in bad and "Choose a status from the list" in bad

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/claims/documents/").status_code == 200
        return len(captured)

    small = queries()
    more = bulk_submitted_batch(learners=6, centre=claim.centre,
                           people={"admin": claim.admin, "eqa": claim.eqa, "lead": claim.lead})
    for line in more.lines:
        issue(more, line=line, kind=CR)
    assert queries() == small


def test_the_eqa_reads_the_list_and_a_document_but_changes_nothing(client):
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    signed_in(client, claim.eqa)
    assert client.get("/claims/documents/").status_code == 200
    page = client.get(f"/claims/documents/{document.pk}/").content.decode()
    assert document.sha256 in page and "Revoke" not in page and "Reissue" not in page
    assert client.post(f"/claims/documents/{document.pk}/revoke/", {"revoke-reason": "No"}).status_code == 403
    assert client.get(f"/claims/documents/{document.pk}/download/").status_code == 200


def test_the_admin_revokes_and_reissues_on_the_page_with_messages(client):
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    signed_in(client, claim.admin)
    refused = client.post(f"/claims/documents/{document.pk}/revoke/", {"revoke-reason": ""})
    assert refused.status_code == 200 and "Say why" in refused.content.decode()
    document.refresh_from_db()
    assert document.status == Document.Status.VALID
    response = client.post(f"/claims/documents/{document.pk}/reissue/", {"reissue-reason": "Name spelt wrong"},
                           follow=True)
    new = Document.objects.get(supersedes=document)
    assert response.redirect_chain[-1][0] == f"/claims/documents/{new.pk}/"
    assert f"{new.number} replaces {document.number}" in response.content.decode()
    response = client.post(f"/claims/documents/{new.pk}/revoke/", {"revoke-reason": "Too soon"}, follow=True)
    assert "still being made" in response.content.decode()


def test_after_a_revocation_the_admin_issues_a_new_one(client, django_capture_on_commit_callbacks):
    claim = bulk_submitted_batch(learners=1)
    document = documents.document_revoke(document=issue(claim), actor=claim.admin, reason="Wrong unit")
    signed_in(client, claim.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/claims/documents/{document.pk}/issue-again/", follow=True)
    new = Document.objects.get(status=Document.Status.VALID)
    assert new.sha256 and new.number.endswith("-000002") and new.pk != document.pk
    assert f"{new.number} is issued" in response.content.decode()
    again = client.post(f"/claims/documents/{document.pk}/issue-again/", follow=True).content.decode()
    assert "already has a valid achievement record" in again


def test_a_learner_sees_and_downloads_their_own_documents_only(client):
    claim = bulk_submitted_batch(learners=2, names=["Amira Shah", "Ben Okafor"])
    mine, theirs = issue(claim, line=claim.lines[0]), issue(claim, line=claim.lines[1])
    documents.document_revoke(document=mine, actor=claim.admin, reason="Issued in error")
    kept = issue(claim, line=claim.lines[0], kind=CR)
    signed_in(client, claim.learners[0])
    page = client.get("/claims/my-documents/").content.decode()
    assert mine.number in page and kept.number in page and theirs.number not in page
    assert "Issued in error" in page and "Revoked" in page
    download = client.get(f"/claims/documents/{kept.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == kept.sha256
    assert f'filename="{kept.number}.pdf"' in download["Content-Disposition"]
    assert client.get(f"/claims/documents/{theirs.pk}/download/").status_code == 404
    assert client.get("/claims/documents/").status_code == 403
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.actor == claim.learners[0] and event.payload["number"] == kept.number


def test_my_documents_takes_the_same_queries_whatever_the_number():
    from django.test import Client

    claim = bulk_submitted_batch(learners=1)
    client = signed_in(Client(), claim.learners[0])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/claims/my-documents/").status_code == 200
        return len(captured)

    issue(claim)
    small = queries()
    issue(claim, kind=CR)
    documents.document_reissue(document=Document.objects.get(kind=AR), actor=claim.admin, reason="Again")
    assert queries() == small


def test_a_documents_page_takes_the_same_queries_for_a_few_units_or_all(client):
    small = bulk_submitted_batch(learners=1, units=("1",))
    large = bulk_submitted_batch(learners=1, units=("1", "2", "3", "4"), centre=small.centre,
                            people={"admin": small.admin, "eqa": small.eqa, "lead": small.lead})
    signed_in(client, small.admin)

    def queries(document: Document) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/claims/documents/{document.pk}/").status_code == 200
        return len(captured)

    assert queries(issue(small)) == queries(issue(large))


def test_a_document_being_made_is_not_downloaded(client):
    claim = bulk_submitted_batch(learners=1)
    pending = documents.document_issue(line=claim.lines[0], kind=AR, actor=claim.admin)
    signed_in(client, claim.admin)
    assert client.get(f"/claims/documents/{pending.pk}/download/").status_code == 404
    assert "Being made" in client.get(f"/claims/documents/{pending.pk}/").content.decode()


def test_someone_of_another_centre_finds_nothing(client):
    claim = bulk_submitted_batch(learners=1)
    document = issue(claim)
    outsider = MembershipFactory(is_admin=True).user
    signed_in(client, outsider)
    assert client.get(f"/claims/documents/{document.pk}/").status_code == 404
    assert client.post(f"/claims/documents/{document.pk}/revoke/", {"revoke-reason": "x"}).status_code == 404
    assert document.number not in client.get("/claims/documents/").content.decode()
