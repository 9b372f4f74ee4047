"""Each centre's document-signing key, and PAdES signatures made and checked with it.

The key and its certificate live in ATTEST_SIGNING_DIR/<centre slug>/ (key.pem, readable by
the app's user only, and cert.pem), never in the database, the file store or the repository.
A centre gets them at set-up (`manage.py signing_key create --centre <slug>`), or supplies its
own (`manage.py signing_key import --centre <slug> --pkcs12 FILE`); a centre that has neither
when its first document is signed gets a new key then, and the log says so. A replaced
certificate is kept under retired/, so documents signed before still check as the centre's.

Signatures are PAdES baseline B-B (no time-stamping authority is reachable from here): the
signed PDF carries the certificate, so a reader can check offline that not one byte changed.
The certificate is self-signed: PDF readers show its trust as unknown unless they are told
to trust it; the verification page (and `validate` here) is where it is trusted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from apps.centres.models import Centre

logger = logging.getLogger(__name__)

KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
CHAIN_FILE = "chain.pem"  # the issuers of a supplied certificate, where the centre gave them
RETIRED = "retired"
FIELD_NAME = "AttestCentreSignature"
CERTIFICATE_YEARS = 10
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


class SigningKeyError(ValueError):
    """A key or certificate that cannot be used, in plain words."""


@dataclass(frozen=True)
class Verdict:
    """What checking a signed PDF found: `valid` only when the file is intact, signed by one of
    the centre's certificates, and unchanged since (nothing appended after the signature)."""

    valid: bool
    reason: str
    signer: str = ""
    signed_at: dt.datetime | None = None


def centre_dir(slug: str) -> Path:
    if not SLUG.match(slug):
        raise SigningKeyError(f"Not a centre's short name: {slug[:100]!r}")
    return Path(settings.ATTEST_SIGNING_DIR) / slug


def has_key(slug: str) -> bool:
    folder = centre_dir(slug)
    return (folder / KEY_FILE).is_file() and (folder / CERT_FILE).is_file()


# --- making and importing keys ------------------------------------------------------------------


