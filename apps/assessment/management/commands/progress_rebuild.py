"""Write (or check) every enrolment's progress summary from its records."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.assessment.progress import progress_refresh, progress_verify
from apps.learners.models import Enrolment


class Command(BaseCommand):
    help = "Recompute every enrolment's progress summary (after an upgrade), or --verify that each equals the truth."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="only check; exit 1 if any summary is wrong")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, verify: bool, batch: int, **options):
        if verify:
            wrong = progress_verify(batch=batch)
            if wrong:
                raise CommandError(f"{len(wrong)} progress summaries differ from their records: enrolments {wrong[:20]}")
            self.stdout.write("Every progress summary equals what its records add up to.")
            return
        ids = list(Enrolment.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                progress_refresh(ids[start:start + batch])
        self.stdout.write(f"{len(ids)} progress summaries written.")
