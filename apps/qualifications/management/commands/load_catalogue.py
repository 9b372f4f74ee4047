"""manage.py load_catalogue [FILE ...]: load catalogue YAML files (default: all of fixtures/qualifications/)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.qualifications.canonical import catalogue_dir, read_catalogue_file
from apps.qualifications.services import catalogue_load


class Command(BaseCommand):
    help = (
        "Load qualifications in the catalogue format (docs/catalogue-format.md). A new number is created, "
        "changed content becomes a new version, identical content is left alone. Each file loads whole or "
        "not at all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "files", nargs="*", type=Path, help="catalogue YAML files (default: fixtures/qualifications/*.yaml)"
        )

    def handle(self, *args, files: list[Path], **options) -> None:
        paths = files or sorted(catalogue_dir().glob("*.yaml"))
        if not paths:
            raise CommandError(f"no catalogue files found in {catalogue_dir()}")
        started = time.perf_counter()
        failed: list[str] = []
        for path in paths:
            try:
                result = catalogue_load(data=read_catalogue_file(path), source=path.name)
            except ValidationError as exc:
                failed.append(str(path))
                self.stderr.write(self.style.ERROR(f"{path}: not loaded, nothing of it was written:"))
                for message in exc.messages:
                    self.stderr.write(f"  - {message}")
                continue
            line = f"{path.name}: {result.describe()}"
            self.stdout.write(line if result.status == "unchanged" else self.style.SUCCESS(line))
        elapsed = time.perf_counter() - started
        loaded = len(paths) - len(failed)
        self.stdout.write(f"{loaded} of {len(paths)} file(s) loaded in {elapsed:.1f} s")
        if failed:
            raise CommandError(f"{len(failed)} file(s) not loaded: {', '.join(failed)}")
