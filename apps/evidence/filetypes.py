"""The allow-list of evidence file types: what may be kept, how it is named and described.

Pure Python (no Django), so the content checks in `sniffing` can be run and tested alone.
The kinds are the values of `StoredFile.Kind`.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCUMENT, IMAGE, AUDIO, VIDEO = "document", "image", "audio", "video"  # StoredFile.Kind values


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: str  # StoredFile.Kind
    label: str  # with its article, for sentences: "a PNG image"
    extensions: tuple[str, ...]  # the usual one first


def _t(content_type: str, kind: str, label: str, *extensions: str) -> FileType:
    return FileType(content_type, kind, label, extensions)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"

ALLOWED_TYPES: dict[str, FileType] = {
    t.content_type: t
    for t in (
        _t("application/pdf", DOCUMENT, "a PDF document", "pdf"),
        _t(DOCX, DOCUMENT, "a Word document", "docx"),
        _t(XLSX, DOCUMENT, "an Excel spreadsheet", "xlsx"),
        _t(PPTX, DOCUMENT, "a PowerPoint presentation", "pptx"),
        _t(ODT, DOCUMENT, "an OpenDocument text document", "odt"),
        _t("text/plain", DOCUMENT, "plain text", "txt", "text", "csv", "md", "log"),
        _t("image/jpeg", IMAGE, "a JPEG image", "jpg", "jpeg", "jpe", "jfif"),
        _t("image/png", IMAGE, "a PNG image", "png"),
        _t("image/gif", IMAGE, "a GIF image", "gif"),
        _t("image/webp", IMAGE, "a WebP image", "webp"),
        _t("image/heic", IMAGE, "a HEIC image", "heic", "heif"),
        _t("image/heif", IMAGE, "a HEIF image", "heif", "heic"),
        _t("audio/mpeg", AUDIO, "an MP3 recording", "mp3"),
        _t("audio/mp4", AUDIO, "an M4A recording", "m4a", "mp4", "m4b"),
        _t("audio/aac", AUDIO, "an AAC recording", "aac"),
        _t("audio/wav", AUDIO, "a WAV recording", "wav", "wave"),
        _t("audio/ogg", AUDIO, "an Ogg recording", "ogg", "oga", "opus"),
        _t("audio/webm", AUDIO, "a WebM recording", "webm", "weba"),
        _t("audio/3gpp", AUDIO, "a 3GP recording", "3gp", "3gpp", "m4a"),
        # Phones and cameras name QuickTime and MP4 files interchangeably; players treat them alike.
        _t("video/mp4", VIDEO, "an MP4 video", "mp4", "m4v", "mov"),
        _t("video/quicktime", VIDEO, "a QuickTime (MOV) video", "mov", "qt", "mp4"),
        _t("video/webm", VIDEO, "a WebM video", "webm"),
        _t("video/3gpp", VIDEO, "a 3GP video", "3gp", "3gpp"),
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
REFUSED_VARIANTS = {
    "application/vnd.ms-word.document.macroEnabled.12": "a Word document with macros",
    "application/vnd.ms-excel.sheet.macroEnabled.12": "an Excel spreadsheet with macros",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.12": "a PowerPoint presentation with macros",
    "video/x-matroska": "a Matroska (MKV) video",
    "video/ogg": "an Ogg video",
    "image/avif": "an AVIF image",
    "application/zip": "a ZIP archive",
}
