"""Resumable uploads: the services behind the tus endpoints (`upload_views`).

An upload is created with its size and name (refused up front when either is wrong), then
takes its bytes in chunks at the offset it has reached, and can be asked where it got to
after an interruption. Bytes are read from the request 1 MiB at a time, never whole, written
once and hashed as they pass: the running SHA-256 is kept in the upload's row between chunks
(`Sha256`: libcrypto's, whose state can be saved), so the finished file is never read again to
hash it.

Where they go depends on the storage:

- **Local disk**: a temporary file under ATTEST_UPLOAD_TEMP_DIR (on the storage folder's
  filesystem), locked by the request writing to it and written straight to disk (`_FileWriter`,
  O_DIRECT), nothing flushed per chunk. When the last byte arrives the file is inspected and
  linked into the storage folder (`storage.store_in_place`: one fsync of the file and one of its
  folder). A crash that lost acknowledged bytes shows as a file shorter than the offset recorded,
  and the client is told to resend them.
- **S3** (`AWS_STORAGE_BUCKET_NAME`): an S3 multipart upload, created on the first chunk, one
  part per `part_size` bytes (ATTEST_UPLOAD_PART_BYTES, 8 MiB: the browser's 32 MiB chunk is
  four); bytes that do not yet fill a part wait in an object of their own. The upload id, the
  parts' ETags, that object's key and the hash state are in the row, so any web node takes the
  next chunk; a lease in the row (`locked_until`, on the database's clock) keeps two requests
  from writing at once. The last chunk completes it.

Either way the finished file is inspected (content checks and the virus scanner read only what
they need) before it is recorded; the upload then names the stored file, or is deleted when the
file is refused (the answer says why).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import logging
import mmap
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from . import storage
from .models import StoredFile, Upload
from .sniffing import Rejected, check_name, check_size
from .storage import CHUNK, FileRejected, inspect, max_upload_bytes

logger = logging.getLogger(__name__)

UPLOAD_LIFETIME = timedelta(hours=24)  # from the last bytes received
LEASE = timedelta(seconds=30)  # S3: how long a request may go silent before another may write
FINISH_LEASE = timedelta(minutes=10)  # S3: inspecting and scanning a whole file (clamd: 3 minutes at most)
TAILS = "uploads"  # S3: where the bytes short of a part wait, one object per upload


def temp_dir() -> Path:
    configured = getattr(settings, "ATTEST_UPLOAD_TEMP_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / ".data" / "uploads"


def temp_path(upload: Upload) -> Path:
    return temp_dir() / f"{upload.pk}.part"


class UploadError(Exception):
    """A request the upload cannot take: the HTTP status and a sentence for the page."""

    def __init__(self, status: int, message: str, code: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


BUSY = "This upload is busy with another request. Try again in a moment."
GONE = "This upload is no longer here. Start it again."


# --- The running hash ---------------------------------------------------------------------------


def _libcrypto() -> Any:
    """OpenSSL's libcrypto, the one hashlib uses, with its SHA-256 functions; None if not found."""
    import _hashlib  # noqa: F401 - loads libcrypto into this process, where /proc/self/maps finds it

    candidates = []
    try:
        with open("/proc/self/maps") as maps:
            candidates += sorted({line.split()[-1] for line in maps if "/libcrypto" in line})
    except OSError:
        pass
    candidates.append(ctypes.util.find_library("crypto"))
    for name in filter(None, candidates):
        try:
            library = ctypes.CDLL(name)
            for function in ("SHA256_Init", "SHA256_Update", "SHA256_Final"):
                getattr(library, function).restype = ctypes.c_int
        except (OSError, AttributeError):
            continue
        library.SHA256_Init.argtypes = [ctypes.c_void_p]
        library.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        library.SHA256_Final.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        return library
    return None


