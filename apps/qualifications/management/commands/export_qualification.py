"""manage.py export_qualification NUMBER [--version N]: print a qualification in the catalogue format."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.qualifications.canonical import canonical_text, qualification_to_canonical
from apps.qualifications.models import Qualification
from apps.qualifications.selectors import qualification_get, qualification_versions


class Command(BaseCommand):
    help = "Print the canonical YAML of the current (or the given) version of a qualification."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # --version means the qualification's version here, not Django's.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="qualification number, e.g. 600/1257/2")
        parser.add_argument("--version", dest="qualification_version", type=int, metavar="N", help="a version (default: current)")

    def handle(self, *args, number: str, qualification_version: int | None, **options) -> None:
        try:
            qualification = qualification_get(number=number, version=qualification_version, content=True)
        except Qualification.DoesNotExist:
            versions = list(qualification_versions(number=number).values_list("version", flat=True))
            if not versions:
                raise CommandError(
                    f"no qualification {number} in the catalogue (load it with load_catalogue)"
                ) from None
            raise CommandError(
                f"qualification {number} has no version {qualification_version}; "
                f"versions: {', '.join(map(str, sorted(versions)))}"
            ) from None
        self.stdout.write(canonical_text(qualification_to_canonical(qualification)), ending="")
