"""Small but genuine files of every allowed type, made here (nothing is downloaded).

Images come from Pillow, WAV from the wave module, office documents are real ZIP
packages; the audio and video containers carry the headers and track boxes real
recorders write, which is what sniffing reads.
"""

from __future__ import annotations

import io
import struct
import wave
import zipfile

from PIL import Image


def pdf() -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body


def image(fmt: str, size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    return image("PNG", size)


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    return image("JPEG", size)


def gif() -> bytes:
    return image("GIF")


def webp() -> bytes:
    return image("WEBP")


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ftyp(brand: bytes, compatible: tuple[bytes, ...]) -> bytes:
    return _box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"".join(compatible))


def _moov(*handlers: bytes) -> bytes:
    traks = b"".join(
        _box(b"trak", _box(b"mdia", _box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"track\x00")))
        for handler in handlers
    )
    return _box(b"moov", _box(b"mvhd", b"\x00" * 100) + traks)


def heic() -> bytes:
    return _ftyp(b"heic", (b"mif1", b"heic")) + _box(b"meta", b"\x00" * 64) + _box(b"mdat", b"\x00" * 256)


def mp4(moov_at_end: bool = False) -> bytes:
    ftyp = _ftyp(b"isom", (b"isom", b"iso2", b"avc1", b"mp41"))
    moov = _moov(b"vide", b"soun")
    mdat = _box(b"mdat", b"\x00" * 512)
    return ftyp + (mdat + moov if moov_at_end else moov + mdat)


def mov() -> bytes:
    return _ftyp(b"qt  ", (b"qt  ",)) + _box(b"wide", b"") + _box(b"mdat", b"\x00" * 512) + _moov(b"vide", b"soun")


def m4a(brand: bytes = b"M4A ") -> bytes:
    return _ftyp(brand, (brand, b"mp42", b"isom")) + _moov(b"soun") + _box(b"mdat", b"\x00" * 512)


def wav(seconds: float = 0.1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * int(8000 * seconds))
    return buffer.getvalue()


def mp3(frames: int = 20, id3: bool = True) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames.
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 if id3 else b""
    return tag + frame * frames


def aac(frames: int = 20) -> bytes:
    # ADTS header, AAC-LC, 44.1 kHz, stereo, frame length 100 bytes.
    length = 100
    header = bytes([0xFF, 0xF1, 0x50, 0x80 | (length >> 11), (length >> 3) & 0xFF, ((length & 7) << 5) | 0x1F, 0xFC])
    return (header + b"\x00" * (length - 7)) * frames


def ogg(codec: bytes = b"OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00") -> bytes:
    segment = codec
    page = (
        b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
        + bytes([1, len(segment)]) + segment
    )
    return page + b"\x00" * 200


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    size = len(payload)
    if size < 0x7F:
        encoded = bytes([0x80 | size])
    else:
        encoded = bytes([0x01]) + size.to_bytes(7, "big")
    return element_id + encoded + payload


def webm(video: bool = True, doctype: bytes = b"webm") -> bytes:
    header = _ebml(b"\x1a\x45\xdf\xa3", _ebml(b"\x42\x86", b"\x01") + _ebml(b"\x42\x82", doctype))
    tracks = []
    if video:
        tracks.append(_ebml(b"\xae", _ebml(b"\xd7", b"\x01") + _ebml(b"\x83", b"\x01") + _ebml(b"\x86", b"V_VP8")))
    tracks.append(_ebml(b"\xae", _ebml(b"\xd7", b"\x02") + _ebml(b"\x83", b"\x02") + _ebml(b"\x86", b"A_OPUS")))
    info = _ebml(b"\x15\x49\xa9\x66", _ebml(b"\x2a\xd7\xb1", b"\x0f\x42\x40"))
    # MediaRecorder writes the Segment with an unknown size while it is still recording.
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + info + _ebml(b"\x16\x54\xae\x6b", b"".join(tracks))
    cluster = _ebml(b"\x1f\x43\xb6\x75", _ebml(b"\xe7", b"\x00") + b"\xa3\x84\x81\x00\x00\x80" * 20)
    return header + segment + cluster


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compress)
    return buffer.getvalue()


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", b"<Relationships/>"),
                 ("word/document.xml", b"<w:document/>")])


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", b"<Relationships/>"),
                 ("xl/workbook.xml", b"<workbook/>")])


def pptx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", b"<Relationships/>"),
                 ("ppt/presentation.xml", b"<presentation/>")])


def odt() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office:document/>"),
                 ("META-INF/manifest.xml", b"<manifest/>")], stored_first=True)


def plain_zip() -> bytes:
    return _zip([("notes.txt", b"hello")])


def text() -> bytes:
    return "Reflective account\n\nToday I dealt with a customer’s complaint about a late delivery.\n".encode()


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


# name -> (bytes, expected content type, expected kind)
ALLOWED: dict[str, tuple[bytes, str, str]] = {
    "report.pdf": (pdf(), "application/pdf", "document"),
    "plan.docx": (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
    "hours.xlsx": (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document"),
    "talk.pptx": (pptx(), "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document"),
    "essay.odt": (odt(), "application/vnd.oasis.opendocument.text", "document"),
    "account.txt": (text(), "text/plain", "document"),
    "photo.jpg": (jpeg(), "image/jpeg", "image"),
    "screen.png": (png(), "image/png", "image"),
    "anim.gif": (gif(), "image/gif", "image"),
    "still.webp": (webp(), "image/webp", "image"),
    "iphone.heic": (heic(), "image/heic", "image"),
    "voice.mp3": (mp3(), "audio/mpeg", "audio"),
    "memo.m4a": (m4a(), "audio/mp4", "audio"),
    "clip.aac": (aac(), "audio/aac", "audio"),
    "speech.wav": (wav(), "audio/wav", "audio"),
    "note.ogg": (ogg(), "audio/ogg", "audio"),
    "recording.webm": (webm(video=False), "audio/webm", "audio"),
    "demo.mp4": (mp4(), "video/mp4", "video"),
    "phone.mov": (mov(), "video/quicktime", "video"),
    "screen.webm": (webm(video=True), "video/webm", "video"),
}