class Sha256:
    """SHA-256 whose running state can be kept in the upload's row between requests (and nodes).

    hashlib's state cannot be saved, and the `rehash` package (which pickles OpenSSL's internal
    digest contexts) refuses OpenSSL 3. This hashes with the same libcrypto as hashlib, through
    its SHA256_Init/Update/Final functions (deprecated since OpenSSL 3.0 in favour of EVP, still
    there in 3.x and 4.x), whose SHA256_CTX is a public structure of fixed layout (sha.h: eight
    32-bit words of state, the bit count, a 64-byte block and its fill): those 112 bytes are the
    saved state. ctypes lets go of the GIL while libcrypto hashes, so a thread of its own can hash
    while the request reads on. Checked against hashlib when first used; where libcrypto or its
    functions are missing, `available()` is False and the finished file is hashed by reading it.
    """

    SIZE = 112  # sizeof(SHA256_CTX)
    FORMAT = b"openssl-sha256-ctx:1:"  # a state saved by anything else is not taken for one
    _lib: Any = None
    _loaded = False
    _checked: bool | None = None

    def __init__(self) -> None:
        self._context = ctypes.create_string_buffer(self.SIZE + 64)  # room to spare: checked below
        self._library().SHA256_Init(self._context)

    @classmethod
    def _library(cls) -> Any:
        if not cls._loaded:
            cls._lib, cls._loaded = _libcrypto(), True
        if cls._lib is None:
            raise RuntimeError("libcrypto's SHA-256 functions are not available")
        return cls._lib

    @classmethod
    def available(cls) -> bool:
        """Whether saved running hashes can be used here (checked against hashlib, once)."""
        if cls._checked is None:
            try:
                cls._checked = cls._agrees_with_hashlib()
            except RuntimeError:
                cls._checked = False
            if not cls._checked:
                logger.warning("libcrypto's SHA256 functions are missing: uploads are hashed once complete")
        return cls._checked

    @classmethod
    def _agrees_with_hashlib(cls) -> bool:
        try:
            probe = cls()
            probe.update(b"attest" * 100)
            spare = probe._context.raw[cls.SIZE:]
            restored = cls.deserialize(probe.serialize())
            restored.update(b"!")
            return spare == bytes(64) and restored.hexdigest() == hashlib.sha256(b"attest" * 100 + b"!").hexdigest()
        except (OSError, ValueError, ctypes.ArgumentError):
            return False

    def update(self, data: bytes | bytearray | memoryview | mmap.mmap, start: int = 0, end: int | None = None) -> None:
        """Add data[start:end]: bytes, or a writable buffer (an mmap) read in place."""
        end = len(data) if end is None else end
        if end <= start:
            return
        if isinstance(data, memoryview):
            data = data[start:end].tobytes()
            start, end = 0, len(data)
        if isinstance(data, bytes):
            pointer = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
            self._library().SHA256_Update(self._context, pointer + start, end - start)
            return
        window = (ctypes.c_char * (end - start)).from_buffer(data, start)
        try:
            self._library().SHA256_Update(self._context, ctypes.addressof(window), end - start)
        finally:
            del window  # lets the buffer be closed again

    def serialize(self) -> bytes:
        return self.FORMAT + self._context.raw[: self.SIZE]

    @classmethod
    def deserialize(cls, state: bytes) -> Sha256:
        if not state.startswith(cls.FORMAT) or len(state) != len(cls.FORMAT) + cls.SIZE:
            raise ValueError("not a saved SHA-256 state")
        hasher = cls()
        ctypes.memmove(hasher._context, state[len(cls.FORMAT):], cls.SIZE)
        return hasher

    def hexdigest(self) -> str:
        final = ctypes.create_string_buffer(self.SIZE + 64)
        ctypes.memmove(final, self._context, self.SIZE)  # finishing a copy: the running state stays usable
        digest = ctypes.create_string_buffer(32)
        self._library().SHA256_Final(digest, final)
        return digest.raw.hex()


def _running_hash(upload: Upload) -> Sha256 | None:
    """The SHA-256 of bytes [0, offset) as the row keeps it; None when that is not known."""
    if not Sha256.available():
        return None
    if upload.offset == 0:
        return Sha256()
    if upload.hash_state is None:
        return None
    try:
        return Sha256.deserialize(bytes(upload.hash_state))
    except ValueError:
        logger.warning("upload %s: its hash state could not be read; the file will be hashed when complete", upload.pk)
        return None


def _state(hasher: Sha256 | None) -> bytes | None:
    return None if hasher is None else hasher.serialize()


def _hash_once(handle: BinaryIO) -> str:
    """The fallback: hash a finished file by reading it (only when the running hash was lost)."""
    hasher = hashlib.sha256()
    handle.seek(0)
    while data := handle.read(CHUNK):
        hasher.update(data)
    return hasher.hexdigest()


