"""Whether a file may be kept as evidence, judged from its name, its size and its content.

`inspect()` decides: the name must be a plain file name, the size within the limit it is
given, and the type, sniffed from the bytes (never the extension), on the allow-list
(`filetypes`) and consistent with the extension it is named with. A refusal is `Rejected`,
with the reason in words a learner understands.

The `filetype` library recognises the simple signatures; containers whose first bytes are
ambiguous (ZIP packages, ISO media, Matroska/WebM, Ogg, MPEG audio after an ID3 tag) and
plain text are told apart here by reading their structure, seeking rather than loading.
Text that a browser or a shell would run (web pages, SVG, scripts) is named as what it is.

Content that would hurt whoever opens it is refused too: an office package whose directory
says it would inflate far beyond its size (judged from the directory, never by inflating
it), and an image whose header claims more pixels than a sane limit or that does not
decode completely.

Pure Python (no Django): callers pass the size limit in, and `storage` turns a refusal
into the form error the pages show.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, BinaryIO

import filetype
from PIL import Image

from apps.core.text import BIDI_CONTROLS as _BIDI_CONTROLS  # the one list, shared with names typed into forms

from .filetypes import (
    ALLOWED_SUMMARY,
    ALLOWED_TYPES,
    DOCX,
    IMAGE,
    PPTX,
    REFUSED_ADVICE,
    REFUSED_VARIANTS,
    TEXT_REFUSED_BY_EXTENSION,
    XLSX,
    ZIP_PACKAGES,
)

CHUNK = 1024 * 1024  # every read and write of file content goes in pieces of this size
HEAD_BYTES = 64 * 1024  # enough of the start of a file to recognise it


class Rejected(Exception):
    """A file that may not be kept, with the reason in words a learner understands."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.reason = message
        self.code = code


@dataclass(frozen=True)
class Inspection:
    content_type: str
    kind: str
    size: int


# --- Names and sizes -----------------------------------------------------------------------

def check_name(name: str | None) -> str:
    """A plain file name, or Rejected: no folders, no '..', no control characters."""
    if name is None or not name.strip():
        raise Rejected("The file has no name. Give it a name and try again.", code="no_name")
    shown = name if len(name) <= 80 else name[:77] + "…"
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in name):
        raise Rejected(
            "The file name contains control characters, which a file name cannot have. Rename the file and try again.",
            code="name_control",
        )
    if "/" in name or "\\" in name:
        raise Rejected(
            f"The file name “{shown}” contains a folder path (a “/” or “\\”). "
            "Choose the file itself, or rename it without slashes.",
            code="name_path",
        )
    if ".." in name:
        raise Rejected(
            f"The file name “{shown}” contains “..”, which is not allowed in a file name. Rename the file and try again.",
            code="name_dots",
        )
    if len(name) > 255:
        raise Rejected("The file name is longer than 255 characters. Rename the file and try again.",
                       code="name_long")
    return name


def check_size(size: int, name: str, *, limit: int) -> None:
    if size <= 0:
        raise Rejected(f"“{name}” is empty (0 bytes). Choose a file that has something in it.", code="empty")
    if size > limit:
        raise Rejected(
            f"“{name}” is {size_in_words(size)}, which is over the limit of {size_in_words(limit)} for one file.",
            code="too_large",
        )


_UNITS = ((1 << 50, "PB"), (1 << 40, "TB"), (1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB"))


def size_in_words(size: int) -> str:
    """"1000 bytes", "2.0 GB": as the pages' filesizeformat writes sizes, never split across lines."""
    sign, size = ("-", -size) if size < 0 else ("", size)
    for unit, name in _UNITS:
        if size >= unit:
            words = f"{round(size / unit, 1):.1f} {name}"
            break
    else:
        words = f"{size} byte" if size == 1 else f"{size} bytes"
    return (sign + words).replace(" ", "\xa0")


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
        if mime in ALLOWED_TYPES or mime in REFUSED_VARIANTS:
            return _described(mime)
        return mime, f"a file of type {guess.extension.upper()} ({mime})"
    if _is_text(handle):
        return _described(_text_type(head))
    return None, "a file whose type could not be recognised"


def _described(mime: str | None) -> tuple[str | None, str]:
    if mime is None:
        return None, "a file whose type could not be recognised"
    if mime in ALLOWED_TYPES:
        return mime, ALLOWED_TYPES[mime].label
    return mime, REFUSED_VARIANTS.get(mime, f"a file of type {mime}")


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


# The tags that make a browser treat text as a web page (the WHATWG sniffing rules), after any
# byte-order mark and white space.
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>/]"
)
_SVG_START = re.compile(r"<svg[\s>/]|<!doctype\s+svg[\s>]")


