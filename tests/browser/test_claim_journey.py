"""Issue 13's acceptance journey, on the demo data, in Chromium with axe on every page.

The demo admin opens "Ready to claim", sees the learners refused with their reasons, and starts
a batch for the learner who achieved the whole City & Guilds qualification. The lead IQA signs
the pre-claim declaration, the admin authorises it, and since the centre holds no Direct Claims
Status for it the EQA signs it off. The admin exports the claim file and the keying sheet,
submits, records the AO's certificate number and has the workers make the learner's documents;
the PDF downloaded holds the learner, the units and the banner, its QR code opens the
verification page, which says valid and then revoked once the admin revokes it; its signature
validates, and fails once one byte is changed. The learner finds her documents, the revoked one
with its reason."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from itertools import permutations
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import segno
import yaml
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from apps.centres.models import Centre
from apps.certification.models import ClaimBatch, Document
from apps.certification.signing import Verdict, validate
from apps.demo.seed import seed_everything
from apps.qualifications.models import Unit
from apps.qualifications.services import catalogue_load
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
CATALOGUE = ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml", "601-5051-8.yaml")
BANNER = "This is not a qualification certificate."


def test_the_admin_claims_for_a_learner_issues_their_record_and_revokes_it(
    browser, live_server, celery_worker, assert_accessible, tmp_path
):
    for name in CATALOGUE:
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password=PASSWORD)
    units = list(Unit.objects.filter(qualification__number="600/1137/3", qualification__is_current=True,
                                     number__in=["201", "202", "203", "204", "205", "206"]).order_by("position"))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)

    # Ready to claim: two learners refused, each with the reason in words; Cara may be claimed.
    sign_in(page, "admin@demo.test")
    page.goto("/claims/")
    page.get_by_role("heading", name="Ready to claim", level=1).wait_for()
    rhys = page.get_by_role("article", name="Rhys Pending")
    expect(rhys.get_by_text("Refused", exact=True)).to_be_visible()
    expect(rhys.get_by_text("No NCFE learner number: the learner must be registered with NCFE before a claim.",
                            exact=False)).to_be_visible()
    assert rhys.get_by_label("Claim for Rhys Pending").count() == 0
    sid = page.get_by_role("article", name="Sid Sutton")
    expect(sid.get_by_text("Past the certification end date", exact=False)).to_be_visible()
    cara = page.get_by_role("article", name="Cara Complete")
    expect(cara.get_by_text("Full claim", exact=True)).to_be_visible()
    assert_accessible(page)

    # A batch for Cara.
    cara.get_by_label("Claim for Cara Complete").check()
    page.get_by_role("button", name="Start a claim batch with the learners ticked").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Claim batch CB-\d{4}-\d{4}$"), level=1)
    heading.wait_for()
    batch = ClaimBatch.objects.get()
    batch_url = f"/claims/batches/{batch.pk}/"
    assert batch.awarding_organisation == "City & Guilds" and batch.status == ClaimBatch.Status.DRAFT
    expect(page.get_by_role("cell", name=re.compile("^Cara Louise Complete Registration CG-3411-0003"))).to_be_visible()
    assert_accessible(page)

    # The lead IQA's pre-claim declaration.
    sign_in(page, "iqa@demo.test")
    page.goto(batch_url)
    page.get_by_label("Type your full name to sign the declaration").fill("Ian Quality")
    page.get_by_role("button", name="Sign the declaration").click()
    expect(page.get_by_text("Pre-claim declaration signed.", exact=False)).to_be_visible()
    assert_accessible(page)

    # The centre's authorisation: no Direct Claims Status for 600/1137/3, so the EQA is next.
    sign_in(page, "admin@demo.test")
    page.goto(batch_url)
    page.get_by_label("Type your full name to authorise the claim").fill("Ada Admin")
    page.get_by_role("button", name="Authorise the claim").click()
    expect(page.get_by_text("It now waits for the EQA's sign-off", exact=False)).to_be_visible()
    assert_accessible(page)

    sign_in(page, "eqa@demo.test")
    page.goto(batch_url)
    page.get_by_label("Sign the claim off: it may go to the awarding organisation").check()
    page.get_by_label("Type your full name to sign").fill("Evan External")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Claim signed off: the centre may submit it.")).to_be_visible()
    assert_accessible(page)

    # The exports, then the submission that freezes the claim file.
    sign_in(page, "admin@demo.test")
    page.goto(batch_url)
    rows = list(csv.DictReader(io.StringIO(download(page, "Claim file (CSV)").decode("utf-8-sig"))))
    unit_rows = [row for row in rows if row["row_type"] == "unit"]
    assert [row["ao_unit_code"] for row in unit_rows] == [u.number for u in units]
    assert {(row["learner_forenames"], row["learner_surname"], row["ao_registration_number"], row["claim_type"])
            for row in rows} == {("Cara Louise", "Complete", "CG-3411-0003", "FULL")}
    keying = " ".join(pdf_text(download(page, "Keying sheet for City & Guilds (PDF)"), tmp_path / "keying.pdf").split())
    assert "CG-3411-0003" in keying and "Exception order required" in keying
    assert all(u.number in keying for u in units)
    page.get_by_label("The AO's order or batch reference (if it gave one)").fill("WG-ORDER-55120")
    page.get_by_role("button", name="Submit and freeze the claim").click()
    expect(page.get_by_text("submitted and frozen", exact=False)).to_be_visible()
    batch.refresh_from_db()
    assert batch.status == ClaimBatch.Status.SUBMITTED
    assert hashlib.sha256(download(page, "Claim file (CSV)")).hexdigest() == batch.export_sha256
    assert_accessible(page)

    # The AO's answer.
    certified_on = timezone.localdate()
    page.get_by_text("Record the AO's answer for Cara Louise Complete").click()
    page.get_by_label("What the AO said").select_option(label="Certificated")
    page.get_by_label("AO certificate number").fill("CG-7781240")
    page.get_by_label("Date on the certificate").fill(certified_on.isoformat())
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Cara Louise Complete: certificated recorded.")).to_be_visible()
    expect(page.get_by_text("certificate CG-7781240", exact=False)).to_be_visible()
    assert_accessible(page)

    # The documents, made by the workers, and their ZIP.
    page.get_by_role("button", name="Make documents for every learner").click()
    expect(page.get_by_role("link", name="Download the ZIP of the documents")).to_be_visible(timeout=90_000)
    assert_accessible(page)
    with zipfile.ZipFile(io.BytesIO(download(page, "Download the ZIP of the documents"))) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 2
    page.get_by_role("link", name="See each document").click()
    record = Document.objects.select_related("centre").get(kind=Document.Kind.ACHIEVEMENT_RECORD)
    assert_accessible(page)
    page.get_by_role("link", name=record.number).click()
    page.get_by_role("heading", name=re.compile(record.number), level=1).wait_for()
    assert_accessible(page)
    pdf = download(page, "Download the PDF")
    assert hashlib.sha256(pdf).hexdigest() == record.sha256

    # What the PDF says: the learner as registered, every unit, and the banner.
    text = " ".join(pdf_text(pdf, tmp_path / "record.pdf").split())
    assert "Cara Louise Complete" in text and BANNER in text
    for unit in units:
        assert unit.urn in text and " ".join(unit.title.split()) in text

    # The QR code opens the verification page, valid, without signing in.
    verify_url = qr_url(pdf, tmp_path)
    assert verify_url.endswith(f"/verify/{record.public_code}/") and verify_url in text
    reader = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    check = reader.new_page()
    check.goto(urlsplit(verify_url).path)
    expect(check.get_by_text("Valid", exact=True)).to_be_visible()
    expect(check.get_by_text(record.sha256)).to_be_visible()
    assert_accessible(check)

    # The signature holds on the file as issued, and not once a single byte has changed.
    assert signature(pdf, record.centre).valid
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x01
    assert not signature(bytes(changed), record.centre).valid
    for name, data, answer in (("issued.pdf", pdf, "The copy matches"), ("changed.pdf", bytes(changed),
                                                                          "The copy does not match")):
        (tmp_path / name).write_bytes(data)
        check.get_by_label("A copy of the PDF").set_input_files(tmp_path / name)
        check.get_by_role("button", name="Check the copy").click()
        expect(check.get_by_text(answer, exact=False)).to_be_visible()

    # Revoked by the admin, with a reason: the verification page says so.
    page.get_by_role("region", name="Revoke").get_by_label("Why").fill("Issued against the wrong registration; a corrected record follows.")
    page.get_by_role("button", name=f"Revoke {record.number}").click()
    expect(page.get_by_text(f"{record.number} is revoked", exact=False)).to_be_visible()
    assert_accessible(page)
    check.reload()
    expect(check.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(check.get_by_text("Issued against the wrong registration", exact=False)).to_be_visible()
    assert_accessible(check)
    reader.close()

    # Cara sees her documents, the revoked one with its reason.
    sign_in(page, "learner3@demo.test")
    page.goto("/claims/my-documents/")
    mine = page.get_by_role("region", name=re.compile(record.number))
    expect(mine.get_by_text("Issued against the wrong registration", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Download CR-"))).to_be_visible()
    assert_accessible(page)
    context.close()


def signature(pdf: bytes, centre: Centre) -> Verdict:
    """The signature checked offline, as a reader would, with the centre's certificate. In a
    thread of its own: pyHanko runs an event loop, and Playwright's is running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate, pdf, centre).result()