# --- Services --------------------------------------------------------------------------------


def upload_create(*, centre: Any, user: Any, filename: str, length: int) -> Upload:
    """Start an upload, refusing at once a bad name, an empty file or one over the limit."""
    try:
        check_name(filename)
        check_size(length, filename, limit=max_upload_bytes())
    except Rejected as rejected:
        raise UploadError(413 if rejected.code == "too_large" else 400, rejected.reason, rejected.code) from None
    now = timezone.now()
    with transaction.atomic():
        upload = Upload.objects.create(
            centre=centre, user=user, filename=filename, length=length, created_at=now,
            expires_at=now + UPLOAD_LIFETIME, hash_state=Sha256().serialize() if Sha256.available() else None,
        )
        if not storage.uses_s3():
            path = temp_path(upload)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.open("xb").close()  # if this fails the row is rolled back with it
    return upload


def upload_append(*, upload: Upload, stream: Any, offset: int, content_length: int) -> Upload:
    """Take the request body at `offset`, 1 MiB at a time; keep what arrived if the client drops."""
    if upload.error:
        raise UploadError(410, upload.error, "refused")
    if storage.uses_s3():
        _append_to_multipart(upload, stream, offset, content_length)
    else:
        _append_to_file(upload, stream, offset, content_length)
    return upload


def upload_finish(*, upload: Upload) -> StoredFile:
    """Inspect and store the completed file. Refused: nothing stored and the upload forgotten, its
    reason in the answer (a client asking again learns it is gone)."""
    s3 = storage.uses_s3()
    try:
        stored = _finish_object(upload) if s3 else _finish_file(upload)
    except FileRejected as rejected:
        _forget(upload, s3)
        raise UploadError(422, rejected.reason, rejected.code) from None
    except Exception:
        logger.exception("storing upload %s failed", upload.pk)
        _forget(upload, s3)
        raise UploadError(
            503, "The file could not be stored because of a problem on our side. Please upload it again.",
            "store_failed",
        ) from None
    upload.stored_file = stored
    Upload.objects.filter(pk=upload.pk).update(stored_file=stored)
    if not s3:
        temp_path(upload).unlink(missing_ok=True)  # the stored file is its own name for these bytes now
    return stored


def _forget(upload: Upload, s3: bool) -> None:
    if s3:
        _drop_multipart(upload)
    else:
        temp_path(upload).unlink(missing_ok=True)
    upload.delete()


def upload_settle(*, upload: Upload) -> None:
    """Where the upload got to, made sure of: the bytes kept and the offset agree, or UploadError says why not."""
    if upload.error:
        raise UploadError(410, upload.error, "refused")
    if upload.stored_file_id is not None:
        return
    if storage.uses_s3():
        # The row is the truth; only a request still writing (or storing) makes it unsettled.
        if Upload.objects.filter(pk=upload.pk, locked_until__gt=Now()).exists():
            raise UploadError(423, BUSY, "locked")
        return
    with _locked(upload) as handle:
        if handle is None:
            if temp_path(upload).exists():
                # A request is still writing or storing it: the offset is not settled (the client retries).
                raise UploadError(423, BUSY, "locked")
        else:
            _reconcile(upload, handle)


def upload_abandon(*, upload: Upload) -> None:
    """Stop an upload: its bytes are deleted. A file already stored from it stays."""
    if not storage.uses_s3():
        with _locked(upload, wait=True):
            temp_path(upload).unlink(missing_ok=True)
            upload.delete()
        return
    deadline = time.monotonic() + LEASE.total_seconds()
    while _claim(upload) is None:  # as the local file's lock is waited for: a writer stops within its lease
        if not Upload.objects.filter(pk=upload.pk).exists():
            return
        if time.monotonic() > deadline:
            raise UploadError(423, BUSY, "locked")
        time.sleep(0.2)
    upload.refresh_from_db()
    _drop_multipart(upload)
    upload.delete()  # the lease goes with the row


