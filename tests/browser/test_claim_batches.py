"""A claim from the ready page to the AO's certificate: the admin starts a batch, the lead IQA
declares it, the admin authorises and submits it, downloads the claim file and the keying sheet,
and records the AO's certificate number. Each refusal on the way (no signature, the wrong name,
no certificate number, submitting twice) is said on the page and changes nothing. Axe checks
every page; the batch page fits a 360 px phone."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.certification import batches
from apps.certification.models import ClaimBatch, ClaimOutcome
from tests.browser.helpers import sign_in
from tests.certification.support_batches import approve, draft_batch, learners
from tests.certification.support_ready import claim_staff
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.iqa.support_samples import qualification

pytestmark = pytest.mark.browser



def alerts(page) -> str:
    return page.locator(".messages").inner_text()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_claim_from_the_ready_page_to_the_aos_certificate(browser, live_server, assert_accessible,
                                                            private_storage):  # noqa: F811
    staff = claim_staff()
    approve(staff, qualification(), dcs=True)
    learners(staff, qualification(), count=2)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)

    # The admin starts a batch from the ready page.
    sign_in(page, staff.admin.email)
    page.goto("/claims/")
    page.get_by_label("Claim for Amira Shah").check()
    page.get_by_label("Claim for Ben Okafor").check()
    page.get_by_role("button", name="Start a claim batch with the learners ticked").click()
    batch = ClaimBatch.objects.get()
    expect(page.get_by_role("heading", name=f"Claim batch {batch.reference}")).to_be_visible()
    assert "started as a draft" in alerts(page)
    assert_accessible(page)

    # The lead IQA declares it: first with no name, then another's name, then their own.
    sign_in(page, staff.lead.email)
    page.goto(f"/claims/batches/{batch.pk}/")
    expect(page.get_by_text("I declare that, for every learner and unit in this claim", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign the declaration").click()
    assert "Type your full name to sign." in alerts(page)
    page.get_by_label("Type your full name to sign the declaration").fill("Ada Admin")
    page.get_by_role("button", name="Sign the declaration").click()
    assert "exactly as the centre has it: Lee Lead" in alerts(page)
    batch.refresh_from_db()
    assert batch.status == ClaimBatch.Status.DRAFT and not batch.declared_name
    page.get_by_label("Type your full name to sign the declaration").fill("Lee Lead")
    page.get_by_role("button", name="Sign the declaration").click()
    assert "Pre-claim declaration signed" in alerts(page)
    assert_accessible(page)

    # The admin authorises and submits it.
    sign_in(page, staff.admin.email)
    page.goto(f"/claims/batches/{batch.pk}/")
    page.get_by_label("Type your full name to authorise the claim").fill("Ada Admin")
    page.get_by_role("button", name="Authorise the claim").click()
    assert "ready to submit" in alerts(page)
    assert_accessible(page)
    # A second tab drawn now still shows the submit form after the first submits.
    stale = context.new_page()
    stale.goto(f"/claims/batches/{batch.pk}/")
    page.get_by_label("The AO's order or batch reference").fill("NCFE-2210")
    page.get_by_role("button", name="Submit and freeze the claim").click()
    assert "submitted and frozen" in alerts(page)
    batch.refresh_from_db()
    assert batch.status == ClaimBatch.Status.SUBMITTED
    expect(page.get_by_text(batch.export_sha256, exact=True)).to_be_visible()
    assert_accessible(page)

    # The claim file is the frozen one; the keying sheet is a PDF.
    with page.expect_download() as caught:
        page.get_by_role("link", name="Claim file (CSV)").click()
    with open(caught.value.path(), "rb") as downloaded:
        assert hashlib.sha256(downloaded.read()).hexdigest() == batch.export_sha256
    with page.expect_download() as caught:
        page.get_by_role("link", name="Keying sheet for NCFE (PDF)").click()
    with open(caught.value.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"

    # Submitting twice (from the tab drawn before) is refused in words and changes nothing.
    stale.get_by_label("The AO's order or batch reference").fill("AGAIN")
    stale.get_by_role("button", name="Submit and freeze the claim").click()
    assert "a claim is submitted once" in alerts(stale)
    stale.close()
    sha = batch.export_sha256
    batch.refresh_from_db()
    assert (batch.ao_reference, batch.export_sha256) == ("NCFE-2210", sha)

    # The AO's certificate number for Amira: first without the number, then with it.
    page.locator("summary", has_text="Record the AO's answer").first.click()
    form = page.locator("form[action$='/outcome/']").first
    form.get_by_label("What the AO said").select_option("certificated")
    form.get_by_label("Date on the certificate").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Record").click()
    assert "Give the AO's certificate number." in alerts(page)
    assert not ClaimOutcome.objects.exists()
    page.locator("summary", has_text="Record the AO's answer").first.click()
    form = page.locator("form[action$='/outcome/']").first
    form.get_by_label("What the AO said").select_option("certificated")
    form.get_by_label("AO certificate number").fill("NCFE-CERT-0042")
    form.get_by_label("Date on the certificate").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Record").click()
    assert "Amira Shah: certificated recorded." in alerts(page)
    expect(page.get_by_text("certificate NCFE-CERT-0042", exact=False)).to_be_visible()
    assert_accessible(page)
    assert ClaimOutcome.objects.get().certificate_number == "NCFE-CERT-0042"

    page.goto("/claims/batches/")
    expect(page.get_by_role("link", name=batch.reference)).to_be_visible()
    assert_accessible(page)
    context.close()

    # On a phone the batch page and the list fit the screen.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, staff.admin.email)
    for url in (f"/claims/batches/{batch.pk}/", "/claims/batches/"):
        page.goto(url)
        fits(page, 360)
        assert_accessible(page)
    phone.close()


def test_the_eqa_queries_a_claim_without_dcs_and_the_admin_reopens_it(browser, live_server, assert_accessible,
                                                                      private_storage):  # noqa: F811
    claim = draft_batch(dcs=False)
    staff, batch = claim.staff, claim.batch
    batches.batch_declare(actor=staff.lead, batch=batch, signed_name=staff.lead.full_name)
    batches.batch_authorise(actor=staff.admin, batch=batch, signed_name=staff.admin.full_name)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)

    sign_in(page, staff.eqa.email)
    page.goto(f"/claims/batches/{batch.pk}/")
    fits(page, 360)
    assert_accessible(page)
    page.get_by_label("Query it: the centre must look at something first").check()
    page.get_by_label("Type your full name to sign").fill("Eve External")
    page.get_by_role("button", name="Sign", exact=True).click()
    assert "Say what the centre must look at" in alerts(page)
    batch.refresh_from_db()
    assert batch.status == ClaimBatch.Status.AWAITING_EQA
    page.get_by_label("Query it: the centre must look at something first").check()
    page.get_by_label("Note to the centre").fill("Amira's unit 2 needs the witness statement on file.")
    page.get_by_label("Type your full name to sign").fill("Eve External")
    page.get_by_role("button", name="Sign", exact=True).click()
    assert "Claim queried" in alerts(page)
    assert_accessible(page)

    sign_in(page, staff.admin.email)
    page.goto(f"/claims/batches/{batch.pk}/")
    expect(page.get_by_text("Amira's unit 2 needs the witness statement on file.")).to_be_visible()
    page.get_by_role("button", name="Reopen as a draft").click()
    assert "The batch is a draft again" in alerts(page)
    fits(page, 360)
    assert_accessible(page)
    batch.refresh_from_db()
    assert batch.status == ClaimBatch.Status.DRAFT and not batch.declared_name
    context.close()
