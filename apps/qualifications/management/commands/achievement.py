"""manage.py achievement NUMBER --units 01,02 [--transfer URN,...] [--version N]: evaluate the rules of combination."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.qualifications.engine import Achieved, evaluate
from apps.qualifications.models import Qualification
from apps.qualifications.selectors import qualification_with_units


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = (
        "Print, as one JSON object, whether a set of units achieves a qualification: units by their printed "
        "numbers, credit transfer by URN."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # --version means the qualification's version here, not Django's.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="qualification number, e.g. 600/1257/2")
        parser.add_argument("--units", default="", help="comma-separated printed unit numbers, e.g. 01,02,03")
        parser.add_argument("--transfer", default="", help="comma-separated URNs achieved elsewhere (credit transfer)")
        parser.add_argument("--version", dest="qualification_version", type=int, metavar="N", help="a version (default: current)")

    def handle(self, *args, number: str, units: str, transfer: str, qualification_version: int | None, **options):
        try:
            qualification = qualification_with_units(number=number, version=qualification_version)
        except Qualification.DoesNotExist:
            which = f"version {qualification_version} of " if qualification_version else ""
            raise CommandError(
                f"no {which}qualification {number} in the catalogue (load it with load_catalogue)"
            ) from None
        achieved = [Achieved(unit=n) for n in _items(units)]
        achieved += [Achieved(urn=urn, via="credit_transfer") for urn in _items(transfer)]
        verdict = evaluate(qualification.rules(), achieved)
        result = verdict.as_dict()
        result = {"qualification": result.pop("qualification"), "version": qualification.version, **result}
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