def uploads_expire(*, now: datetime | None = None) -> int:
    """Delete uploads untouched for a day, with their bytes, and bytes no upload owns. Returns how many went."""
    now = now or timezone.now()
    count = 0
    s3 = storage.uses_s3()
    for upload in Upload.objects.filter(expires_at__lt=now).iterator():
        if s3:
            if _claim(upload) is None:
                continue  # a request is writing to it right now
            _drop_multipart(upload)
            upload.delete()
            count += 1
            continue
        with _locked(upload) as handle:
            if handle is None and temp_path(upload).exists():
                continue  # a request is writing to it right now
            temp_path(upload).unlink(missing_ok=True)
            upload.delete()
            count += 1
    cutoff = now - UPLOAD_LIFETIME
    if s3:
        rows = list(Upload.objects.values_list("multipart_id", "tail_key"))
        count += storage.s3_sweep(
            before=cutoff, multipart_prefix="evidence", tail_prefix=TAILS,
            known_uploads={upload_id for upload_id, _ in rows if upload_id},
            known_tails={tail for _, tail in rows if tail},
        )
    directory = temp_dir()
    if directory.is_dir():
        known = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
        for path in directory.glob("*.part"):
            if path.stem not in known and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                count += 1
    return count


# --- Local disk: a temporary file per upload ---------------------------------------------------


@contextmanager
def _locked(upload: Upload, *, wait: bool = False) -> Iterator[IO[bytes] | None]:
    """The temporary file, opened and locked against a second request writing at once.

    Yields None when another request holds it (the client retries: 423 Locked), or when it is gone.
    """
    try:
        handle = open(temp_path(upload), "r+b")
    except FileNotFoundError:
        yield None
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield None
            return
        yield handle
    finally:
        handle.close()  # closing releases the lock


def _reconcile(upload: Upload, handle: IO[bytes]) -> None:
    """The file on disk and the offset recorded agree on the bytes both have (after a crash)."""
    size = os.fstat(handle.fileno()).st_size
    if size > upload.offset:
        handle.truncate(upload.offset)  # bytes written but never acknowledged
    elif size < upload.offset:
        # Acknowledged bytes lost with the machine (they are flushed once, when the file is
        # complete): the client resends them, and the finished file is hashed by reading it.
        upload.offset, upload.hash_state = size, None
        upload.save(update_fields=["offset", "hash_state"])


def _append_to_file(upload: Upload, stream: Any, offset: int, content_length: int) -> None:
    with _locked(upload) as handle:
        if handle is None:
            if not temp_path(upload).exists() and upload.stored_file_id is None:
                raise UploadError(404, GONE, "gone")
            raise UploadError(423, BUSY, "locked")
        _reconcile(upload, handle)
        _check_offset(upload, offset, content_length)
        hasher = _running_hash(upload)
        remaining = content_length
        with _FileWriter(temp_path(upload), handle, upload.offset, hasher) as writer:
            try:
                while remaining > 0:
                    data = stream.read(min(CHUNK, remaining))
                    if not data:
                        break  # the client went away: keep what arrived
                    writer.write(data)
                    remaining -= len(data)
            except OSError as error:
                if isinstance(error, _DiskError):
                    raise error.__cause__ from None
                logger.info("upload %s interrupted at %s bytes", upload.pk, content_length - remaining)
        upload.offset += content_length - remaining
        upload.hash_state = _state(hasher)
        upload.expires_at = timezone.now() + UPLOAD_LIFETIME
        upload.save(update_fields=["offset", "hash_state", "expires_at"])
        if upload.is_complete and upload.stored_file_id is None:
            upload_finish(upload=upload)


BLOCK = 4096  # what O_DIRECT asks of a write's address, length and position (a device block, at most)
DISK_WRITE = 4 * CHUNK  # large enough for the disk to have several requests in hand at once


class _Buffers:
    """Page-aligned buffers for O_DIRECT writes, kept between requests: fresh memory costs a page
    fault per 4 KiB on first touch, so a worker reuses the few it needs (two per request at once)."""

    KEEP = 8

    def __init__(self) -> None:
        self._free: list[mmap.mmap] = []
        self._lock = threading.Lock()

    def take(self) -> mmap.mmap:
        with self._lock:
            if self._free:
                return self._free.pop()
        return mmap.mmap(-1, DISK_WRITE)

    def give_back(self, buffer: mmap.mmap) -> None:
        with self._lock:
            if len(self._free) < self.KEEP:
                self._free.append(buffer)
                return
        buffer.close()