def _text_type(head: bytes) -> str:
    """Text is plain text unless it is markup or a script a browser or a shell would run."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[:4096].decode("utf-16", "ignore")
    else:
        text = head[:4096].decode("utf-8", "ignore")
    start = text.lstrip("\ufeff \t\r\n\f").lower()
    if start.startswith("#!"):
        return "text/x-script"
    if start.startswith("<?php") or "<?php" in start:
        return "application/x-php"
    if start.startswith("<?xml") or start.startswith("<!--") or start.startswith("<!doctype svg"):
        # An XML prologue or comment may come before the root element: an SVG drawing says so early.
        if _SVG_START.search(start[:2048]):
            return "image/svg+xml"
    if _SVG_START.match(start):
        return "image/svg+xml"
    if _HTML_START.match(start):
        return "text/html"
    return "text/plain"


_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f"}


def _has_control_codes(text: str) -> bool:
    return any(
        (ch < " " and ch not in _TEXT_CONTROLS_ALLOWED) or ch == "\x7f" for ch in text
    )


# --- Inspection ----------------------------------------------------------------------------


def inspect(source: str | Path | BinaryIO, original_name: str, *, limit: int) -> Inspection:
    """What a file is, judged from its content; Rejected with the reason when it may not be kept."""
    check_name(original_name)
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return _inspect_handle(handle, original_name, limit)
    position = source.tell()
    try:
        return _inspect_handle(source, original_name, limit)
    finally:
        source.seek(position)


def _inspect_handle(handle: BinaryIO, name: str, limit: int) -> Inspection:
    size = _size_of(handle)
    check_size(size, name, limit=limit)
    content_type, description = sniff(handle)
    extension = extension_of(name)
    if content_type == "text/plain" and extension in TEXT_REFUSED_BY_EXTENSION:
        content_type = TEXT_REFUSED_BY_EXTENSION[extension]
        description = REFUSED_VARIANTS[content_type]
    allowed = ALLOWED_TYPES.get(content_type or "")
    if allowed is None:
        if content_type is None:
            raise Rejected(
                f"The type of “{name}” could not be recognised from its content, so it cannot be used as evidence. "
                + ALLOWED_SUMMARY,
                code="unknown_type",
            )
        raise Rejected(
            f"“{name}” is {description}, which cannot be used as evidence. "
            + REFUSED_ADVICE.get(content_type, "") + ALLOWED_SUMMARY,
            code="type_not_allowed",
        )
    if extension and extension not in allowed.extensions:
        raise Rejected(
            f"“{name}” is named as a .{extension} file, but its content is {allowed.label}. "
            f"Rename it to end in .{allowed.extensions[0]}, or choose the file you meant.",
            code="extension_mismatch",
        )
    if allowed.content_type in ZIP_PACKAGES:
        check_archive(handle, name, allowed.label, size)
    elif allowed.kind == IMAGE:
        check_image(handle, name, allowed.content_type, allowed.label, size)
    return Inspection(content_type=allowed.content_type, kind=allowed.kind, size=size)


# --- Archives that would inflate far beyond their size (zip bombs) -------------------------

ZIP_MAX_EXPANDED = 3 * 1024**3  # more than any real document: the largest file kept is 2 GB
ZIP_MAX_RATIO = 100  # a real document's XML deflates 5 to 20 times, its media hardly at all
ZIP_RATIO_FLOOR = 100 * 1024**2  # below this, whatever the ratio, opening it harms nobody


def zip_expansion(handle: BinaryIO) -> int:
    """What the archive says its contents add up to, from its directory alone: nothing is inflated."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            return sum(max(0, info.file_size) for info in archive.infolist())
    finally:
        handle.seek(0)


