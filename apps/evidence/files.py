"""The file layer of evidence: names, sizes and types checked from the content, and private storage.

`inspect()` decides whether a file may be kept: its name must be a plain file name, its
size within the limit, and its type, sniffed from the bytes (never the extension), on the
allow-list and consistent with the extension it is named with. `store()` streams a checked
file into the default storage (local disk or S3) under a key nobody can guess, hashing and
counting as it goes, and records it; on any failure nothing is left behind.

The `filetype` library recognises the simple signatures; containers whose first bytes are
ambiguous (ZIP packages, ISO media, Matroska/WebM, Ogg, MPEG audio after an ID3 tag) and
plain text are told apart here by reading their structure, seeking rather than loading.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import struct
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any, BinaryIO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from apps.audit.services import audit_record

from .models import StoredFile

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3
CHUNK = 1024 * 1024  # every read and write of file content goes in pieces of this size
HEAD_BYTES = 64 * 1024  # enough of the start of a file to recognise it
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_MAX_PIXELS = 60_000_000  # decoded whole (not a JPEG): about 180 MB in the worker at most


def max_upload_bytes() -> int:
    return int(getattr(settings, "ATTEST_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


# --- The allow-list ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: str  # StoredFile.Kind
    label: str  # with its article, for sentences: "a PNG image"
    extensions: tuple[str, ...]  # the usual one first


def _t(content_type: str, kind: str, label: str, *extensions: str) -> FileType:
    return FileType(content_type, kind, label, extensions)


_DOCUMENT, _IMAGE, _AUDIO, _VIDEO = (StoredFile.Kind.DOCUMENT, StoredFile.Kind.IMAGE, StoredFile.Kind.AUDIO,
                                     StoredFile.Kind.VIDEO)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"

ALLOWED_TYPES: dict[str, FileType] = {
    t.content_type: t
    for t in (
        _t("application/pdf", _DOCUMENT, "a PDF document", "pdf"),
        _t(DOCX, _DOCUMENT, "a Word document", "docx"),
        _t(XLSX, _DOCUMENT, "an Excel spreadsheet", "xlsx"),
        _t(PPTX, _DOCUMENT, "a PowerPoint presentation", "pptx"),
        _t(ODT, _DOCUMENT, "an OpenDocument text document", "odt"),
        _t("text/plain", _DOCUMENT, "plain text", "txt", "text", "csv", "md", "log"),
        _t("image/jpeg", _IMAGE, "a JPEG image", "jpg", "jpeg", "jpe", "jfif"),
        _t("image/png", _IMAGE, "a PNG image", "png"),
        _t("image/gif", _IMAGE, "a GIF image", "gif"),
        _t("image/webp", _IMAGE, "a WebP image", "webp"),
        _t("image/heic", _IMAGE, "a HEIC image", "heic", "heif"),
        _t("image/heif", _IMAGE, "a HEIF image", "heif", "heic"),
        _t("audio/mpeg", _AUDIO, "an MP3 recording", "mp3"),
        _t("audio/mp4", _AUDIO, "an M4A recording", "m4a", "mp4", "m4b"),
        _t("audio/aac", _AUDIO, "an AAC recording", "aac"),
        _t("audio/wav", _AUDIO, "a WAV recording", "wav", "wave"),
        _t("audio/ogg", _AUDIO, "an Ogg recording", "ogg", "oga", "opus"),
        _t("audio/webm", _AUDIO, "a WebM recording", "webm", "weba"),
        _t("audio/3gpp", _AUDIO, "a 3GP recording", "3gp", "3gpp", "m4a"),
        # Phones and cameras name QuickTime and MP4 files interchangeably; players treat them alike.
        _t("video/mp4", _VIDEO, "an MP4 video", "mp4", "m4v", "mov"),
        _t("video/quicktime", _VIDEO, "a QuickTime (MOV) video", "mov", "qt", "mp4"),
        _t("video/webm", _VIDEO, "a WebM video", "webm"),
        _t("video/3gpp", _VIDEO, "a 3GP video", "3gp", "3gpp"),
    )
}
ALLOWED_SUMMARY = (
    "Upload a document (PDF, Word, Excel, PowerPoint, OpenDocument text or plain text), "
    "an image (JPEG, PNG, GIF, WebP or HEIC), audio (MP3, M4A, AAC, WAV, Ogg or WebM) "
    "or video (MP4, MOV or WebM)."
)
# What the browser may offer in its file picker (the server decides from the content).
ACCEPT_ATTRIBUTE = ",".join(
    sorted({f".{ext}" for t in ALLOWED_TYPES.values() for ext in t.extensions} | {"image/*", "audio/*", "video/*"})
)
# Content is in an allowed format but a variant we refuse, named for the message.
_REFUSED_VARIANTS = {
    "application/vnd.ms-word.document.macroEnabled.12": "a Word document with macros",
    "application/vnd.ms-excel.sheet.macroEnabled.12": "an Excel spreadsheet with macros",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.12": "a PowerPoint presentation with macros",
    "video/x-matroska": "a Matroska (MKV) video",
    "video/ogg": "an Ogg video",
    "image/avif": "an AVIF image",
    "application/zip": "a ZIP archive",
}


class FileRejected(ValidationError):
    """A file that may not be kept, with the reason in words a learner understands."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)
        self.reason = message