_buffers = _Buffers()


class _DiskError(OSError):
    """Writing to disk failed: not the client going away, so not a reason to keep what arrived."""


class _FileWriter:
    """A request's bytes into the upload's file at `offset`, hashed and written straight to disk
    (O_DIRECT): the page cache is not filled with a file nobody will read soon, and the one fsync
    at the end has no data left to flush. Two page-aligned 4 MiB buffers take turns: while one is
    hashed and written, side by side by two threads (libcrypto and the disk both let go of the
    GIL), the next fills from the request. The last block of a request is padded to a whole block and
    the file cut back to its true length; the next request starts by reading back that partial
    block (already hashed). Where the filesystem refuses O_DIRECT (tmpfs, some network
    filesystems), the bytes are hashed and written through the page cache as they come."""

    def __init__(self, path: Path, handle: IO[bytes], offset: int, hasher: Sha256 | None):
        self.handle = handle
        self.hasher = hasher
        self.end = offset
        self.position = offset - offset % BLOCK  # where the buffer's first byte goes
        self.direct: int | None = None
        self.writing: tuple[Future[None], ...] = ()  # the other buffer's hashing and writing
        self.disk: ThreadPoolExecutor | None = None  # from the second block on, once O_DIRECT has worked here
        self.hashing: ThreadPoolExecutor | None = None
        try:
            self.direct = os.open(path, os.O_WRONLY | os.O_DIRECT)
        except (OSError, AttributeError):
            handle.seek(offset)
            return
        self.buffers = (_buffers.take(), _buffers.take())  # page-aligned, as O_DIRECT needs
        self.buffer = self.buffers[0]
        self.filled = offset - self.position
        if self.filled:
            self.buffer[: self.filled] = os.pread(handle.fileno(), self.filled, self.position)
        self.hashed = self.filled  # the bytes read back were hashed by the request that sent them

    def __enter__(self) -> _FileWriter:
        return self

    def write(self, data: bytes) -> None:
        self.end += len(data)
        if self.direct is None:
            self._through_the_page_cache(data)
            return
        view = memoryview(data)
        while view:
            taken = min(len(view), DISK_WRITE - self.filled)
            self.buffer[self.filled:self.filled + taken] = view[:taken]
            self.filled += taken
            view = view[taken:]
            if self.filled == DISK_WRITE:
                self._flush(DISK_WRITE)
                if self.direct is None:  # it fell back: the rest through the page cache
                    self._through_the_page_cache(view)
                    return

    def _through_the_page_cache(self, data: bytes | memoryview) -> None:
        if self.hasher is not None:
            self.hasher.update(data)
        self._buffered(data)

    def _buffered(self, data: bytes | memoryview) -> None:
        try:
            self.handle.write(data)
        except OSError as error:
            raise _DiskError(error.errno, error.strerror) from error

    def _flush(self, length: int) -> None:
        """Hash buffer[hashed:filled] and write buffer[:length] (whole blocks) at `position`, then
        go on filling the other buffer."""
        job = (self.buffer, self.hashed, self.filled, length, self.position)
        if self.disk is None:
            try:
                self._pwrite(self.buffer, length, self.position)
            except _DiskError as error:
                if error.errno != errno.EINVAL:
                    raise
                # This filesystem takes O_DIRECT at open but not these writes: the page cache it is.
                logger.warning("O_DIRECT refused for uploads in %s; writing through the page cache", temp_dir())
                self._fall_back()
                return
            self._hash(*job[:3])
            self.disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-disk")
            self.hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hash")
        else:
            assert self.hashing is not None
            previous, self.writing = self.writing, (
                self.hashing.submit(self._hash, *job[:3]), self.disk.submit(self._pwrite, job[0], *job[3:])
            )
            for future in previous:
                future.result()  # the other buffer is free again (or its write failed: raised here)
        self.position += length
        self.filled = self.hashed = 0
        self.buffer = self.buffers[1] if self.buffer is self.buffers[0] else self.buffers[0]

    def _hash(self, buffer: mmap.mmap, start: int, end: int) -> None:
        if self.hasher is not None:
            self.hasher.update(buffer, start, end)

    def _pwrite(self, buffer: mmap.mmap, length: int, position: int) -> None:
        assert self.direct is not None
        written, failure = 0, None
        with memoryview(buffer) as view:
            while written < length and failure is None:
                with view[written:length] as piece:  # released even when the write fails: the buffer may close
                    try:
                        written += os.pwrite(self.direct, piece, position + written)
                    except OSError as error:
                        failure = error
        if failure is not None:
            raise _DiskError(failure.errno, failure.strerror) from failure

    def _fall_back(self) -> None:
        assert self.direct is not None
        os.close(self.direct)
        self.direct = None
        self.handle.seek(self.position)
        self._hash(self.buffer, self.hashed, self.filled)
        self._buffered(self.buffer[: self.filled])
        for buffer in self.buffers:
            _buffers.give_back(buffer)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            if kind is None and self.direct is not None and self.filled:
                whole = -(-self.filled // BLOCK) * BLOCK
                self.buffer[self.filled:whole] = bytes(whole - self.filled)  # padding, cut off below
                self._flush(whole)
            for future in self.writing if kind is None else ():
                future.result()
            if kind is None and self.direct is not None:
                os.ftruncate(self.direct, self.end)
        finally:
            for pool in (self.disk, self.hashing):
                if pool is not None:
                    pool.shutdown(wait=True)  # nothing may still use the file, the buffers or the hash
            if self.direct is not None:
                os.close(self.direct)
                for buffer in self.buffers:
                    _buffers.give_back(buffer)
            elif kind is None:
                self.handle.flush()


def _check_offset(upload: Upload, offset: int, content_length: int) -> None:
    if offset != upload.offset:
        raise UploadError(409, f"The upload is at byte {upload.offset}, not {offset}.", "offset")
    if upload.offset + content_length > upload.length:
        raise UploadError(400, "More bytes were sent than the file's size.", "too_many_bytes")


def _finish_file(upload: Upload) -> StoredFile:
    path = temp_path(upload)
    inspection = inspect(path, upload.filename)
    hasher = _running_hash(upload)
    if hasher is None:
        with open(path, "rb") as handle:
            sha256 = _hash_once(handle)
    else:
        sha256 = hasher.hexdigest()
    return storage.store_in_place(
        path=path, sha256=sha256, original_name=upload.filename, centre=upload.centre, uploaded_by=upload.user,
        inspection=inspection,
    )


# --- S3: a multipart upload any node continues ---------------------------------------------------


def _claim(upload: Upload, lease: timedelta = LEASE) -> uuid.UUID | None:
    """Take the upload's lease (the database's clock, the same for every node); None while
    another request holds it."""
    token = uuid.uuid4()
    taken = (
        Upload.objects.filter(pk=upload.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=Now()))
        .update(locked_until=Now() + lease, lock_token=token)
    )
    return token if taken else None