def check_archive(handle: BinaryIO, name: str, label: str, size: int) -> None:
    """Rejected when the package would expand past a sane total, or far beyond its own size."""
    try:
        expanded = zip_expansion(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise Rejected(
            f"“{name}” looks like {label}, but it is damaged and cannot be opened. Save it again and upload the new copy.",
            code="damaged",
        ) from None
    if expanded > ZIP_MAX_EXPANDED or (expanded > ZIP_RATIO_FLOOR and expanded > ZIP_MAX_RATIO * size):
        raise Rejected(
            f"“{name}” is {size_in_words(size)}, but it would expand to {size_in_words(expanded)} when opened: "
            f"far more than {label} does (a “zip bomb”), so it cannot be used as evidence. "
            "Save the document again from the program that made it and upload the new copy.",
            code="zip_bomb",
        )


# --- Images: a sane number of pixels, decoded whole -----------------------------------------

# JPEGs are checked decoded at an eighth of their size and PNGs row by row, so their limit is
# high (a 108-megapixel phone photo passes). GIF and WebP are decoded whole, in memory.
IMAGE_MAX_PIXELS = 150_000_000  # below Pillow's own refusal (about 179 million)
IMAGE_MAX_PIXELS_DECODED_WHOLE = 60_000_000
ANIMATION_MAX_PIXELS = 1_000_000_000  # every frame of a GIF or WebP animation together


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}" if pixels >= 10_000_000 else f"{pixels / 1_000_000:.1f}"


def check_image(handle: BinaryIO, name: str, content_type: str, label: str, size: int) -> None:
    """Rejected when the header claims more pixels than a sane limit (a decompression bomb) or the
    image does not decode completely (cut short, or damaged)."""
    checks = {
        "image/jpeg": (_jpeg_dimensions, IMAGE_MAX_PIXELS, _decode_jpeg),
        "image/png": (_png_dimensions, IMAGE_MAX_PIXELS, _decode_png),
        "image/gif": (_gif_dimensions, IMAGE_MAX_PIXELS_DECODED_WHOLE, _decode_frames),
        "image/webp": (_webp_dimensions, IMAGE_MAX_PIXELS_DECODED_WHOLE, _decode_frames),
    }
    if content_type not in checks:
        return  # HEIC: nothing here decodes it (pages show its name, never its pixels)
    dimensions, most, decode = checks[content_type]
    handle.seek(0)
    try:
        found = dimensions(handle)
    except (OSError, struct.error, ValueError):
        found = None
    finally:
        handle.seek(0)
    if found is None or found[0] <= 0 or found[1] <= 0:
        raise _damaged(name, label)
    width, height = found
    if width * height > most:
        raise Rejected(
            f"“{name}” says it is {width:,} × {height:,} pixels ({_megapixels(width * height)} megapixels), "
            f"more than the {_megapixels(most)} megapixels {label} can have here. "
            "Save it at a smaller size and upload that.",
            code="too_many_pixels",
        )
    try:
        decode(handle, width, height, size)
    except _TooBig as too_big:
        raise Rejected(
            f"“{name}” is an animation of {too_big.frames:,} frames of {width:,} × {height:,} pixels, "
            "too large to check. Upload a shorter clip as a video instead.",
            code="too_many_pixels",
        ) from None
    except Exception:  # noqa: BLE001 - any failure to decode means the same thing to the learner
        raise _damaged(name, label) from None
    finally:
        handle.seek(0)


def _damaged(name: str, label: str) -> Rejected:
    return Rejected(
        f"“{name}” looks like {label}, but it does not decode completely: it is cut short or damaged "
        "(perhaps it was not fully copied or downloaded). Upload the original again.",
        code="damaged",
    )


class _TooBig(Exception):
    def __init__(self, frames: int):
        super().__init__(frames)
        self.frames = frames


_JPEG_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_dimensions(handle: BinaryIO) -> tuple[int, int] | None:
    """Width and height from the frame header, walking the segments before it by seeking."""
    if handle.read(2) != b"\xff\xd8":
        return None
    for _ in range(100_000):
        byte = handle.read(1)
        if byte != b"\xff":
            return None
        marker = handle.read(1)
        while marker == b"\xff":
            marker = handle.read(1)
        if not marker:
            return None
        code = marker[0]
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            continue  # markers without a length
        if code in (0xD9, 0xDA):
            return None  # the image data (or its end) before any frame header
        (length,) = struct.unpack(">H", handle.read(2))
        if code in _JPEG_FRAME_MARKERS:
            _precision, height, width = struct.unpack(">BHH", handle.read(5))
            return width, height
        handle.seek(length - 2, os.SEEK_CUR)
    return None