@dataclass(frozen=True)
class Inspection:
    content_type: str
    kind: str
    size: int


# --- Names and sizes -----------------------------------------------------------------------

_BIDI_CONTROLS = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                  "\u2066", "\u2067", "\u2068", "\u2069"}


def check_name(name: str | None) -> str:
    """A plain file name, or FileRejected: no folders, no '..', no control characters."""
    if name is None or not name.strip():
        raise FileRejected("The file has no name. Give it a name and try again.", code="no_name")
    shown = name if len(name) <= 80 else name[:77] + "…"
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in name):
        raise FileRejected(
            "The file name contains control characters, which a file name cannot have. Rename the file and try again.",
            code="name_control",
        )
    if "/" in name or "\\" in name:
        raise FileRejected(
            f"The file name “{shown}” contains a folder path (a “/” or “\\”). "
            "Choose the file itself, or rename it without slashes.",
            code="name_path",
        )
    if ".." in name:
        raise FileRejected(
            f"The file name “{shown}” contains “..”, which is not allowed in a file name. Rename the file and try again.",
            code="name_dots",
        )
    if len(name) > 255:
        raise FileRejected("The file name is longer than 255 characters. Rename the file and try again.",
                           code="name_long")
    return name


def check_size(size: int, name: str) -> None:
    if size <= 0:
        raise FileRejected(f"“{name}” is empty (0 bytes). Choose a file that has something in it.", code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise FileRejected(
            f"“{name}” is {filesizeformat(size)}, which is over the limit of {filesizeformat(limit)} for one file.",
            code="too_large",
        )


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


# --- Sniffing ------------------------------------------------------------------------------

_FILETYPE_ALIASES = {"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/x-aac": "audio/aac",
                     "audio/m4a": "audio/mp4", "audio/x-m4a": "audio/mp4"}


def _size_of(handle: IO[bytes]) -> int:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def sniff(handle: BinaryIO) -> tuple[str | None, str]:
    """(content type or None, a description of it for messages), from the content alone."""
    size = _size_of(handle)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _described(_zip_type(handle))
    if head[4:8] == b"ftyp":
        return _described(_isobmff_type(handle, size, head))
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _described(_ebml_type(handle))
    if head.startswith(b"OggS"):
        return _described(_ogg_type(head))
    if head.startswith(b"ID3"):
        return _described(_after_id3(head))
    guess = filetype.guess(head)
    if guess is not None:
        mime = _FILETYPE_ALIASES.get(guess.mime, guess.mime)
        if mime in ALLOWED_TYPES or mime in _REFUSED_VARIANTS:
            return _described(mime)
        return mime, f"a file of type {guess.extension.upper()} ({mime})"
    if _is_text(handle):
        return _described("text/plain")
    return None, "a file whose type could not be recognised"


def _described(mime: str | None) -> tuple[str | None, str]:
    if mime is None:
        return None, "a file whose type could not be recognised"
    if mime in ALLOWED_TYPES:
        return mime, ALLOWED_TYPES[mime].label
    return mime, _REFUSED_VARIANTS.get(mime, f"a file of type {mime}")


_ZIP_MAX_ENTRIES = 20_000
_ZIP_MAX_DIRECTORY = 8 * 1024 * 1024


def _zip_directory_is_modest(handle: BinaryIO, size: int) -> bool:
    """Read the archive's end record first: a directory big enough to exhaust memory is never opened."""
    tail_start = max(0, size - 65_557)  # the end record and its comment
    handle.seek(tail_start)
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return False
    entries, directory_size = struct.unpack("<HI", tail[at + 10:at + 16])
    return entries <= _ZIP_MAX_ENTRIES and directory_size <= _ZIP_MAX_DIRECTORY  # ZIP64 markers fail this too


def _zip_type(handle: BinaryIO) -> str | None:
    """Office Open XML and OpenDocument files are ZIP packages: the parts inside say which."""
    if not _zip_directory_is_modest(handle, _size_of(handle)):
        return "application/zip"
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return declared or "application/zip"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None
    finally:
        handle.seek(0)
    if "[Content_Types].xml" in names:
        macros = any(n.endswith("vbaProject.bin") for n in names)
        for prefix, plain, with_macros in (
            ("word/", DOCX, "application/vnd.ms-word.document.macroEnabled.12"),
            ("xl/", XLSX, "application/vnd.ms-excel.sheet.macroEnabled.12"),
            ("ppt/", PPTX, "application/vnd.ms-powerpoint.presentation.macroEnabled.12"),
        ):
            if any(n.startswith(prefix) for n in names):
                return with_macros if macros else plain
    return "application/zip"


def _boxes(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO media boxes between start and end: (type, payload start, box end), read by seeking."""
    position, seen = start, 0
    while position + 8 <= end and seen < 10_000:
        seen += 1
        handle.seek(position)
        header = handle.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        payload = position + 8
        if size == 1:
            if len(header) < 16:
                return
            size = struct.unpack(">Q", header[8:16])[0]
            payload = position + 16
        elif size == 0:
            size = end - position
        if size < payload - position:
            return
        yield kind, payload, min(position + size, end)
        position += size


def _track_handlers(handle: BinaryIO, size: int) -> set[bytes]:
    handlers: set[bytes] = set()
    for kind, payload, box_end in _boxes(handle, 0, size):
        if kind != b"moov":
            continue
        for trak, trak_start, trak_end in _boxes(handle, payload, box_end):
            if trak != b"trak":
                continue
            for mdia, mdia_start, mdia_end in _boxes(handle, trak_start, trak_end):
                if mdia != b"mdia":
                    continue
                for hdlr, hdlr_start, _ in _boxes(handle, mdia_start, mdia_end):
                    if hdlr == b"hdlr":
                        handle.seek(hdlr_start + 8)  # version, flags, pre-defined
                        handlers.add(handle.read(4))
        break
    return handlers


_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


def _isobmff_type(handle: BinaryIO, size: int, head: bytes) -> str | None:
    """MP4, M4A, MOV, 3GP and HEIC share one container: the brand and the tracks tell them apart."""
    box_size = struct.unpack(">I", head[:4])[0]
    major = head[8:12]
    brands = {major} | {head[i:i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in {b"mif1", b"msf1", b"avif", b"avis"}:  # a HEIF still image; AVIF is one we refuse
        if brands & _HEIC_BRANDS:
            return "image/heic"
        return "image/avif" if brands & {b"avif", b"avis"} else "image/heif"
    try:
        handlers = _track_handlers(handle, size)
    finally:
        handle.seek(0)
    video, audio = b"vide" in handlers, b"soun" in handlers
    if major == b"qt  ":
        return "video/quicktime"
    if major.startswith((b"3gp", b"3g2")):
        return "audio/3gpp" if audio and not video else "video/3gpp"
    if video:
        return "video/mp4"
    if audio or major in _AUDIO_BRANDS:
        return "audio/mp4"
    return "video/mp4"


def _vint(data: bytes, position: int, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at position: (value, its length); value None if unknown."""
    first = data[position]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or position + length > len(data):
        raise ValueError("bad EBML number")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[position + 1:position + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return None, length  # all ones: "unknown size", as a live recorder writes
    return value, length


def _ebml_elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    position = start
    while position < end:
        element, id_length = _vint(data, position, keep_marker=True)
        size, size_length = _vint(data, position + id_length, keep_marker=False)
        payload = position + id_length + size_length
        element_end = end if size is None else min(payload + size, end)
        yield element, payload, element_end
        if size is None and element != 0x18538067:  # only the Segment's contents are walked into
            return
        position = element_end if size is not None else payload


def _ebml_type(handle: BinaryIO) -> str | None:
    """WebM or Matroska; audio-only when no track is video (a browser's voice recording)."""
    data = handle.read(CHUNK)
    handle.seek(0)
    doctype, track_types = b"", set()
    try:
        for element, payload, end in _ebml_elements(data, 0, len(data)):
            if element == 0x1A45DFA3:
                for child, child_payload, child_end in _ebml_elements(data, payload, end):
                    if child == 0x4282:
                        doctype = data[child_payload:child_end]
            elif element == 0x18538067:
                for child, child_payload, child_end in _ebml_elements(data, payload, end):
                    if child == 0x1654AE6B:
                        for entry, entry_payload, entry_end in _ebml_elements(data, child_payload, child_end):
                            if entry == 0xAE:
                                for field_id, field_payload, field_end in _ebml_elements(data, entry_payload, entry_end):
                                    if field_id == 0x83:
                                        track_types.add(int.from_bytes(data[field_payload:field_end], "big"))
                        break
                    if child == 0x1F43B675:  # a Cluster: the tracks come before the first one
                        break
                break
    except (ValueError, IndexError):
        pass
    if doctype != b"webm":
        return "video/x-matroska" if doctype == b"matroska" else None
    return "audio/webm" if track_types and 1 not in track_types else "video/webm"


def _ogg_type(head: bytes) -> str | None:
    if len(head) < 28:
        return None
    packet = head[27 + head[26]:][:8]
    if packet.startswith(b"\x80theora"):
        return "video/ogg"
    if packet.startswith((b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")):
        return "audio/ogg"
    return None


def _after_id3(head: bytes) -> str | None:
    """An ID3 tag can open an MP3 or an AAC stream: the first frame after it says which."""
    if len(head) < 10:
        return None
    tag_size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    position = 10 + tag_size + (10 if head[5] & 0x10 else 0)
    frame = head[position:position + 2]
    if len(frame) == 2 and frame[0] == 0xFF and frame[1] & 0xE0 == 0xE0:
        return "audio/aac" if frame[1] & 0x06 == 0 else "audio/mpeg"
    return "audio/mpeg"  # the frame lies beyond what was read: an ID3 tag is an MP3's in practice


def _is_text(handle: BinaryIO) -> bool:
    """Plain text in UTF-8 (or UTF-16 with its mark, or Windows-1252): no NULs or control codes, all through."""
    head = handle.read(4)
    handle.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    for candidate in (encoding, "cp1252") if encoding == "utf-8" else (encoding,):
        decoder = codecs.getincrementaldecoder(candidate)(errors="strict")
        try:
            while chunk := handle.read(CHUNK):
                if _has_control_codes(decoder.decode(chunk)):
                    return False
            decoder.decode(b"", final=True)
            return True
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
    return False


_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f"}


def _has_control_codes(text: str) -> bool:
    return any(
        (ch < " " and ch not in _TEXT_CONTROLS_ALLOWED) or ch == "\x7f" for ch in text
    )


# --- Inspection ----------------------------------------------------------------------------


def inspect(source: str | Path | BinaryIO, original_name: str) -> Inspection:
    """What a file is, judged from its content; FileRejected with the reason when it may not be kept."""
    check_name(original_name)
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return _inspect_handle(handle, original_name)
    position = source.tell()
    try:
        return _inspect_handle(source, original_name)
    finally:
        source.seek(position)


def _inspect_handle(handle: BinaryIO, name: str) -> Inspection:
    size = _size_of(handle)
    check_size(size, name)
    content_type, description = sniff(handle)
    allowed = ALLOWED_TYPES.get(content_type or "")
    if allowed is None:
        if content_type is None:
            raise FileRejected(
                f"The type of “{name}” could not be recognised from its content, so it cannot be used as evidence. "
                + ALLOWED_SUMMARY,
                code="unknown_type",
            )
        raise FileRejected(
            f"“{name}” is {description}, which cannot be used as evidence. " + ALLOWED_SUMMARY, code="type_not_allowed"
        )
    extension = extension_of(name)
    if extension and extension not in allowed.extensions:
        raise FileRejected(
            f"“{name}” is named as a .{extension} file, but its content is {allowed.label}. "
            f"Rename it to end in .{allowed.extensions[0]}, or choose the file you meant.",
            code="extension_mismatch",
        )
    return Inspection(content_type=allowed.content_type, kind=allowed.kind, size=size)


# --- Storing -------------------------------------------------------------------------------


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
        _discard(storage, saved or key)
        raise
    finally:
        if opened is not None:
            opened.close()


def _discard(storage: Any, key: str) -> None:
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

        # robust: a broker that is down must not undo a file that is already committed.
        transaction.on_commit(lambda: make_thumbnail.delay(stored.pk), robust=True)
    return stored


def store_upload(*, uploaded_file: Any, centre: Any, uploaded_by: Any) -> StoredFile:
    """Check and store a file posted in an ordinary form (the uploader's no-JavaScript path).

    Django keeps uploads over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file on disk, so
    this never holds a large file in memory either.
    """
    name = uploaded_file.name or ""
    path = getattr(uploaded_file, "temporary_file_path", None)
    source: str | BinaryIO = path() if path else uploaded_file.file
    inspection = inspect(source, name)
    return store(source=source, original_name=name, centre=centre, uploaded_by=uploaded_by, inspection=inspection)


# --- Thumbnails ----------------------------------------------------------------------------


def thumbnail_make(*, stored_file_id: int) -> str | None:
    """Make a small JPEG of an image and remember its key. Idempotent; None when it cannot be made."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    stored = StoredFile.objects.filter(pk=stored_file_id, kind=StoredFile.Kind.IMAGE).first()
    if stored is None:
        return None
    storage = default_storage
    if stored.thumbnail_key and storage.exists(stored.thumbnail_key):
        return stored.thumbnail_key
    try:
        with storage.open(stored.key, "rb") as source, Image.open(source) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEGs decode straight at a reduced scale
            if image.format != "JPEG" and image.width * image.height > THUMBNAIL_MAX_PIXELS:
                logger.info("no thumbnail for stored file %s: %sx%s is too big to decode", stored.pk, *image.size)
                return None
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        # HEIC needs a decoder Pillow lacks; a damaged image has no thumbnail either: pages show the name.
        logger.info("no thumbnail for stored file %s", stored.pk)
        return None
    buffer.seek(0)
    key = storage.save(f"{stored.key}-thumbnail.jpg", File(buffer))
    # Another worker may have finished first: keep theirs and drop ours.
    if StoredFile.objects.filter(pk=stored.pk, thumbnail_key=stored.thumbnail_key).update(thumbnail_key=key) == 0:
        _discard(storage, key)
        return StoredFile.objects.values_list("thumbnail_key", flat=True).get(pk=stored.pk)
    return key
