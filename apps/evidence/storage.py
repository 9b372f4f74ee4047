"""Private storage of evidence files: checked, copied under a key nobody can guess, and recorded.

`store()` streams a checked file into the default storage (local disk or S3), hashing and
counting as it goes, and records it with its audit event; on any failure nothing is left
behind. The checks themselves are `sniffing.inspect()`; `inspect()` here runs them against
this installation's size limit, then has the file scanned for viruses (`scanning`), and
reports a refusal as `FileRejected`, a form error.

A resumable upload (`uploads`) arrives whole where it was written, so it is not copied again:
on local disk `store_in_place()` links the finished file into the storage folder (made durable
by one fsync of the file and one of its folder); on S3 the chunks went into a multipart upload
(`multipart_*`), and `store_object()` records the completed object. Either way the SHA-256
comes with the file, hashed as its bytes arrived.

A file uploaded but never attached to evidence does not stay: its uploader can remove it
(`file_discard`, the uploader's "Remove" button), and `files_sweep` (Celery beat) deletes
those left for more than a day. The audit trail keeps their upload and their removal.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.core import outbox

from . import access, scanning, sniffing
from .models import EvidenceFile, StoredFile, Upload
from .sniffing import CHUNK, Inspection

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3


def max_upload_bytes() -> int:
    return int(getattr(settings, "ATTEST_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class FileRejected(ValidationError):
    """A file that may not be kept, with the reason in words a learner understands."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)
        self.reason = message


def inspect(source: str | Path | BinaryIO, original_name: str) -> Inspection:
    """What a file is, judged from its content and then scanned for viruses (where a scanner is
    configured); FileRejected with the reason when it may not be kept."""
    try:
        inspection = sniffing.inspect(source, original_name, limit=max_upload_bytes())
        scanning.check(source, original_name)  # only files that would be kept are worth the scanner's time
    except sniffing.Rejected as rejected:
        raise FileRejected(rejected.reason, code=rejected.code) from None
    return inspection


class _HashingReader:
    """A forward-only reader that hashes and counts exactly the bytes storage takes from it.

    It says it cannot seek, so storage backends read it once from start to end (S3 uploads
    included). Local storage asks for CHUNK at a time, S3 for one part (8 MiB) at a time.
    """

    closed = False

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1) -> bytes:
        # A short read means the end to callers (S3 transfers), so fill the request: in CHUNK pieces.
        wanted = float("inf") if size is None or size < 0 else size
        pieces = []
        got = 0
        while got < wanted:
            data = self._handle.read(int(min(CHUNK, wanted - got)))
            if not data:
                break
            self.sha256.update(data)
            pieces.append(data)
            got += len(data)
        self.size += got
        return b"".join(pieces)

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        pass  # the caller owns the underlying file


def new_key(centre_id: int) -> str:
    return f"evidence/{centre_id}/{uuid.uuid4().hex}"


def store(
    *,
    source: str | Path | BinaryIO,
    original_name: str,
    centre: Any,
    uploaded_by: Any,
    inspection: Inspection | None = None,
) -> StoredFile:
    """Copy a checked file into private storage and record it; on any failure nothing is kept.

    The copy happens before the database transaction (a 2 GiB copy must not hold one open);
    the row and its audit event are then written together. If that fails, the stored
    object is deleted again. Call it outside any transaction that may later roll back.
    """
    if inspection is None:
        inspection = inspect(source, original_name)
    key = new_key(centre.pk)
    storage = default_storage
    opened = open(source, "rb") if isinstance(source, (str, Path)) else None
    handle: IO[bytes] = opened if opened is not None else source  # type: ignore[assignment]
    saved: str | None = None
    try:
        handle.seek(0)
        reader = _HashingReader(handle)
        content = File(reader, name=key)  # type: ignore[arg-type]
        content.DEFAULT_CHUNK_SIZE = CHUNK  # local storage copies in 1 MiB pieces rather than 64 KiB
        content.content_type = inspection.content_type  # S3 keeps it as the object's type
        saved = storage.save(key, content)
        if reader.size != inspection.size:
            raise FileRejected(
                f"“{original_name}” changed while it was being stored. Upload it again.", code="changed"
            )
        return _record(
            centre=centre, uploaded_by=uploaded_by, key=saved, original_name=original_name, inspection=inspection,
            sha256=reader.sha256.hexdigest(),
        )
    except BaseException:
        discard(storage, saved or key)
        raise
    finally:
        if opened is not None:
            opened.close()


def discard(storage: Any, key: str) -> None:
    """Delete a stored object that must not stay, logging (never raising) when that fails."""
    try:
        storage.delete(key)
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        logger.exception("could not delete %s after a failed store", key)