def _release(upload: Upload, token: uuid.UUID) -> None:
    Upload.objects.filter(pk=upload.pk, lock_token=token).update(locked_until=None, lock_token=None)


class _Writer:
    """One request's bytes into the multipart upload, recorded in the row as each part (or the
    bytes short of one) is safely in the bucket: the row's offset, parts, waiting bytes and hash
    state always describe the same bytes."""

    def __init__(self, upload: Upload, token: uuid.UUID):
        self.upload = upload
        self.token = token
        self.renewed = time.monotonic()

    def save(self, *, lease: timedelta = LEASE, **changes: Any) -> None:
        changes |= {"expires_at": timezone.now() + UPLOAD_LIFETIME}
        kept = Upload.objects.filter(pk=self.upload.pk, lock_token=self.token).update(
            locked_until=Now() + lease, **changes
        )
        if not kept:  # this request went silent past its lease, and another took the upload over
            raise UploadError(423, BUSY, "locked")
        for name, value in changes.items():
            setattr(self.upload, name, value)
        self.renewed = time.monotonic()

    def keep_lease(self) -> None:
        if time.monotonic() - self.renewed > LEASE.total_seconds() / 3:
            self.save()

    def begin(self) -> None:
        if self.upload.multipart_id:
            return
        key = storage.new_key(self.upload.centre_id)
        upload_id = storage.multipart_begin(key=key)
        self.save(multipart_key=key, multipart_id=upload_id, part_size=storage.multipart_part_size(self.upload.length),
                  parts=[])

    def waiting(self) -> bytearray:
        """The bytes after the last part, as the last request left them."""
        upload = self.upload
        committed = sum(part["Size"] for part in upload.parts)
        kept = storage.object_read(key=upload.tail_key) if upload.tail_key else b""
        if kept is None or committed + len(kept) != upload.offset:
            # Lost (deleted by hand, or a node died between two steps): resend from the last part.
            logger.warning("upload %s: the bytes after its last part are lost; resuming at %s", upload.pk, committed)
            self.save(offset=committed, tail_key="", hash_state=None)
            raise UploadError(409, f"Some of the bytes sent were lost: the upload carries on from byte {committed}.",
                              "offset")
        return bytearray(kept)

    def write(self, stream: Any, content_length: int) -> None:
        upload = self.upload
        hasher = _running_hash(upload)
        pending = self.waiting()
        committed = upload.offset - len(pending)
        old_tail = upload.tail_key
        remaining = content_length
        try:
            while remaining > 0:
                # Never past the end of a part, so the hash state saved with a part covers exactly it.
                data = stream.read(min(CHUNK, remaining, upload.part_size - len(pending)))
                if not data:
                    break  # the client went away: keep what arrived
                pending += data
                remaining -= len(data)
                if hasher is not None:
                    hasher.update(data)
                if len(pending) == upload.part_size or committed + len(pending) == upload.length:
                    part = storage.multipart_put(key=upload.multipart_key, upload_id=upload.multipart_id,
                                                 number=len(upload.parts) + 1, data=bytes(pending))
                    committed += len(pending)
                    pending.clear()
                    self.save(offset=committed, parts=[*upload.parts, part], tail_key="", hash_state=_state(hasher))
                else:
                    self.keep_lease()
        except OSError:
            logger.info("upload %s interrupted at %s bytes", upload.pk, content_length - remaining)
        if pending and committed + len(pending) != upload.offset:
            tail = f"{TAILS}/{upload.pk}/{uuid.uuid4().hex}"  # a new name: a stale writer never overwrites it
            storage.object_put(key=tail, data=bytes(pending))
            self.save(offset=committed + len(pending), tail_key=tail, hash_state=_state(hasher))
        if old_tail and old_tail != upload.tail_key:
            storage.discard(storage.default_storage, old_tail)