def _key_bytes(private_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def _cert_bytes(certificate: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM)


def _self_signed(private_key: Any, centre_name: str) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{centre_name[:40]} document signing"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, centre_name[:64]),
    ])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _install(slug: str, files: dict[str, bytes], *, replace: bool) -> Path:
    """Put a complete set of key files in place at once: written to a folder of their own, then
    renamed into place, so a reader never sees half a key and two makers never both win (the
    second rename finds the folder there and gives up)."""
    folder = centre_dir(slug)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=folder.parent))
    try:
        for name, data in files.items():
            _write_private(staging / name, data)
        os.chmod(staging / CERT_FILE, 0o644)
        if replace and folder.exists():
            _retire(folder, staging)
            os.replace(folder, folder.with_name(f".{slug}-old"))  # out of the way, then removed
            shutil.rmtree(folder.with_name(f".{slug}-old"))
        os.rename(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if folder.exists() and not replace:
            return folder  # another process made it first: theirs is used
        raise
    _signer.cache_clear()
    return folder


def _retire(old: Path, new: Path) -> None:
    """The certificates of a replaced key go with the new one, so what they signed still checks."""
    retired = new / RETIRED
    retired.mkdir(mode=0o755)
    for source in [old / CERT_FILE, *sorted((old / RETIRED).glob("*.pem"))]:
        if source.is_file():
            data = source.read_bytes()
            shutil.copyfile(source, retired / f"{hashlib.sha256(data).hexdigest()[:16]}.pem")


def key_create(*, slug: str, centre_name: str, replace: bool = False) -> Path:
    """A new EC P-256 key and a self-signed certificate naming the centre. Refused if the centre
    has one already, unless `replace` (the old certificate is kept under retired/)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if has_key(slug) and not replace:
        raise SigningKeyError(f"The centre {slug} has a signing key already; say --replace to make a new one.")
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(private_key, centre_name)
    return _install(slug, {KEY_FILE: _key_bytes(private_key), CERT_FILE: _cert_bytes(certificate)}, replace=replace)


def key_import(*, slug: str, pkcs12: bytes, passphrase: bytes | None, replace: bool = False) -> Path:
    """The centre's own key and certificate, from a PKCS#12 file (.p12, .pfx)."""
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    if has_key(slug) and not replace:
        raise SigningKeyError(f"The centre {slug} has a signing key already; say --replace to use this one instead.")
    try:
        private_key, certificate, others = p12.load_key_and_certificates(pkcs12, passphrase)
    except ValueError as exc:
        raise SigningKeyError("The file could not be opened: it is not a PKCS#12 file, or the passphrase is wrong.") from exc
    if private_key is None or certificate is None:
        raise SigningKeyError("The file holds no private key with its certificate.")
    if _public(certificate.public_key()) != _public(private_key.public_key()):
        raise SigningKeyError("The certificate in the file is not the private key's.")
    if certificate.not_valid_after_utc <= dt.datetime.now(dt.UTC):
        raise SigningKeyError(f"The certificate expired on {certificate.not_valid_after_utc:%d/%m/%Y}.")
    files = {KEY_FILE: _key_bytes(private_key), CERT_FILE: _cert_bytes(certificate)}
    if others:
        files[CHAIN_FILE] = b"".join(_cert_bytes(c) for c in others)
    return _install(slug, files, replace=replace)


def _public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def ensure_key(*, slug: str, centre_name: str) -> None:
    """A centre signing its first document without a key gets one now (and the log says so)."""
    if not has_key(slug):
        key_create(slug=slug, centre_name=centre_name)
        logger.warning("Made a new document-signing key for the centre %s in %s", slug, centre_dir(slug))


def certificate_facts(slug: str) -> dict[str, str]:
    """The centre's certificate as people check it: subject, validity and SHA-256 fingerprint."""
    from cryptography import x509

    data = (centre_dir(slug) / CERT_FILE).read_bytes()
    certificate = x509.load_pem_x509_certificate(data)
    return {
        "subject": certificate.subject.rfc4514_string(),
        "valid_from": f"{certificate.not_valid_before_utc:%Y-%m-%d}",
        "valid_to": f"{certificate.not_valid_after_utc:%Y-%m-%d}",
        "sha256": certificate.fingerprint(_sha256()).hex(),
        "folder": str(centre_dir(slug)),
    }


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


# --- signing --------------------------------------------------------------------------------


def _without_a_running_loop(function: Any, *args: Any, **kwargs: Any) -> Any:
    """pyHanko's functions run an asyncio loop of their own, which cannot start on a thread where
    one is running already (an async server; a browser driven from the tests): there, they run on
    a thread of their own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()



def _mtime(path: Path) -> float:
    return path.stat().st_mtime_ns


@functools.lru_cache(maxsize=64)
def _signer(folder: str, stamp: tuple) -> Any:
    from pyhanko.sign import signers

    base = Path(folder)
    chain = [str(base / CHAIN_FILE)] if (base / CHAIN_FILE).is_file() else None
    signer = signers.SimpleSigner.load(str(base / KEY_FILE), str(base / CERT_FILE), ca_chain_files=chain)
    if signer is None:
        raise SigningKeyError(f"The signing key in {folder} could not be read.")
    return signer


def signer_for(slug: str) -> Any:
    """The centre's signer, read from its folder once per process (again after a change)."""
    folder = centre_dir(slug)
    return _signer(str(folder), (_mtime(folder / KEY_FILE), _mtime(folder / CERT_FILE)))



def sign(pdf: bytes, centre: Centre) -> bytes:
    """The PDF signed with the centre's key (PAdES B-B, an invisible signature field)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    ensure_key(slug=centre.slug, centre_name=centre.name)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="Issued by the centre: an internal record, not an awarding organisation's certificate",
        location=centre.name[:100],
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _without_a_running_loop(signers.sign_pdf, writer, meta, signer=signer_for(centre.slug)).getvalue()


# --- checking ---------------------------------------------------------------------------------


def trusted_certificates(slug: str) -> list[Any]:
    """The centre's certificate and those it used before, as pyHanko reads them."""
    from pyhanko.keys import load_cert_from_pemder

    folder = centre_dir(slug)
    paths = [folder / CERT_FILE, *sorted((folder / RETIRED).glob("*.pem"))]
    return [load_cert_from_pemder(str(p)) for p in paths if p.is_file()]


def validate(pdf: bytes, centre: Centre) -> Verdict:
    """Check a signed PDF against the centre's certificates, offline: intact (the signed bytes
    hash to what was signed), a valid signature by one of the centre's certificates, and the
    whole file covered (nothing added after signing)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    roots = trusted_certificates(centre.slug) if has_key(centre.slug) else []
    if not roots:
        return Verdict(False, "The centre has no signing certificate to check against.")
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if len(signatures) != 1:
            return Verdict(False, "The file does not carry exactly one signature." if signatures
                           else "The file is not signed.")
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
        status = _without_a_running_loop(validate_pdf_signature, signatures[0], context, key_usage_settings=usage,
                                         skip_diff=True)
    except Exception as exc:  # whatever the bytes are, the answer is "not valid", in words
        logger.info("A PDF could not be checked: %s", exc)
        return Verdict(False, f"The file could not be read as a signed PDF ({type(exc).__name__}).")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    signed_at = status.signer_reported_dt
    if not status.intact:
        return Verdict(False, "The file was changed after it was signed: the signed content no longer matches.",
                       signer, signed_at)
    if not status.valid:
        return Verdict(False, "The signature itself is not valid.", signer, signed_at)
    if not status.trusted:
        return Verdict(False, "The file was not signed with this centre's certificate.", signer, signed_at)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Verdict(False, "Something was added to the file after it was signed.", signer, signed_at)
    return Verdict(True, "Signed by the centre and unchanged since.", signer, signed_at)
