"""`manage.py restore DIR`: bring a backup back into an empty installation and check every hash.

The backup is checked whole first (manifest, dump, every copied file); an installation that
already holds Attest data is left alone unless --force. The database is restored by
pg_restore in one transaction as the tables' owner, so a failure changes nothing there; the
app's role is then granted its rights, the files are put back, and every file's SHA-256 and
every table's row count are compared with the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from apps.core.backups import (
    Backup,
    counted,
    damaged_copies,
    hash_stored,
    libpq_env,
    listing,
    pg_program,
    read_backup,
    run,
    size,
    storage_name,
    table_counts,
)
from apps.core.db import as_owner, grant_to_app

# What makes an installation "not empty": people, centres or files. The catalogue alone is not
# (docker-compose's migrate service loads it into every new installation).
HOLDINGS = [
    (settings.AUTH_USER_MODEL, "person", "people"),
    ("centres.Centre", "centre", "centres"),
    ("evidence.StoredFile", "stored file", "stored files"),
]


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty installation: the database, the files, "
        "then check every file's SHA-256 and every table's row count against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="the backup folder (attest-backup-…)")
        parser.add_argument(
            "--force", action="store_true", help="replace the data this installation already holds with the backup"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database connection to restore into")

    def handle(self, *args, directory: str, force: bool, database: str, **options) -> None:
        backup = read_backup(Path(directory).expanduser())
        damaged = damaged_copies(backup)
        if damaged:
            raise CommandError(
                f"The backup in {backup.folder} is damaged: {len(damaged)} of its file copies are missing or differ "
                f"from its manifest: {listing(damaged)}. Nothing was changed."
            )
        program, _major = pg_program("pg_restore", at_least=backup.manifest["database"]["pg_dump_major"])
        connection = connections[database]
        if connection.in_atomic_block:
            raise CommandError("A restore cannot run inside a transaction.")
        app_user = connection.settings_dict["USER"]
        with as_owner(database):
            held = self._holdings(connection)
            if held and not force:
                raise CommandError(
                    f"This installation already holds Attest data ({held}). Restoring would replace it, so nothing "
                    "was changed. Restore into an empty installation, or add --force to replace everything in this "
                    "one with the backup."
                )
            env = libpq_env(connection.settings_dict)
            connection.close()  # none of our own connections may hold a lock pg_restore waits for
            # A running web server or worker holds locks on the tables: give up rather than wait for ever.
            env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout=60s".strip()
            try:
                run(
                    [program, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                     "--exit-on-error", "--no-password", f"--dbname={env['PGDATABASE']}", str(backup.dump)],
                    env,
                )
            except CommandError as failed:
                raise CommandError(
                    f"{failed} The restore runs in one transaction: the database was not changed. If the message "
                    "speaks of a lock, stop the web server and the workers first."
                ) from None
            grant_to_app(app_user, database)
            with connection.cursor() as cursor:
                counts = table_counts(cursor)
        storage = storages["default"]
        put = self._put_files(backup, storage) if backup.copied else 0
        self._report(backup, storage, counts, put)

    def _holdings(self, connection: Any) -> str:
        found = []
        with connection.cursor() as cursor:
            for label, one, many in HOLDINGS:
                table = apps.get_model(label)._meta.db_table
                cursor.execute("SELECT to_regclass(%s)", [connection.ops.quote_name(table)])
                if cursor.fetchone()[0] is None:
                    continue  # a database nobody has migrated yet
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
                count = cursor.fetchone()[0]
                if count:
                    found.append(f"{count} {one if count == 1 else many}")
        return ", ".join(found)

    def _put_files(self, backup: Backup, storage: Any) -> int:
        """Copy each file back under its key; one already there with the right content is left as it is."""
        put = 0
        for entry in backup.entries:
            if entry.get("missing") or entry.get("damaged"):
                continue
            key = entry["key"]
            try:
                if storage.exists(key):
                    if hash_stored(storage, key)[0] == entry["sha256"]:
                        continue
                    storage.delete(key)
                with open(backup.copy_of(entry), "rb") as handle:
                    saved = storage.save(key, File(handle, name=key))
            except OSError as problem:
                raise CommandError(
                    f"The database is restored, but {key} could not be put back: {problem}. Put that right and run "
                    "the restore again with --force."
                ) from None
            if saved != key:
                raise CommandError(f"The storage kept {key} as {saved}: restore into empty file storage.")
            put += 1
        return put

    def _report(self, backup: Backup, storage: Any, counts: dict[str, int], put: int) -> None:
        out = self.stdout.write
        manifest = backup.manifest
        problems = []
        expected = manifest["database"]["tables"]
        differing = [f"{table} ({counts.get(table, 0)} rows, not {rows})" for table, rows in expected.items()
                     if counts.get(table, 0) != rows]
        if differing:
            problems.append(f"{counted(len(differing), 'table differs', 'tables differ')} from the backup: "
                            f"{listing(differing)}")
        missing, thumbnails_missing, wrong, checked, checked_bytes = [], [], [], 0, 0
        for entry in backup.entries:
            key = entry["key"]
            absent = thumbnails_missing if entry["role"] == "thumbnail" else missing
            if entry.get("missing") or entry.get("damaged"):
                absent.append(f"{key} (already missing or damaged when the backup was made)")
                continue
            if not storage.exists(key):
                absent.append(key)
                continue
            sha256, length = hash_stored(storage, key)
            checked += 1
            checked_bytes += length
            if entry.get("sha256") and sha256 != entry["sha256"]:
                wrong.append(key)
        out(f"Restored {backup.folder} (made {manifest['created_at']})")
        out(f"  database: {counted(sum(counts.values()), 'row')} in {counted(len(counts), 'table')}"
            + ("" if differing else ", every count as in the backup"))
        where = storage_name(storage)
        verdict = "" if missing or wrong else ", every SHA-256 as in the backup"
        if backup.copied:
            out(f"  files: {put:,} copied back into {where}; {checked:,} checked ({size(checked_bytes)}){verdict}")
        else:
            out(f"  files: the backup holds none (they were kept in {manifest['storage']['name']}); "
                f"{checked:,} found in {where} and checked ({size(checked_bytes)}){verdict}")
        if thumbnails_missing:
            out(f"  {counted(len(thumbnails_missing), 'thumbnail is', 'thumbnails are')} missing; "
                "they are made again when shown.")
        if missing:
            problems.append(f"{counted(len(missing), 'stored file is', 'stored files are')} missing: {listing(missing)}")
        if wrong:
            problems.append(f"{counted(len(wrong), 'file differs', 'files differ')} from its SHA-256 in the backup: "
                            f"{listing(wrong)}")
        if problems:
            raise CommandError("Restored, but " + "; ".join(problems) + ".")