def _png_dimensions(handle: BinaryIO) -> tuple[int, int] | None:
    head = handle.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _gif_dimensions(handle: BinaryIO) -> tuple[int, int] | None:
    head = handle.read(10)
    return struct.unpack("<HH", head[6:10]) if len(head) == 10 else None


def _webp_dimensions(handle: BinaryIO) -> tuple[int, int] | None:
    head = handle.read(30)
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":  # the canvas of an extended (animated, transparent) image
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            return None
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


class _CutShort(Exception):
    pass


class _EndIsAnError:
    """The file as Pillow reads it, except that once the header is read, reaching the end while
    the decoder still wants data raises. Pillow would otherwise pass over an image cut short
    whenever anything in the process has set ImageFile.LOAD_TRUNCATED_IMAGES, as WeasyPrint
    (the PDF renderer) does on import."""

    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self.strict = False

    def read(self, size: int | None = -1) -> bytes:
        data = self._handle.read(size)
        if self.strict and not data and size != 0:
            raise _CutShort()
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)


def _decode_jpeg(handle: BinaryIO, width: int, height: int, size: int) -> None:
    """Decoded at an eighth of its size: every byte of the image data is still read and checked."""
    source = _EndIsAnError(handle)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns of big images; the limit above already holds
        with Image.open(source, formats=["JPEG"]) as image:  # type: ignore[arg-type]
            source.strict = True
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()


def _decode_frames(handle: BinaryIO, width: int, height: int, size: int) -> None:
    """GIF and WebP: every frame decoded; an animation may not add up to more than the limit."""
    source = _EndIsAnError(handle)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(source, formats=["GIF", "WEBP"]) as image:  # type: ignore[arg-type]
            source.strict = True
            frames = getattr(image, "n_frames", 1)
            if frames * width * height > ANIMATION_MAX_PIXELS:
                raise _TooBig(frames)
            for frame in range(frames):
                image.seek(frame)
                image.load()


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_raw_size(width: int, height: int, bit_depth: int, colour: int, interlaced: bool) -> int:
    """How many bytes the image data inflates to: each row of each pass, with its filter byte."""
    bits = bit_depth * _PNG_CHANNELS[colour]
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns, rows = math.ceil(max(0, width - x0) / dx), math.ceil(max(0, height - y0) / dy)
        if columns and rows:
            total += rows * (1 + math.ceil(columns * bits / 8))
    return total


def _decode_png(handle: BinaryIO, width: int, height: int, size: int) -> None:
    """The image data inflated in pieces and thrown away as it goes (memory stays small): it must
    give every row the header promises, and the file must reach its end chunk."""
    handle.seek(8)
    header = handle.read(25)
    if len(header) < 25 or header[4:8] != b"IHDR":
        raise ValueError("no header")
    bit_depth, colour, _compression, _filter, interlace = header[16:21]
    if colour not in _PNG_CHANNELS:
        raise ValueError("bad colour type")
    expected = _png_raw_size(width, height, bit_depth, colour, interlace == 1)
    inflater = zlib.decompressobj()
    produced = 0
    position = 8
    while True:
        handle.seek(position)
        chunk_header = handle.read(8)
        if len(chunk_header) < 8:
            raise ValueError("cut short before the end chunk")
        length, kind = struct.unpack(">I4s", chunk_header)
        if position + 12 + length > size:
            raise ValueError("a chunk runs past the end of the file")
        if kind == b"IEND":
            break
        if kind == b"IDAT" and produced < expected:
            remaining = length
            while remaining and produced < expected:
                data = handle.read(min(CHUNK, remaining))
                remaining -= len(data)
                while data and produced < expected:
                    produced += len(inflater.decompress(data, CHUNK))
                    data = inflater.unconsumed_tail
        position += 12 + length
    if produced < expected:
        raise ValueError("the image data stops before the last row")
