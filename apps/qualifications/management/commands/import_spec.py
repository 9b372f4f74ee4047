"""manage.py import_spec PATH [--out FILE|DIR] [--dry-run]: import a specification into catalogue files."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.qualifications.canonical import catalogue_dir, fixture_name
from apps.qualifications.importers import ImportError_, count, dump_yaml, import_text
from apps.qualifications.schema import validate


def _counts(qualification: dict[str, Any]) -> str:
    c = count(qualification)
    return (
        f"{c['units']} units, {c['outcomes']} outcomes, {c['criteria']} criteria, "
        f"{c['evidence_requirements']} evidence requirements"
    )


class Command(BaseCommand):
    help = (
        "Import an awarding organisation's specification (text extracted from its PDF) into canonical "
        "catalogue YAML, one file per qualification, and print the import report: counts, every "
        "correction applied and every warning. Load the files with load_catalogue."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="the specification's text file")
        parser.add_argument(
            "--out",
            type=Path,
            help="a .yaml file (a specification with one qualification) or a directory "
            "(default: fixtures/qualifications/)",
        )
        parser.add_argument("--dry-run", action="store_true", help="write nothing; show what would be written")

    def handle(self, *args, path: Path, out: Path | None, dry_run: bool, **options) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            qualifications, report = import_text(text, path.name)
        except ImportError_ as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        if not qualifications:
            raise CommandError(f"{path.name}: no qualification found")

        targets = self._targets(qualifications, out)
        invalid = {q["number"]: validate(q) for q in qualifications}
        invalid = {number: problems for number, problems in invalid.items() if problems}

        self._report(path, report, qualifications)
        if invalid:
            for number, problems in invalid.items():
                self.stderr.write(self.style.ERROR(f"{number} does not meet the catalogue format:"))
                for message in problems:
                    self.stderr.write(f"  - {message}")
            raise CommandError("the import produced invalid qualifications; nothing was written")

        for qualification, target in zip(qualifications, targets, strict=True):
            new = dump_yaml(qualification)
            old = target.read_text(encoding="utf-8") if target.is_file() else None
            if old == new:
                state = "unchanged"
            elif old is None:
                state = "new file"
            else:
                state = "changed"
            if dry_run and state == "unchanged":
                self.stdout.write(f"would leave {target} unchanged ({_counts(qualification)})")
            elif dry_run:
                self.stdout.write(f"would write {target} ({state}; {_counts(qualification)})")
                if state == "changed":
                    diff = difflib.unified_diff(
                        old.splitlines(keepends=True), new.splitlines(keepends=True), str(target), "imported"
                    )
                    self.stdout.write("".join(diff), ending="")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(new, encoding="utf-8")
                self.stdout.write(self.style.SUCCESS(f"wrote {target} ({state})"))
        if dry_run:
            self.stdout.write("dry run: nothing was written")

    def _targets(self, qualifications: list[dict[str, Any]], out: Path | None) -> list[Path]:
        """One path per qualification. --out names a file (an existing file, or a path ending
        .yaml) only for a specification with one qualification; otherwise it is a directory."""
        names_a_file = out is not None and (out.is_file() or (out.suffix in (".yaml", ".yml") and not out.is_dir()))
        if names_a_file and len(qualifications) == 1:
            return [out]
        if names_a_file:
            raise CommandError(
                f"this specification holds {len(qualifications)} qualifications: --out must be a directory, not {out}"
            )
        directory = out if out is not None else catalogue_dir()
        return [directory / fixture_name(q["number"]) for q in qualifications]

    def _report(self, path: Path, report, qualifications: list[dict[str, Any]]) -> None:
        self.stdout.write(f"{path.name}: layout {report.layout}, {len(qualifications)} qualification(s)")
        for q in qualifications:
            self.stdout.write(f"  {q['number']} {q['title']}: {_counts(q)}")
        self.stdout.write(f"corrections applied ({len(report.corrections)}):")
        for line in report.corrections:
            self.stdout.write(f"  - {line}")
        self.stdout.write(f"warnings ({len(report.warnings)}):")
        for line in report.warnings:
            self.stdout.write(f"  - {line}")
