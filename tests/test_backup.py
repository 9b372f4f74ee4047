"""Backups a centre can restore: `manage.py backup` of a populated installation, `manage.py restore`
into a fresh database and empty file storage, every row and every file hash found again; bad or
half-written backups refused; and `make clean-data` that asks before deleting anything."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from apps.core.backups import counted, hash_file, size, table_counts
from apps.core.db import owner_credentials
from apps.evidence.models import StoredFile
from apps.evidence.services import evidence_create, evidence_submit, evidence_update, evidence_withdraw
from apps.evidence.storage import store
from apps.evidence.thumbnails import thumbnail_make
from tests.assessment.helpers import accept, criterion, submitted
from tests.evidence import samples
from tests.evidence.filefixtures import private_storage, s3_server  # noqa: F401 - fixtures
from tests.evidence.portfolio_helpers import content, enrolment_with_people

ROOT = Path(__file__).resolve().parent.parent


# --- a populated installation -----------------------------------------------------------------


@pytest.fixture
def populated(transactional_db, centre, private_storage):  # noqa: F811
    """Learners with evidence and files (a photo with its thumbnail, a PDF, a recording), a
    submission withdrawn and resubmitted, and an assessor's decision: all committed."""
    enrolment, learner, assessor, _iqa = enrolment_with_people(centre)
    other, other_learner, _a, _i = enrolment_with_people(centre)
    user = learner.user

    def upload(data: bytes, name: str, who=user, where=centre):
        return store(source=io.BytesIO(data), original_name=name, centre=where, uploaded_by=who)

    photo, pdf, audio = upload(samples.jpeg((640, 480)), "till.jpg"), upload(samples.pdf(), "log.pdf"), upload(
        samples.wav(0.5), "call.wav")
    thumbnail_make(stored_file_id=photo.pk)
    first = submitted(enrolment, user, files=[photo, pdf], criteria=[criterion(enrolment, "1", "1.1")])
    accept(first, assessor.user, met=[criterion(enrolment, "1", "1.1")])
    second = evidence_create(enrolment=enrolment, actor=user, content=content(title="Call", files=[audio]))
    second = evidence_submit(evidence=second, actor=user, declared_name=enrolment.learner.full_name, ip_address=None)
    evidence_withdraw(evidence=second, actor=user)
    evidence_update(evidence=second, actor=user, content=content(title="Call, again", files=[audio]))
    upload(samples.png(), "draft.png", who=other_learner.user)  # a file not yet in any evidence
    return private_storage


def database_url(name: str, credentials: dict | None = None) -> str:
    values = {**connection.settings_dict, **(credentials or {})}
    user, password = quote(values["USER"] or "", safe=""), quote(values["PASSWORD"] or "", safe="")
    host, port = values["HOST"] or "", values["PORT"] or ""
    if host.startswith("/"):  # a socket directory
        return f"postgres://{user}:{password}@/{name}?host={quote(host, safe='/')}"
    return f"postgres://{user}:{password}@{host}{f':{port}' if port else ''}/{name}"


def connect(name: str, credentials: dict | None = None) -> psycopg.Connection:
    return psycopg.connect(database_url(name, credentials).replace("postgres://", "postgresql://", 1), autocommit=True)


