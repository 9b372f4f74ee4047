"""The documents journey in Chromium, axe on every page: the admin makes the documents of a
submitted, certificated batch (through the real claim services) and watches the worker finish
them, downloads the ZIP and one PDF (its text holds the learner, the units and the banner; its
signature checks, and fails once a byte changes), opens its verification page (valid), revokes
it with a reason and the page says revoked; the learner finds it on My documents; the pages fit
a 360 px phone."""

from __future__ import annotations

import subprocess
import zipfile

import pytest
from playwright.sync_api import expect

from apps.certification import signing
from apps.certification.models import Document
from tests.browser.helpers import sign_in
from tests.certification.support_batches import submitted_batch
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser
BANNER = "This is not a qualification certificate."


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_the_admin_makes_checks_and_revokes_a_document_and_the_learner_finds_it(
        browser, live_server, celery_worker, assert_accessible, private_storage, settings, tmp_path):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    claim = submitted_batch(count=2, certificated=True)
    batch, admin = claim.batch, claim.staff.admin
    learner = claim.enrolments[0].learner
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, admin.email)

    page.goto("/claims/documents/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Documents for {batch.reference}").click()
    expect(page.get_by_role("heading", name=f"Documents for {batch.reference}")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_label("Internal Record of Achievement")).to_be_checked()
    page.get_by_role("button", name="Make documents for every learner").click()
    zip_link = page.get_by_role("link", name="Download the ZIP of the documents")
    expect(zip_link).to_be_visible()  # the panel asked again until the worker finished
    expect(page.get_by_text("Ready: 4 documents made")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as caught:
        zip_link.click()
    with zipfile.ZipFile(caught.value.path()) as archive:
        assert len(archive.namelist()) == 5 and "manifest.csv" in archive.namelist()

    # The batch page shows the same panel, loaded from the documents pages.
    page.goto(f"/claims/batches/{batch.pk}/")
    expect(page.get_by_role("link", name="Download the ZIP of the documents")).to_be_visible()

    document = Document.objects.get(line__enrolment=claim.enrolments[0], kind=Document.Kind.ACHIEVEMENT_RECORD)
    page.goto("/claims/documents/")
    page.get_by_role("link", name=document.number).click()
    expect(page.get_by_role("heading", name=f"Internal Record of Achievement {document.number}")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = caught.value.path()
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                   check=True).stdout.decode().split())
    for expected in [learner.full_name, BANNER, "Unit 1 title", "Unit 2 title", "Unit 3 title", document.number,
                     "AO certificate no."]:
        assert expected in text, expected
    data = pdf.read_bytes()
    assert signing.validate(data, claim.staff.centre).valid
    changed = bytearray(data)
    changed[len(data) // 3] ^= 0x01
    assert not signing.validate(bytes(changed), claim.staff.centre).valid

    page.get_by_role("link", name="The verification page").click()
    expect(page.get_by_text("The centre has neither revoked nor replaced this document.")).to_be_visible()
    expect(page.get_by_text(document.sha256)).to_be_visible()
    assert_accessible(page)
    verify_url = page.url

    page.go_back()
    page.get_by_label("Why is it revoked?").fill("Issued before the learner's name was corrected")
    page.get_by_role("button", name=f"Revoke {document.number}").click()
    expect(page.get_by_text(f"{document.number} is revoked")).to_be_visible()
    assert_accessible(page)
    page.goto(verify_url)
    expect(page.get_by_text("Reason: Issued before the learner's name was corrected")).to_be_visible()
    assert_accessible(page)
    context.close()

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True,
                                has_touch=True)
    small = phone.new_page()
    small.set_default_timeout(30_000)
    small.goto(verify_url)  # no sign-in
    expect(small.get_by_text("Revoked by the centre on")).to_be_visible()
    fits(small, 360)
    assert_accessible(small)
    sign_in(small, learner.user.email)
    small.goto("/claims/my-documents/")
    expect(small.get_by_role("heading", name=f"Internal Record of Achievement {document.number}")).to_be_visible()
    expect(small.get_by_text("Issued before the learner's name was corrected")).to_be_visible()
    fits(small, 360)
    assert_accessible(small)
    sign_in(small, admin.email)
    for path in ("/claims/documents/", f"/claims/batches/{batch.pk}/documents/", f"/claims/documents/{document.pk}/"):
        small.goto(path)
        fits(small, 360)
        assert_accessible(small)
    phone.close()
