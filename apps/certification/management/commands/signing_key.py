"""manage.py signing_key: a centre's document-signing key, made here or supplied by the centre.

    manage.py signing_key create --centre <slug> [--replace]
    manage.py signing_key import --centre <slug> --pkcs12 FILE [--passphrase-env NAME] [--replace]
    manage.py signing_key show --centre <slug>

The key and its certificate are written to ATTEST_SIGNING_DIR/<slug>/ (the key readable by the
app's user only), never to the database. A PKCS#12 file's passphrase is read from the
environment variable named by --passphrase-env (ATTEST_SIGNING_PASSPHRASE by default), or asked
for when that is unset and someone is at the keyboard; it is never a command-line argument,
which other users of the machine could see. A replaced certificate is kept, so documents signed
with it still check as the centre's.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.centres.models import Centre
from apps.certification import signing

PASSPHRASE_ENV = "ATTEST_SIGNING_PASSPHRASE"


class Command(BaseCommand):
    help = "Make, import or show a centre's document-signing key and certificate (kept outside the database)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a new key and a self-signed certificate naming the centre")
        imported = actions.add_parser("import", help="use the centre's own key and certificate from a PKCS#12 file")
        show = actions.add_parser("show", help="print the centre's certificate: subject, validity, fingerprint")
        for sub in (create, imported, show):
            sub.add_argument("--centre", required=True, metavar="SLUG", help="the centre's short name")
        for sub in (create, imported):
            sub.add_argument("--replace", action="store_true",
                             help="replace the key the centre has (its certificate is kept for older documents)")
        imported.add_argument("--pkcs12", required=True, metavar="FILE", help="the .p12 or .pfx file")
        imported.add_argument("--passphrase-env", default=PASSPHRASE_ENV, metavar="NAME",
                              help=f"the environment variable holding the file's passphrase (default {PASSPHRASE_ENV})")

    def handle(self, *args, action: str, centre: str, **options) -> None:
        found = Centre.objects.filter(slug=centre.strip()).first()
        if found is None:
            raise CommandError(f"There is no centre {centre.strip()!r}: give the short name it was created with.")
        try:
            if action == "create":
                signing.key_create(slug=found.slug, centre_name=found.name, replace=options["replace"])
                self.stdout.write(f"Made a new document-signing key for {found.name}.")
            elif action == "import":
                data = self._read(options["pkcs12"])
                passphrase = self._passphrase(options["passphrase_env"])
                signing.key_import(slug=found.slug, pkcs12=data, passphrase=passphrase, replace=options["replace"])
                self.stdout.write(f"Imported {found.name}'s document-signing key.")
            elif not signing.has_key(found.slug):
                raise CommandError(f"{found.name} has no signing key yet: make one with "
                                   f"`manage.py signing_key create --centre {found.slug}`.")
        except signing.SigningKeyError as exc:
            raise CommandError(str(exc)) from exc
        for label, value in signing.certificate_facts(found.slug).items():
            self.stdout.write(f"  {label.replace('_', ' ')}: {value}")

    def _read(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"The file {path} could not be read: {exc.strerror}.") from exc

    def _passphrase(self, variable: str) -> bytes | None:
        if variable in os.environ:
            return os.environ[variable].encode() or None
        if sys.stdin.isatty():
            return getpass.getpass("The PKCS#12 file's passphrase (empty if none): ").encode() or None
        return None