def _append_to_multipart(upload: Upload, stream: Any, offset: int, content_length: int) -> None:
    token = _claim(upload)
    if token is None:
        if not Upload.objects.filter(pk=upload.pk).exists():
            raise UploadError(404, GONE, "gone")
        raise UploadError(423, BUSY, "locked")
    try:
        upload.refresh_from_db()  # as the last request left it, on whichever node
        if upload.error:
            raise UploadError(410, upload.error, "refused")
        _check_offset(upload, offset, content_length)
        writer = _Writer(upload, token)
        if content_length:
            writer.begin()
            writer.write(stream, content_length)
        if upload.is_complete and upload.stored_file_id is None:
            writer.save(lease=FINISH_LEASE)
            upload_finish(upload=upload)
    finally:
        _release(upload, token)


def _finish_object(upload: Upload) -> StoredFile:
    storage.multipart_complete(key=upload.multipart_key, upload_id=upload.multipart_id, parts=upload.parts,
                               size=upload.length)
    with storage.open_object(key=upload.multipart_key, size=upload.length) as handle:
        inspection = inspect(handle, upload.filename)
        hasher = _running_hash(upload)
        sha256 = _hash_once(handle) if hasher is None else hasher.hexdigest()
    return storage.store_object(
        key=upload.multipart_key, sha256=sha256, original_name=upload.filename, centre=upload.centre,
        uploaded_by=upload.user, inspection=inspection,
    )


def _drop_multipart(upload: Upload) -> None:
    """Everything an unfinished S3 upload holds in the bucket: its parts, its waiting bytes, and
    the object if it was completed but never recorded."""
    if upload.multipart_id:
        storage.multipart_abort(key=upload.multipart_key, upload_id=upload.multipart_id)
    if upload.tail_key:
        storage.discard(storage.default_storage, upload.tail_key)
    if upload.multipart_key and upload.stored_file_id is None:
        storage.discard(storage.default_storage, upload.multipart_key)