@pytest.fixture
def fresh_database(transactional_db):
    """A new, empty database on the same server, made and dropped by the tables' owner."""
    name = f"{connection.settings_dict['NAME']}_restore"
    owner = owner_credentials()
    with connect(connection.settings_dict["NAME"], owner) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connect(connection.settings_dict["NAME"], owner) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database: str, media: Path, **extra: str) -> subprocess.CompletedProcess:
    """Run manage.py as an operator would, against `database` and the files in `media`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "ATTEST_BACKUP_DIR")
           and not k.startswith("AWS_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": django_settings.REDIS_URL,
        "MEDIA_ROOT": str(media),
        **extra,
    }
    if owner_credentials() is not None:
        env["DATABASE_OWNER_URL"] = database_url(database, owner_credentials())
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def backup_of(populated_media: Path, into: Path) -> Path:
    result = manage("backup", "--to", str(into), database=connection.settings_dict["NAME"], media=populated_media)
    assert result.returncode == 0, result.stderr
    (folder,) = into.iterdir()
    return folder


def counts_now(name: str | None = None) -> dict[str, int]:
    if name is None:
        with connection.cursor() as cursor:
            return table_counts(cursor)
    with connect(name, owner_credentials()) as conn, conn.cursor() as cursor:
        return table_counts(cursor)


# --- backup and restore -------------------------------------------------------------------------


def test_a_backup_restored_into_a_fresh_installation_has_every_row_and_every_file(populated, fresh_database,
                                                                                 tmp_path):
    before = counts_now()
    files = list(StoredFile.objects.values_list("key", "sha256", "thumbnail_key"))
    thumbnails = sum(1 for _k, _s, thumbnail in files if thumbnail)
    assert len(files) == 4 and thumbnails

    made = manage("backup", "--to", str(tmp_path / "backups"), database=connection.settings_dict["NAME"],
                  media=populated)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("attest-backup-")
    assert f"Backup written to {folder}" in made.stdout
    assert f"{sum(before.values()):,} rows in {len(before)} tables" in made.stdout
    stored_bytes = size(sum(f.size for f in StoredFile.objects.all()))
    assert f"4 stored files ({stored_bytes}) and {counted(thumbnails, 'thumbnail')} copied" in made.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["tables"] == before
    assert {(f["key"], f["sha256"]) for f in manifest["files"] if f["role"] == "file"} == {(k, s) for k, s, _t in files}

    media = tmp_path / "restored-media"
    restored = manage("restore", str(folder), database=fresh_database, media=media)
    assert restored.returncode == 0, restored.stderr
    assert "every count as in the backup" in restored.stdout
    assert "every SHA-256 as in the backup" in restored.stdout

    assert counts_now(fresh_database) == before
    for key, sha256, thumbnail in files:
        assert hash_file(media / key)[0] == sha256
        if thumbnail:
            assert hash_file(media / thumbnail) == hash_file(populated / thumbnail)

    # Restoring again finds the data there: refused, unless told to replace it.
    again = manage("restore", str(folder), database=fresh_database, media=media)
    assert again.returncode == 1 and "already holds Attest data" in again.stderr
    again = manage("restore", str(folder), "--force", database=fresh_database, media=media)
    assert again.returncode == 0, again.stderr
    assert counts_now(fresh_database) == before

    # The restored installation is one the app can use, with its rules intact.
    with connect(fresh_database) as app:
        assert app.execute("SELECT count(*) FROM evidence_evidenceversion").fetchone()[0] == 3
        with pytest.raises(psycopg.Error, match="append-only"):
            app.execute("UPDATE evidence_evidenceversion SET title = 'Forged' WHERE submitted_at IS NOT NULL")
        with pytest.raises(psycopg.Error, match="append-only"):
            app.execute("DELETE FROM audit_auditevent")


def test_a_restore_into_an_installation_with_data_is_refused_and_changes_nothing(populated, tmp_path):
    folder = backup_of(populated, tmp_path / "backups")
    before = counts_now()
    with pytest.raises(CommandError, match=r"already holds Attest data \(\d+ people, 1 centre, 4 stored files\)"):
        call_command("restore", str(folder))
    assert counts_now() == before


@pytest.mark.parametrize(
    "damage, message",
    [
        ("no folder", "There is no backup at"),
        ("interrupted", "is not a complete backup: it has no manifest.json"),
        ("no manifest", "is not a complete backup: it has no manifest.json"),
        ("manifest cut short", "cannot be read as an Attest backup manifest"),
        ("dump cut short", "is damaged: database.dump"),
        ("dump missing", "is incomplete: database.dump is missing"),
        ("a file missing", "is damaged: 1 of its file copies are missing"),
        ("a file changed", "differ from its manifest"),
    ],
)
def test_a_missing_or_half_written_backup_is_refused_and_changes_nothing(populated, fresh_database, tmp_path,
                                                                          damage, message):
    folder = backup_of(populated, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    a_file = folder / "files" / next(f["key"] for f in manifest["files"] if f["role"] == "file")
    if damage == "no folder":
        shutil.rmtree(folder)
    elif damage == "interrupted":
        (folder / "manifest.json").unlink()
        folder = folder.rename(folder.with_name(folder.name + ".partial"))
    elif damage == "no manifest":
        (folder / "manifest.json").unlink()
    elif damage == "manifest cut short":
        (folder / "manifest.json").write_text((folder / "manifest.json").read_text()[:200])
    elif damage == "dump cut short":
        dump = folder / "database.dump"
        dump.write_bytes(dump.read_bytes()[:1000])
    elif damage == "dump missing":
        (folder / "database.dump").unlink()
    elif damage == "a file missing":
        a_file.unlink()
    elif damage == "a file changed":
        a_file.write_bytes(b"not what was uploaded")

    media = tmp_path / "restored-media"
    result = manage("restore", str(folder), database=fresh_database, media=media)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert counts_now(fresh_database) == {}  # not one table was made
    assert not media.exists()


def test_a_backup_killed_half_way_leaves_nothing_that_passes_for_a_backup(populated, fresh_database, tmp_path):
    backups = tmp_path / "backups"
    env_database = connection.settings_dict["NAME"]
    # Hold a lock pg_dump must wait for, so the backup is surely killed in the middle.
    with connect(env_database) as blocker:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE evidence_storedfile IN ACCESS EXCLUSIVE MODE")
        process = _start("backup", "--to", str(backups), database=env_database, media=populated)
        try:
            deadline = time.monotonic() + 60
            while not any(backups.glob("*.partial")) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # pg_dump is now waiting for the lock
            assert process.poll() is None, process.communicate()
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # the command and its pg_dump, as a power cut would
            process.wait()
        blocker.execute("ROLLBACK")
    (left,) = backups.iterdir()
    assert left.name.endswith(".partial")
    result = manage("restore", str(left), database=fresh_database, media=tmp_path / "media")
    assert result.returncode == 1
    assert "is not a complete backup" in result.stderr
    assert counts_now(fresh_database) == {}


def _start(*args: str, database: str, media: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": database_url(database),
            "REDIS_URL": django_settings.REDIS_URL, "MEDIA_ROOT": str(media)}
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def test_with_files_in_s3_the_backup_lists_them_and_says_the_bucket_needs_versioning(
    transactional_db, centre, s3_server, fresh_database, tmp_path  # noqa: F811
):
    enrolment, learner, _assessor, _iqa = enrolment_with_people(centre)
    photo = store(source=io.BytesIO(samples.jpeg()), original_name="till.jpg", centre=centre,
                  uploaded_by=learner.user)
    out = io.StringIO()
    call_command("backup", to=str(tmp_path / "backups"), stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["storage"]["copied"] is False
    assert {"key": photo.key, "role": "file", "size": photo.size, "sha256": photo.sha256} in manifest["files"]
    assert not (folder / "files").exists()
    assert "NOT copied" in out.getvalue()
    assert f'bucket "{s3_server.bucket}"' in out.getvalue()
    assert "turn on object versioning" in out.getvalue()

    # Restored next to the same bucket, every object is read back and checked.
    options = django_settings.STORAGES["default"]["OPTIONS"]
    bucket = {"AWS_STORAGE_BUCKET_NAME": s3_server.bucket, "AWS_S3_ENDPOINT_URL": options["endpoint_url"],
              "AWS_S3_REGION_NAME": "eu-west-2", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    restored = manage("restore", str(folder), database=fresh_database, media=tmp_path / "media", **bucket)
    assert restored.returncode == 0, restored.stderr
    assert f'found in the bucket "{s3_server.bucket}"' in restored.stdout
    assert "every SHA-256 as in the backup" in restored.stdout
    s3_server.client.delete_object(Bucket=s3_server.bucket, Key=photo.key)
    restored = manage("restore", str(folder), "--force", database=fresh_database, media=tmp_path / "media", **bucket)
    assert restored.returncode == 1
    assert f"Restored, but 1 stored file is missing: {photo.key}" in restored.stderr


def test_a_backup_of_files_gone_from_storage_says_so_and_fails(populated, tmp_path):
    lost = StoredFile.objects.filter(kind=StoredFile.Kind.DOCUMENT).first()
    (populated / lost.key).unlink()
    result = manage("backup", "--to", str(tmp_path / "backups"), database=connection.settings_dict["NAME"],
                    media=populated)
    assert result.returncode == 1
    assert "1 stored file is missing from storage" in result.stderr and lost.key in result.stderr
    (folder,) = (tmp_path / "backups").iterdir()  # the rest is still backed up
    assert (folder / "manifest.json").exists()


def test_backups_are_written_where_they_can_be(populated, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = manage("backup", "--to", str(blocked / "backups"), database=connection.settings_dict["NAME"],
                    media=populated)
    assert result.returncode == 1
    assert f"Cannot write backups to {blocked / 'backups'}" in result.stderr


# --- make clean-data ---------------------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path):
    """The Makefile and config/ in a temporary copy, sharing this venv, with its own data folder."""
    copy = tmp_path / "attest"
    copy.mkdir()
    shutil.copy2(ROOT / "Makefile", copy / "Makefile")
    shutil.copy2(ROOT / "requirements.lock", copy / "requirements.lock")
    os.utime(copy / "requirements.lock", (0, 0))  # older than the venv's install stamp: no reinstall
    shutil.copytree(ROOT / "config", copy / "config", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / ".venv").symlink_to(ROOT / ".venv")
    data = tmp_path / "data"
    (data / "media" / "evidence").mkdir(parents=True)
    (data / "media" / "evidence" / "photo.jpg").write_bytes(b"x" * 3 * 1024 * 1024)
    (data / "postgres").mkdir()
    (data / "postgres" / "base").write_bytes(b"y" * 1024 * 1024)
    return copy, data


def make_clean_data(checkout, *args: str, answer: str | None = None) -> subprocess.CompletedProcess:
    copy, data = checkout
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "CONFIRM")} | {"ATTEST_DATA_DIR": str(data)}
    return subprocess.run(["make", "--no-print-directory", "clean-data", *args], cwd=copy, env=env, text=True,
                          input=answer, stdin=None if answer is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("answer", [None, "", "yes", "delete"])
def test_make_clean_data_deletes_nothing_without_a_confirmation(checkout, answer):
    _copy, data = checkout
    result = make_clean_data(checkout, answer=answer)
    assert result.returncode != 0
    assert f"deletes everything Attest keeps in {data}" in result.stdout
    assert re.search(rf"3\.\dM\s+{re.escape(str(data))}/media\n", result.stdout)  # what would go, with sizes
    assert re.search(rf"4\.\dM\s+{re.escape(str(data))} in all\n", result.stdout)
    assert "Nothing was deleted" in result.stdout and "CONFIRM=yes" in result.stdout
    assert (data / "media" / "evidence" / "photo.jpg").exists()


def test_make_clean_data_deletes_once_told_to(checkout):
    _copy, data = checkout
    result = make_clean_data(checkout, answer="DELETE\n")
    assert result.returncode == 0, result.stderr
    assert "Type DELETE" in result.stdout and f"Deleted {data}" in result.stdout
    assert not data.exists()


def test_make_clean_data_with_confirm_yes_does_not_ask(checkout):
    _copy, data = checkout
    result = make_clean_data(checkout, "CONFIRM=yes")
    assert result.returncode == 0, result.stderr
    assert "Type DELETE" not in result.stdout
    assert not data.exists()


def test_make_clean_data_with_nothing_there_says_so(checkout):
    _copy, data = checkout
    shutil.rmtree(data)
    result = make_clean_data(checkout)
    assert result.returncode == 0
    assert "Nothing to delete" in result.stdout