@transaction.atomic
def _record(*, centre: Any, uploaded_by: Any, key: str, original_name: str, inspection: Inspection,
            sha256: str) -> StoredFile:
    stored = StoredFile.objects.create(
        centre=centre, key=key, original_name=original_name, size=inspection.size, sha256=sha256,
        content_type=inspection.content_type, kind=inspection.kind, uploaded_by=uploaded_by,
    )
    audit_record(
        action="file.uploaded", actor=uploaded_by, centre=centre, obj=stored,
        payload={"name": original_name, "size": inspection.size, "sha256": sha256, "type": inspection.content_type},
    )
    if inspection.kind == StoredFile.Kind.IMAGE:
        from .tasks import make_thumbnail

        outbox.enqueue(make_thumbnail, stored.pk)
    return stored


def store_upload(*, uploaded_file: Any, centre: Any, uploaded_by: Any) -> StoredFile:
    """Check and store a file posted in an ordinary form (the uploader's no-JavaScript path).

    Django keeps uploads over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file on disk, so
    this never holds a large file in memory either.
    """
    name = uploaded_file.name or ""
    if isinstance(uploaded_file, OversizeUpload):
        # The form's upload handler stopped keeping its bytes at the limit (upload_views).
        raise FileRejected(
            f"“{name}” is over the limit of {sniffing.size_in_words(max_upload_bytes())} for one file.",
            code="too_large",
        )
    path = getattr(uploaded_file, "temporary_file_path", None)
    source: str | BinaryIO = path() if path else uploaded_file.file
    inspection = inspect(source, name)
    return store(source=source, original_name=name, centre=centre, uploaded_by=uploaded_by, inspection=inspection)


class OversizeUpload(UploadedFile):
    """Stands in for a file posted with a form whose bytes passed the limit: none of them were kept."""

    def __init__(self, name: str, received: int):
        super().__init__(file=None, name=name, size=received)


# --- Files assembled by a resumable upload ----------------------------------------------------

MiB = 1024 * 1024
S3_MIN_PART = 5 * MiB  # S3 refuses a multipart upload whose parts (all but the last) are smaller
S3_MAX_PARTS = 10_000


def uses_s3(storage: Any = None) -> bool:
    """Whether files are kept in S3-compatible storage (AWS_STORAGE_BUCKET_NAME set)."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(default_storage if storage is None else storage, S3Storage)


def store_in_place(
    *,
    path: Path,
    sha256: str,
    original_name: str,
    centre: Any,
    uploaded_by: Any,
    inspection: Inspection,
) -> StoredFile:
    """Keep a checked file that lies complete on this disk, its SHA-256 already known, without
    copying it: made durable (one fsync of the file) and linked into the storage folder under a
    new key (one fsync of the folder). The caller removes its own name for the file afterwards.

    A hard link rather than a rename, so that the upload's own name (and its lock) lasts until
    the file is recorded. Where that cannot be done (S3, or storage on another filesystem) the
    file is copied with `store` instead."""
    storage = default_storage
    if not isinstance(storage, FileSystemStorage):
        return store(source=path, original_name=original_name, centre=centre, uploaded_by=uploaded_by,
                     inspection=inspection)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size != inspection.size:
            raise FileRejected(f"“{original_name}” changed while it was being stored. Upload it again.", code="changed")
        os.fsync(handle.fileno())  # the one flush of the file's bytes, after every chunk was written
    key = new_key(centre.pk)
    target = Path(storage.path(key))
    created = _make_folders(storage, target.parent)
    try:
        os.link(path, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP):
            raise
        logger.warning("ATTEST_UPLOAD_TEMP_DIR is not on the storage folder's filesystem: uploads are copied (%s)", error)
        return store(source=path, original_name=original_name, centre=centre, uploaded_by=uploaded_by,
                     inspection=inspection)
    try:
        if storage.file_permissions_mode is not None:
            os.chmod(target, storage.file_permissions_mode)
        for folder in [target.parent, *created]:
            _fsync_folder(folder)  # the new name (and any new folder) survives a crash
        return _record(centre=centre, uploaded_by=uploaded_by, key=key, original_name=original_name,
                       inspection=inspection, sha256=sha256)
    except BaseException:
        discard(storage, key)
        raise


def _make_folders(storage: FileSystemStorage, folder: Path) -> list[Path]:
    """Create the folder and its missing parents as storage would; the parents of those created,
    whose entries are new, to be made durable too."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue  # another request made it meanwhile
        if storage.directory_permissions_mode is not None:
            os.chmod(directory, storage.directory_permissions_mode)
    return [directory.parent for directory in missing]


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class _S3:
    """The bucket default storage writes to, spoken to directly for what its API lacks (multipart
    uploads, ranged reads); keys go through storage's own naming (its `location` prefix)."""

    def __init__(self) -> None:
        from storages.utils import clean_name

        self.storage = default_storage
        self.client = self.storage.connection.meta.client
        self.bucket = self.storage.bucket_name
        self._clean = clean_name

    def name(self, key: str) -> str:
        return self.storage._normalize_name(self._clean(key))

    def write_parameters(self, name: str) -> dict[str, Any]:
        # As storage writes objects (its ACL and object parameters); the type stays generic until
        # the content is known: downloads always name the sniffed type themselves.
        parameters = self.storage.get_object_parameters(name)
        if "ACL" not in parameters and self.storage.default_acl:
            parameters["ACL"] = self.storage.default_acl
        parameters.setdefault("ContentType", "application/octet-stream")
        return parameters


