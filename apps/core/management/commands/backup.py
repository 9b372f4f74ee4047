"""`manage.py backup [--to DIR]`: a consistent backup of the database and every stored file.

The dump and the list of stored files come from one snapshot of the database (pg_dump
--snapshot), so the manifest names exactly the files the dump refers to. Files are copied
afterwards: a stored file is never changed once written, so a copy taken later is the same.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from apps.core.backups import (
    DUMP,
    FILES,
    FORMAT,
    MANIFEST,
    PARTIAL,
    counted,
    entries_from_rows,
    hash_file,
    hash_stream,
    is_local,
    libpq_env,
    listing,
    pg_program,
    run,
    safe_path,
    size,
    storage_name,
    stored_file_sql,
    stored_file_table,
    table_counts,
)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Command(BaseCommand):
    help = (
        "Write a backup into a new timestamped folder: the database (pg_dump), a manifest of every "
        "stored file with its SHA-256 and, where files are on this server's disk, a checked copy of each."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", metavar="DIR",
            help="the folder to write the backup folder into (default: $ATTEST_BACKUP_DIR, else backups/ beside manage.py)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database connection to back up")

    def handle(self, *args, to: str | None, database: str, **options) -> None:
        connection = connections[database]
        if connection.in_atomic_block:
            raise CommandError("A backup takes its own snapshot of the database: run it outside any transaction.")
        root = Path(to or os.environ.get("ATTEST_BACKUP_DIR") or Path(settings.BASE_DIR) / "backups").expanduser()
        folder, work = self._new_folder(root)
        try:
            manifest = self._write(work, connection)
            (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            with open(work / MANIFEST, "rb") as handle:
                os.fsync(handle.fileno())
            # Only a finished backup carries its final name.
            os.rename(work, folder)
            _fsync_dir(root)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._report(folder, manifest)

    def _new_folder(self, root: Path) -> tuple[Path, Path]:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as problem:
            raise CommandError(f"Cannot write backups to {root}: {problem.strerror}.") from None
        stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name, n = f"attest-backup-{stamp}", 1
        while (root / name).exists() or (root / f"{name}{PARTIAL}").exists():
            n += 1
            name = f"attest-backup-{stamp}-{n}"
        work = root / f"{name}{PARTIAL}"
        try:
            work.mkdir(mode=0o700)  # it holds everyone's records: only its owner may read it
        except OSError as problem:
            raise CommandError(f"Cannot write backups to {root}: {problem.strerror}.") from None
        return root / name, work

    def _write(self, work: Path, connection: Any) -> dict[str, Any]:
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = True
            with raw.cursor() as cursor:
                # One snapshot for the dump, the list of files and the row counts.
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT to_regclass(%s)", [stored_file_table()])
                if cursor.fetchone()[0] is None:
                    raise CommandError("There is nothing to back up: this database has no Attest tables yet "
                                       "(has `manage.py migrate` been run?).")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')::int")
                snapshot, server_version = cursor.fetchone()
                program, major = pg_program("pg_dump", at_least=server_version // 10000)
                dump = work / DUMP
                run(
                    [program, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={dump}"],
                    libpq_env(connection.settings_dict),
                )
                cursor.execute(stored_file_sql())
                rows = cursor.fetchall()
                tables = table_counts(cursor)
                cursor.execute("COMMIT")
        finally:
            raw.close()
        dump_sha256, dump_size = hash_file(dump)
        storage = storages["default"]
        files = self._copy(work, storage, entries_from_rows(rows)) if is_local(storage) else [
            entry.as_json() for entry in entries_from_rows(rows)
        ]
        return {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": {
                "file": DUMP, "size": dump_size, "sha256": dump_sha256, "pg_dump_major": major,
                "server_version": server_version, "tables": tables,
            },
            "storage": {"copied": is_local(storage), "backend": f"{type(storage).__module__}.{type(storage).__name__}",
                        "name": storage_name(storage)},
            "files": files,
        }

    def _copy(self, work: Path, storage: Any, entries: list) -> list[dict[str, Any]]:
        """Copy each object into files/<key>, hashing the bytes written; each is checked against the
        SHA-256 recorded at upload. A missing or changed object is noted, not fatal: the rest still count."""
        copied = []
        for entry in entries:
            record = entry.as_json()
            target = safe_path(work / FILES, entry.key)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with storage.open(entry.key, "rb") as source, open(target, "wb") as out:
                    sha256, length = hash_stream(source, out)
                    out.flush()
                    os.fsync(out.fileno())
            except FileNotFoundError:
                target.unlink(missing_ok=True)
                record["missing"] = True
                copied.append(record)
                continue
            if entry.sha256 is None:
                record.update(sha256=sha256, size=length)  # a thumbnail: its hash is taken now
            elif sha256 != entry.sha256 or length != entry.size:
                record.update(damaged=True, stored_sha256=sha256, stored_size=length)
            copied.append(record)
        return copied

    def _report(self, folder: Path, manifest: dict[str, Any]) -> None:
        database, files = manifest["database"], manifest["files"]
        rows = sum(database["tables"].values())
        out = self.stdout.write
        out(f"Backup written to {folder}")
        out(f"  database: {counted(rows, 'row')} in {counted(len(database['tables']), 'table')}, "
            f"{DUMP} {size(database['size'])}")
        evidence = [f for f in files if f["role"] == "file"]
        thumbnails = [f for f in files if f["role"] == "thumbnail"]
        evidence_bytes = sum(f["size"] or 0 for f in evidence)
        if manifest["storage"]["copied"]:
            present = [f for f in files if not f.get("missing")]
            out(
                f"  files: {counted(len(evidence), 'stored file')} ({size(evidence_bytes)}) and "
                f"{counted(len(thumbnails), 'thumbnail')} copied to {FILES}/, "
                f"{size(sum(f['size'] or 0 for f in present))} in all; "
                "every copy's SHA-256 checked against the manifest"
            )
        else:
            out(f"  files: {counted(len(evidence), 'stored file')} ({size(evidence_bytes)}) and "
                f"{counted(len(thumbnails), 'thumbnail')} listed in {MANIFEST} with their SHA-256, NOT copied.")
            out(self.style.WARNING(
                f"  The files are kept in {manifest['storage']['name']}, not on this server, and this backup does "
                "not contain them. Back the bucket up with your storage provider: turn on object versioning "
                "(with replication or a retention rule that keeps old versions). Without that, a file deleted "
                "or overwritten in the bucket cannot be restored from here."
            ))
        lost_thumbnails = [f["key"] for f in thumbnails if f.get("missing")]
        if lost_thumbnails:
            out(f"  {counted(len(lost_thumbnails), 'thumbnail was', 'thumbnails were')} missing from storage "
                "(they are made again when shown).")
        missing = [f["key"] for f in evidence if f.get("missing")]
        damaged = [f["key"] for f in evidence if f.get("damaged")]
        if missing or damaged:
            problems = []
            if missing:
                problems.append(f"{counted(len(missing), 'stored file is', 'stored files are')} missing from storage "
                                f"({listing(missing)})")
            if damaged:
                problems.append(f"{counted(len(damaged), 'stored file differs', 'stored files differ')} from the "
                                f"SHA-256 recorded at upload ({listing(damaged)})")
            raise CommandError(
                f"Backup written to {folder}, but " + "; ".join(problems)
                + ". Look into the file storage: this backup cannot bring those files back."
            )
