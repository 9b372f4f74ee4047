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
    name: str = ""  # as people name it, for lists of files: "Word document", "PDF"

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", _without_article(self.label))


def _without_article(label: str) -> str:
    """"a PNG image" -> "PNG image"; "plain text" -> "Plain text"."""
    for article in ("a ", "an "):
        if label.startswith(article):
            label = label[len(article):]
            break
    return label[:1].upper() + label[1:]


def _t(content_type: str, kind: str, label: str, *extensions: str, name: str = "") -> FileType:
    return FileType(content_type, kind, label, extensions, name)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"

ALLOWED_TYPES: dict[str, FileType] = {
    t.content_type: t
    for t in (
        _t("application/pdf", DOCUMENT, "a PDF document", "pdf", name="PDF"),
        _t(DOCX, DOCUMENT, "a Word document", "docx"),
        _t(XLSX, DOCUMENT, "an Excel spreadsheet", "xlsx"),
        _t(PPTX, DOCUMENT, "a PowerPoint presentation", "pptx"),
        _t(ODT, DOCUMENT, "an OpenDocument text document", "odt"),
        _t("text/plain", DOCUMENT, "plain text", "txt", "text", "csv", "md", "log", name="Text file"),
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
        _t("video/quicktime", VIDEO, "a QuickTime (MOV) video", "mov", "qt", "mp4", name="QuickTime video"),
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
    # Text a browser would run: recognised from the content (or, for scripts, the name) and
    # refused as what it is, never as "plain text" to be renamed.
    "text/html": "a web page (HTML)",
    "image/svg+xml": "an SVG drawing",
    "application/x-php": "a script (PHP)",
    "text/x-script": "a script",
    "text/javascript": "a script (JavaScript)",
    "text/vbscript": "a script (VBScript)",
    "application/x-powershell": "a script (PowerShell)",
    "application/x-sh": "a script (shell)",
    "application/x-bat": "a script (a Windows batch file)",
    "text/x-python": "a script (Python)",
    "text/x-perl": "a script (Perl)",
    "text/x-ruby": "a script (Ruby)",
    "application/hta": "a script (an HTML application)",
    "application/x-wsh": "a script (Windows Script Host)",
}
# Why a refused kind of text cannot simply be kept, and what to upload instead.
REFUSED_ADVICE = {
    "text/html": "To keep what the page shows, print it to a PDF (or take a screenshot) and upload that. ",
    "image/svg+xml": "An SVG file can carry scripts. Save the drawing as a PNG or a PDF and upload that. ",
}
# Plain text named as one of these is refused as what its name says: a browser or a double
# click would run it, whatever its first line looks like.
TEXT_REFUSED_BY_EXTENSION = {
    **dict.fromkeys(("html", "htm", "xhtml", "shtml", "mht", "mhtml"), "text/html"),
    "svg": "image/svg+xml",
    **dict.fromkeys(("js", "mjs", "cjs", "jse"), "text/javascript"),
    **dict.fromkeys(("vbs", "vbe"), "text/vbscript"),
    **dict.fromkeys(("ps1", "psm1", "psd1"), "application/x-powershell"),
    **dict.fromkeys(("sh", "bash", "zsh", "ksh", "csh", "command"), "application/x-sh"),
    **dict.fromkeys(("bat", "cmd"), "application/x-bat"),
    **dict.fromkeys(("py", "pyw"), "text/x-python"),
    **dict.fromkeys(("php", "phtml", "php3", "php4", "php5", "phar"), "application/x-php"),
    **dict.fromkeys(("pl", "pm"), "text/x-perl"),
    "rb": "text/x-ruby",
    "hta": "application/hta",
    **dict.fromkeys(("wsf", "wsh"), "application/x-wsh"),
}
# Allowed types that are ZIP packages: checked for what they would expand to.
ZIP_PACKAGES = {DOCX, XLSX, PPTX, ODT}


# What a file of a type we do not (or no longer) keep is called, by the first part of its type.
KIND_NAMES = {"image": "Image", "audio": "Audio recording", "video": "Video", "text": "Text file"}


def type_name(content_type: str) -> str:
    """A file's type as people name it ("Word document", "PDF", "JPEG image", "MP4 video"),
    never the technical name (`application/vnd.openxmlformats-…`). Any text in, a name out."""
    content_type = (content_type or "").split(";", 1)[0].strip().lower()
    if content_type in ALLOWED_TYPES:
        return ALLOWED_TYPES[content_type].name
    refused = {key.lower(): label for key, label in REFUSED_VARIANTS.items()}
    if content_type in refused:
        return _without_article(refused[content_type])
    return KIND_NAMES.get(content_type.split("/", 1)[0], "File")