def multipart_part_size(length: int) -> int:
    """The size of every part but the last of an upload of `length` bytes: the setting (at least
    S3's 5 MiB), larger where the file would need more parts than S3 allows, in whole MiB."""
    wanted = max(int(getattr(settings, "ATTEST_UPLOAD_PART_BYTES", 8 * MiB)), S3_MIN_PART)
    needed = -(-length // S3_MAX_PARTS)
    return max(wanted, -(-needed // MiB) * MiB)


def multipart_begin(*, key: str) -> str:
    """Start an S3 multipart upload that will become the object `key`; its upload id."""
    s3 = _S3()
    return s3.client.create_multipart_upload(Bucket=s3.bucket, Key=s3.name(key), **s3.write_parameters(s3.name(key)))["UploadId"]


def multipart_put(*, key: str, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
    """Send one part; what the upload's row keeps of it (number, ETag, size) for completing it."""
    s3 = _S3()
    answer = s3.client.upload_part(Bucket=s3.bucket, Key=s3.name(key), UploadId=upload_id, PartNumber=number,
                                   Body=data)
    return {"PartNumber": number, "ETag": answer["ETag"], "Size": len(data)}


def multipart_complete(*, key: str, upload_id: str, parts: list[dict[str, Any]], size: int) -> None:
    """Join the parts into the object. Completing again (a request that died after S3 joined
    them) finds the object already there, of the right size, and is content with that."""
    from botocore.exceptions import ClientError

    s3 = _S3()
    try:
        s3.client.complete_multipart_upload(
            Bucket=s3.bucket, Key=s3.name(key), UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise
        if s3.client.head_object(Bucket=s3.bucket, Key=s3.name(key))["ContentLength"] != size:
            raise


def multipart_abort(*, key: str, upload_id: str) -> None:
    """Give up a multipart upload and the parts it holds (nothing when it is already gone)."""
    from botocore.exceptions import ClientError

    s3 = _S3()
    try:
        s3.client.abort_multipart_upload(Bucket=s3.bucket, Key=s3.name(key), UploadId=upload_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in {"NoSuchUpload", "404"}:
            raise


def object_put(*, key: str, data: bytes) -> None:
    """A small object (the bytes of an upload that do not yet fill a part)."""
    s3 = _S3()
    s3.client.put_object(Bucket=s3.bucket, Key=s3.name(key), Body=data, **s3.write_parameters(s3.name(key)))


def object_read(*, key: str) -> bytes | None:
    """A small object's bytes, or None when it is not there."""
    from botocore.exceptions import ClientError

    s3 = _S3()
    try:
        return s3.client.get_object(Bucket=s3.bucket, Key=s3.name(key))["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise


def open_object(*, key: str, size: int) -> BinaryIO:
    """A stored S3 object as a seekable file that fetches only the ranges read: checking a video
    reads its first boxes, not its 2 GiB (the virus scanner alone reads it all, in one stream)."""
    s3 = _S3()
    return io.BufferedReader(_ObjectReader(s3.client, s3.bucket, s3.name(key), size), buffer_size=64 * 1024)


class _ObjectReader(io.RawIOBase):
    """Reads an S3 object in ranged GETs: 64 KiB where a reader seeks about, growing to 64 MiB
    while it reads straight on, each answer streamed rather than held."""

    FIRST = 64 * 1024
    LARGEST = 64 * MiB

    def __init__(self, client: Any, bucket: str, name: str, size: int):
        super().__init__()
        self._client, self._bucket, self._name, self._size = client, bucket, name, size
        self._position = 0
        self._body: Any = None
        self._body_at = self._body_end = -1
        self._window = self.FIRST

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        if self._body is None or self._body_at != self._position or self._body_at >= self._body_end:
            straight_on = self._body_at == self._position
            self._window = min(self._window * 4, self.LARGEST) if straight_on else self.FIRST
            self._close_body()
            end = min(self._size, self._position + max(self._window, wanted))
            answer = self._client.get_object(Bucket=self._bucket, Key=self._name,
                                             Range=f"bytes={self._position}-{end - 1}")
            self._body, self._body_at, self._body_end = answer["Body"], self._position, end
        data = self._body.read(min(wanted, self._body_end - self._body_at))
        if not data:
            raise OSError(f"{self._name} ended before its {self._size} bytes")
        buffer[: len(data)] = data
        self._body_at += len(data)
        self._position += len(data)
        return len(data)

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._close_body()
        super().close()


def store_object(
    *,
    key: str,
    sha256: str,
    original_name: str,
    centre: Any,
    uploaded_by: Any,
    inspection: Inspection,
) -> StoredFile:
    """Record an object already complete in storage (an S3 multipart upload), checked and hashed;
    if that fails the object is deleted."""
    try:
        return _record(centre=centre, uploaded_by=uploaded_by, key=key, original_name=original_name,
                       inspection=inspection, sha256=sha256)
    except BaseException:
        discard(default_storage, key)
        raise


def s3_sweep(*, before: datetime, multipart_prefix: str, tail_prefix: str, known_uploads: set[str],
             known_tails: set[str], limit: int = 1000) -> int:
    """Abort multipart uploads under `multipart_prefix` started before `before` that no upload
    row names, and delete objects under `tail_prefix` older than that no row names: what a node
    that died between two steps left behind. Returns how many went."""
    s3 = _S3()
    count = 0
    listed = s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.name(multipart_prefix) + "/",
                                              MaxUploads=limit)
    for started in listed.get("Uploads", []):
        if started["UploadId"] not in known_uploads and started["Initiated"] < before:
            s3.client.abort_multipart_upload(Bucket=s3.bucket, Key=started["Key"], UploadId=started["UploadId"])
            count += 1
    known = {s3.name(key) for key in known_tails}
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=s3.name(tail_prefix) + "/", MaxKeys=limit)
    for entry in listed.get("Contents", []):
        if entry["Key"] not in known and entry["LastModified"] < before:
            s3.client.delete_object(Bucket=s3.bucket, Key=entry["Key"])
            count += 1
    return count


# --- Files never attached to evidence ------------------------------------------------------

UNATTACHED_LIFETIME = timedelta(days=1)


def _attached(stored: StoredFile) -> bool:
    return EvidenceFile.objects.filter(file=stored).exists()


def _delete_stored(stored: StoredFile, *, actor: Any, action: str) -> None:
    """The row (and any finished upload naming it) goes with an audit event; the stored objects
    follow once that has committed. Earlier audit events of the file stay."""
    Upload.objects.filter(stored_file=stored).delete()
    audit_record(
        action=action, actor=actor, centre=stored.centre, obj=stored,
        payload={"name": stored.original_name, "size": stored.size, "sha256": stored.sha256},
    )
    keys = [k for k in (stored.key, stored.thumbnail_key) if k]
    stored.delete()
    transaction.on_commit(lambda: [discard(default_storage, key) for key in keys], robust=True)


def file_discard(*, stored_file: StoredFile, actor: Any) -> None:
    """The uploader removed a file from the form before saving it: delete it, if it is theirs
    and in no evidence. FileRejected says why not otherwise."""
    with transaction.atomic():
        stored = StoredFile.objects.select_for_update().filter(pk=stored_file.pk).first()
        if stored is None:
            return  # already gone: removing twice is removing once
        if not access.may_discard(membership_for(actor, stored.centre_id), stored):
            raise PermissionDenied("Only the person who uploaded a file can remove it.")
        if _attached(stored):
            raise FileRejected(
                f"“{stored.original_name}” is part of your evidence, so it stays. "
                "Untick it in the evidence's list of files to take it out.",
                code="attached",
            )
        _delete_stored(stored, actor=actor, action="file.discarded")


def files_sweep(*, now: datetime | None = None) -> int:
    """Delete files uploaded more than a day ago and never attached to any evidence (removed in
    a form, or left behind when the learner went away). Returns how many went."""
    cutoff = (now or timezone.now()) - UNATTACHED_LIFETIME
    candidates = list(
        StoredFile.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=EvidenceFile.objects.values("file_id"))
        .values_list("pk", flat=True)[:1000]
    )
    count = 0
    for pk in candidates:
        try:
            with transaction.atomic():
                # Skip a file someone is attaching right now; it is looked at again next time.
                stored = StoredFile.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if stored is None or _attached(stored):
                    continue
                _delete_stored(stored, actor=None, action="file.swept")
                count += 1
        except DatabaseError:
            logger.exception("could not sweep stored file %s", pk)
    return count