def download(page, link_name: str) -> bytes:
    with page.expect_download() as caught:
        page.get_by_role("link", name=link_name).click()
    return Path(caught.value.path()).read_bytes()


def pdf_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# --- reading the QR code as a phone would: find it on the printed page, read its modules ----------


def qr_url(pdf: bytes, folder: Path) -> str:
    """The address the QR code on the document holds. The pages are rendered; the code is found
    by its three finder patterns and its modules read; the address printed in the PDF whose QR
    code has exactly these modules is returned."""
    (folder / "qr.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(folder / "qr.pdf"), str(folder / "page")], check=True)
    printed = " ".join(pdf_text(pdf, folder / "text.pdf").split())
    addresses = set(re.findall(r"https?://\S+?/verify/[\w-]+/", printed))
    assert addresses, "The document prints no verification address."
    for png in sorted(folder.glob("page*.png")):
        modules = read_modules(Image.open(png).convert("L"))
        if modules is None:
            continue
        for address in addresses:
            for error in "lmqh":
                code = segno.make(address, error=error, micro=False, boost_error=False)
                if [[bool(m) for m in row] for row in code.matrix] == modules:
                    return address
        raise AssertionError(f"The QR code on {png.name} holds none of the addresses printed: {addresses}")
    raise AssertionError("No QR code found on the document.")


def finders_in(line: bytes) -> list[tuple[float, float]]:
    """Where a line crosses a QR finder pattern: dark, light, dark, light, dark runs in the
    proportions 1:1:3:1:1. Returns (centre, module size) for each."""
    runs, start = [], 0
    for i in range(1, len(line) + 1):
        if i == len(line) or line[i] != line[start]:
            runs.append((start, i - start, line[start] == 1))
            start = i
    found = []
    for i in range(len(runs) - 4):
        five = runs[i:i + 5]
        module = sum(n for _, n, _ in five) / 7
        if five[0][2] and module >= 2 and all(
            abs(n - want * module) <= module * 0.6 for (_, n, _), want in zip(five, (1, 1, 3, 1, 1), strict=True)
        ):
            found.append((five[2][0] + five[2][1] / 2, module))
    return found


def read_modules(image: Image.Image) -> list[list[bool]] | None:
    """The dark and light modules of the one QR code on a rendered page, or None without one."""
    width, height = image.size
    dark = image.point(lambda v: 1 if v < 128 else 0).tobytes()
    columns: dict[int, bytes] = {}

    def column(x: int) -> bytes:
        if x not in columns:
            columns[x] = dark[x::width]
        return columns[x]

    # Crossings of a finder pattern across a row, confirmed down the column through its centre.
    hits = []
    for y in range(height):
        for x, module in finders_in(dark[y * width:(y + 1) * width]):
            if any(abs(cy - y) < module and abs(m - module) < module * 0.4 for cy, m in finders_in(column(int(x)))):
                hits.append((x, y, module))
    finders: list[list[tuple[float, float, float]]] = []
    for hit in hits:
        group = next((g for g in finders if abs(g[-1][0] - hit[0]) < 2 * hit[2] and hit[1] - g[-1][1] <= 2), None)
        if group is None:
            finders.append([hit])
        else:
            group.append(hit)
    centres = [tuple(sum(h[k] for h in g) / len(g) for k in range(3)) for g in finders if len(g) >= 3]
    # The code's three finders: one module size, at the corners of a square (data modules can
    # look like a finder too, but never make that square with two others).
    corners = [
        (a, b, c) for a, b, c in permutations(centres, 3)
        if abs(a[1] - b[1]) < a[2] and abs(a[0] - c[0]) < a[2] and b[0] - a[0] > 7 * a[2]
        and abs((b[0] - a[0]) - (c[1] - a[1])) < 2 * a[2] and max(abs(a[2] - o[2]) for o in (b, c)) < a[2] * 0.15
    ]
    if len(corners) != 1:
        return None
    top_left, top_right, bottom_left = corners[0]
    size = round((top_right[0] - top_left[0]) / top_left[2]) + 7
    step_x = (top_right[0] - top_left[0]) / (size - 7)
    step_y = (bottom_left[1] - top_left[1]) / (size - 7)
    left, top = top_left[0] - 3 * step_x, top_left[1] - 3 * step_y
    return [[dark[int(top + row * step_y) * width + int(left + col * step_x)] == 1 for col in range(size)]
            for row in range(size)]
