"""`manage.py flush` as the tables' owner: emptying tables (TRUNCATE) is not the app's right.
Tests that commit (a real Celery worker reads their rows) are cleaned up this way."""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand

from apps.core.db import as_owner


class Command(FlushCommand):
    def handle(self, **options):
        with as_owner(options["database"]):
            super().handle(**options)
