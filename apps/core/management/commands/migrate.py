"""`manage.py migrate` as the tables' owner; then the app's role is granted what it may use."""

from __future__ import annotations

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

from apps.core.db import as_owner, grant_to_app


class Command(MigrateCommand):
    def handle(self, *args, **options):
        app_user = connections[options["database"]].settings_dict["USER"]
        with as_owner(options["database"]):
            super().handle(*args, **options)
            grant_to_app(app_user, options["database"])
