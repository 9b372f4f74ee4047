"""The centres' document-signing keys and the PAdES signatures made with them: the key kept in
its own folder (never the database or the repository), made at set-up, on first use or supplied
by the centre; a signed PDF checks as intact and the centre's, and fails once one byte of it
changes, once something is appended, or against another centre's certificate."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import stat
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.centres.models import Centre
from apps.certification import signing
from apps.core.pdf import render_html_to_bytes
from tests.factories import CentreFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def keys(settings, tmp_path) -> Path:
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    return settings.ATTEST_SIGNING_DIR


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_html_to_bytes("<h1>Internal Record of Achievement</h1><p>Amira Shah: units 1 and 2.</p>")


RIVERSIDE = Centre(name="Riverside Training", slug="riverside")  # never saved: a key needs no row


def signed(pdf: bytes) -> bytes:
    return signing.sign(pdf, RIVERSIDE)


# --- keys ------------------------------------------------------------------------------------------


def test_a_new_key_is_private_to_the_app_and_its_certificate_names_the_centre(keys):
    folder = signing.key_create(slug="riverside", centre_name="Riverside Training")
    assert folder == keys / "riverside"
    assert stat.S_IMODE(os.stat(folder / "key.pem").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    certificate = x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes())
    assert "Riverside Training" in certificate.subject.rfc4514_string()
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc > dt.timedelta(days=3600)
    with pytest.raises(signing.SigningKeyError, match="has a signing key already"):
        signing.key_create(slug="riverside", centre_name="Riverside Training")


def test_the_keys_folder_is_outside_what_git_tracks():
    folder = Path(settings.ATTEST_SIGNING_DIR)  # the test settings' own, before the fixture's
    assert folder.is_absolute()
    ignored = subprocess.run(["git", "check-ignore", "-q", str(ROOT / ".data" / "test-signing" / "x" / "key.pem")],
                             cwd=ROOT, capture_output=True)
    assert ignored.returncode == 0, "the signing keys of the tests must never be committed"


def test_a_centre_without_a_key_gets_one_when_it_first_signs_and_the_log_says_so(caplog, pdf, keys):
    assert not signing.has_key("riverside")
    signed(pdf)
    assert signing.has_key("riverside")
    assert "Made a new document-signing key for the centre riverside" in caplog.text


def test_two_workers_signing_first_at_once_share_one_key(pdf):
    results: list[bytes] = []
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        results.append(signed(pdf))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(signing.validate(data, RIVERSIDE).valid for data in results)
    assert sorted(p.name for p in (Path(settings.ATTEST_SIGNING_DIR)).iterdir()) == ["riverside"]


def test_a_replaced_key_keeps_its_certificate_so_older_documents_still_check(pdf):
    before = signed(pdf)
    signing.key_create(slug="riverside", centre_name="Riverside Training", replace=True)
    after = signed(pdf)
    assert signing.validate(before, RIVERSIDE).valid
    assert signing.validate(after, RIVERSIDE).valid
    assert len(list((Path(settings.ATTEST_SIGNING_DIR) / "riverside" / "retired").glob("*.pem"))) == 1


def test_a_bad_centre_name_is_no_folder():
    for slug in ("../etc", "a/b", "", ".hidden"):
        with pytest.raises(signing.SigningKeyError):
            signing.centre_dir(slug)


# --- keys supplied by the centre ---------------------------------------------------------------


def p12(*, passphrase: bytes | None = b"open sesame", days: int = 365) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Riverside Training (its own CA)")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"riverside", key, certificate, None, encryption)


def test_a_centres_own_key_is_imported_and_signs(pdf):
    signing.key_import(slug="riverside", pkcs12=p12(), passphrase=b"open sesame")
    verdict = signing.validate(signed(pdf), RIVERSIDE)
    assert verdict.valid and "its own CA" in verdict.signer


@pytest.mark.parametrize(("data", "passphrase", "message"), [
    (b"not a pkcs12 file", b"x", "not a PKCS#12 file, or the passphrase is wrong"),
    (None, b"wrong", "not a PKCS#12 file, or the passphrase is wrong"),
    ("expired", b"open sesame", "expired on"),
])
def test_an_unusable_file_is_refused_in_words_and_nothing_is_written(data, passphrase, message, keys):
    if data is None:
        data = p12()
    elif data == "expired":
        data = p12(days=-1)
    with pytest.raises(signing.SigningKeyError, match=message):
        signing.key_import(slug="riverside", pkcs12=data, passphrase=passphrase)
    assert not (keys / "riverside").exists()


def test_the_command_makes_imports_and_shows_a_key(tmp_path, monkeypatch, db):
    centre = CentreFactory(name="Riverside Training", slug="riverside")
    out = io.StringIO()
    call_command("signing_key", "create", "--centre", "riverside", stdout=out)
    assert "Made a new document-signing key for Riverside Training" in out.getvalue() and "sha256:" in out.getvalue()
    with pytest.raises(CommandError, match="--replace"):
        call_command("signing_key", "create", "--centre", "riverside", stdout=io.StringIO())
    pfx = tmp_path / "centre.p12"
    pfx.write_bytes(p12())
    monkeypatch.setenv("CENTRE_PFX_PASSPHRASE", "open sesame")
    out = io.StringIO()
    call_command("signing_key", "import", "--centre", "riverside", "--pkcs12", str(pfx), "--passphrase-env",
                 "CENTRE_PFX_PASSPHRASE", "--replace", stdout=out)
    assert "Imported Riverside Training's document-signing key" in out.getvalue()
    shown = io.StringIO()
    call_command("signing_key", "show", "--centre", centre.slug, stdout=shown)
    assert "its own CA" in shown.getvalue()
    with pytest.raises(CommandError, match="There is no centre"):
        call_command("signing_key", "show", "--centre", "nowhere")
    monkeypatch.setenv("CENTRE_PFX_PASSPHRASE", "wrong")
    with pytest.raises(CommandError, match="passphrase is wrong"):
        call_command("signing_key", "import", "--centre", "riverside", "--pkcs12", str(pfx), "--passphrase-env",
                     "CENTRE_PFX_PASSPHRASE", "--replace")
    with pytest.raises(CommandError, match="could not be read"):
        call_command("signing_key", "import", "--centre", "riverside", "--pkcs12", str(tmp_path / "missing.p12"))


# --- checking signatures ---------------------------------------------------------------------


def test_a_signed_pdf_checks_as_the_centres_and_unchanged(pdf):
    data = signed(pdf)
    verdict = signing.validate(data, RIVERSIDE)
    assert verdict.valid and verdict.reason == "Signed by the centre and unchanged since."
    assert "Riverside Training" in verdict.signer and verdict.signed_at is not None
    assert b"/ETSI.CAdES.detached" in data  # PAdES, not the older PKCS#7 subfilter


def test_one_changed_byte_anywhere_fails_the_check(pdf):
    data = signed(pdf)
    contents = data.index(b"/Contents <") + len(b"/Contents <")
    for position in (60, len(pdf) // 2, len(pdf) - 20, contents + 40, len(data) - 30):
        changed = bytearray(data)
        changed[position] ^= 0x01
        verdict = signing.validate(bytes(changed), RIVERSIDE)
        assert not verdict.valid, position
        assert verdict.reason


def test_an_update_appended_after_signing_fails_the_check(pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed(pdf)))
    writer.root["/Attest"] = generic.TextStringObject("added later")
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    verdict = signing.validate(appended.getvalue(), RIVERSIDE)
    assert not verdict.valid and verdict.reason == "Something was added to the file after it was signed."


def test_another_centres_signature_is_not_this_centres(pdf):
    theirs = signing.sign(pdf, Centre(name="Elsewhere College", slug="elsewhere"))
    signing.key_create(slug="riverside", centre_name="Riverside Training")
    verdict = signing.validate(theirs, RIVERSIDE)
    assert not verdict.valid and verdict.reason == "The file was not signed with this centre's certificate."


def test_unsigned_or_broken_files_are_not_valid(pdf):
    signing.key_create(slug="riverside", centre_name="Riverside Training")
    assert signing.validate(pdf, RIVERSIDE).reason == "The file is not signed."
    assert not signing.validate(b"%PDF-1.7 nonsense", RIVERSIDE).valid
    nokey = Centre(name="No Key", slug="nokey")
    assert signing.validate(signed(pdf), nokey).reason == "The centre has no signing certificate to check against."


def test_signing_and_checking_work_where_an_event_loop_is_running(pdf):
    async def in_a_loop() -> signing.Verdict:
        return signing.validate(signed(pdf), RIVERSIDE)

    with ThreadPoolExecutor(max_workers=1) as fresh:  # a thread of its own: this one may have a loop (Playwright)
        assert fresh.submit(asyncio.run, in_a_loop()).result().valid
