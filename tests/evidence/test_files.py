"""Files are judged by their content, kept privately under keys nobody can guess, and never half-kept."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from apps.audit.models import AuditEvent
from apps.evidence import sniffing
from apps.evidence.models import StoredFile
from apps.evidence.storage import CHUNK, FileRejected, inspect, store
from apps.evidence.thumbnails import thumbnail_make
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import stored_objects


def rejected(data: bytes, name: str) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        inspect(io.BytesIO(data), name)
    return caught.value


# --- What a file is ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(samples.ALLOWED))
def test_every_allowed_type_is_recognised_from_its_content(name):
    data, content_type, kind = samples.ALLOWED[name]
    result = inspect(io.BytesIO(data), name)
    assert (result.content_type, result.kind, result.size) == (content_type, kind, len(data))


@pytest.mark.parametrize("name", sorted(samples.ALLOWED))
def test_the_type_comes_from_the_content_even_without_an_extension(name):
    data, content_type, _ = samples.ALLOWED[name]
    assert inspect(io.BytesIO(data), "upload").content_type == content_type


def test_a_file_on_disk_is_inspected_by_path(tmp_path):
    path = tmp_path / "anything"
    path.write_bytes(samples.pdf())
    assert inspect(path, "Witness statement.pdf").content_type == "application/pdf"


def test_a_phone_voice_memo_in_an_mp4_box_is_audio_and_a_video_is_video():
    assert inspect(io.BytesIO(samples.m4a(brand=b"mp42")), "Voice 001.m4a").kind == "audio"
    # Camera apps write the index at the end of long videos; it is found by seeking, not reading.
    assert inspect(io.BytesIO(samples.mp4(moov_at_end=True)), "VID_0001.mp4").kind == "video"


def test_a_quicktime_video_named_mp4_is_accepted_as_phones_name_them():
    assert inspect(io.BytesIO(samples.mov()), "IMG_0042.mp4").content_type == "video/quicktime"


def test_an_mp3_without_a_tag_and_with_one_are_both_mp3():
    assert inspect(io.BytesIO(samples.mp3(id3=False)), "a.mp3").content_type == "audio/mpeg"
    assert inspect(io.BytesIO(samples.mp3(id3=True)), "b.mp3").content_type == "audio/mpeg"


def test_text_in_windows_1252_is_plain_text():
    assert inspect(io.BytesIO("Caf\u00e9 r\u00f4le \u2013 notes\r\n".encode("cp1252")), "notes.txt").kind == "document"


# --- What is refused, and why --------------------------------------------------------------


def test_an_empty_file_is_refused():
    error = rejected(b"", "notes.txt")
    assert error.code == "empty"
    assert error.reason == "“notes.txt” is empty (0 bytes). Choose a file that has something in it."


def test_a_file_over_the_limit_is_refused(settings):
    settings.ATTEST_MAX_UPLOAD_BYTES = 1000
    error = rejected(samples.png(size=(400, 400)) + b"\x00" * 1000, "big.png")
    assert error.code == "too_large"
    assert "is over the limit of 1000" in error.reason and "for one file" in error.reason


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (samples.exe(), "setup.exe", "is a file of type EXE"),
        (samples.plain_zip(), "portfolio.zip", "is a ZIP archive"),
        (samples.webm(doctype=b"matroska"), "film.mkv", "is a Matroska (MKV) video"),
        (samples.ogg(b"\x80theora" + b"\x00" * 30), "film.ogv", "is an Ogg video"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "tool", "is a file of type ELF"),
    ],
)
def test_a_type_not_on_the_allow_list_is_refused_by_name(data, name, said):
    error = rejected(data, name)
    assert error.code == "type_not_allowed"
    assert said in error.reason
    assert "Upload a document (PDF, Word, Excel, PowerPoint, OpenDocument text or plain text)" in error.reason


def test_a_word_document_with_macros_is_refused_even_when_named_docx():
    data = samples._zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>"),
                         ("word/vbaProject.bin", b"\x00" * 10)])
    assert "a Word document with macros" in rejected(data, "plan.docx").reason


def test_an_archive_whose_directory_is_huge_is_refused_without_reading_it():
    entries = [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]
    entries += [(f"word/media/{n}.bin", b"") for n in range(20_000)]
    assert "is a ZIP archive" in rejected(samples._zip(entries), "plan.docx").reason


def test_content_that_cannot_be_recognised_is_refused():
    error = rejected(bytes(range(256)) * 40, "data.bin")
    assert error.code == "unknown_type"
    assert error.reason.startswith("The type of “data.bin” could not be recognised from its content")


def test_a_text_file_that_turns_binary_later_on_is_not_text():
    data = b"A plain start\n" * 10_000 + b"\x00\x01\x02\x03" * 100
    assert rejected(data, "notes.txt").code == "unknown_type"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (samples.png(), "report.pdf",
         "“report.pdf” is named as a .pdf file, but its content is a PNG image. Rename it to end in .png, or choose the file you meant."),
        (samples.pdf(), "photo.jpg", "its content is a PDF document"),
        (samples.docx(), "sheet.xlsx", "its content is a Word document"),
        (samples.text(), "video.mp4", "its content is plain text"),
    ],
)
def test_content_that_contradicts_the_extension_is_refused(data, name, message):
    error = rejected(data, name)
    assert error.code == "extension_mismatch"
    assert message in error.reason


@pytest.mark.parametrize(
    ("name", "code", "said"),
    [
        ("", "no_name", "The file has no name."),
        ("   ", "no_name", "The file has no name."),
        ("../../etc/passwd.txt", "name_path", "contains a folder path"),
        ("reports/week1.pdf", "name_path", "contains a folder path"),
        ("C:\\Users\\me\\week1.pdf", "name_path", "contains a folder path"),
        ("..hidden.pdf", "name_dots", "contains “..”"),
        ("week1\x00.pdf", "name_control", "contains control characters"),
        ("week\n1.pdf", "name_control", "contains control characters"),
        ("invoice\u202efdp.exe", "name_control", "contains control characters"),
        ("a" * 252 + ".pdf", "name_long", "longer than 255 characters"),
    ],
)
def test_a_name_that_is_not_a_plain_file_name_is_refused(name, code, said):
    error = rejected(samples.pdf(), name)
    assert error.code == code
    assert said in error.reason


# --- Storing -------------------------------------------------------------------------------


class ReadSpy(io.BytesIO):
    """A file that remembers the largest read asked of it."""

    largest = 0

    def read(self, size=-1):
        self.largest = max(self.largest, size if size is not None and size >= 0 else len(self.getvalue()))
        return super().read(size)


def test_a_stored_file_keeps_its_name_size_hash_and_sniffed_type_under_a_private_key(people, private_storage):
    data = samples.pdf() + b"%" + b"x" * (3 * CHUNK)  # several chunks
    stored = store(source=io.BytesIO(data), original_name="Witness statement.pdf", centre=people.centre,
                   uploaded_by=people.learner.user)
    stored.refresh_from_db()
    assert stored.original_name == "Witness statement.pdf"
    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.content_type, stored.kind) == ("application/pdf", "document")
    prefix = f"evidence/{people.centre.pk}/"
    assert stored.key.startswith(prefix) and len(stored.key) == len(prefix) + 32  # a random 128-bit name
    assert "Witness" not in stored.key
    assert (private_storage / stored.key).read_bytes() == data
    event = AuditEvent.objects.get(action="file.uploaded")
    assert event.payload["sha256"] == stored.sha256 and event.actor == people.learner.user


def test_storing_reads_the_file_in_pieces_never_whole(people, private_storage):
    source = ReadSpy(samples.pdf() + b"\x00" * (5 * CHUNK))
    store(source=source, original_name="big.pdf", centre=people.centre, uploaded_by=people.learner.user)
    assert 0 < source.largest <= CHUNK


def test_two_stores_of_one_file_get_different_keys(people, private_storage):
    first, second = (
        store(source=io.BytesIO(samples.png()), original_name="a.png", centre=people.centre,
              uploaded_by=people.learner.user)
        for _ in range(2)
    )
    assert first.key != second.key and first.sha256 == second.sha256


def test_store_refuses_a_bad_file_and_keeps_nothing(people, private_storage):
    with pytest.raises(FileRejected):
        store(source=io.BytesIO(samples.png()), original_name="report.pdf", centre=people.centre,
              uploaded_by=people.learner.user)
    assert StoredFile.objects.count() == 0 and stored_objects(private_storage) == []


class BreaksHalfway(io.BytesIO):
    def read(self, size=-1):
        if self.tell() >= 2 * CHUNK:
            raise OSError("the disk went away")
        return super().read(size)


def test_a_copy_that_fails_halfway_leaves_no_half_file_and_no_row(people, private_storage):
    data = samples.pdf() + b"\x00" * (4 * CHUNK)
    inspection = inspect(io.BytesIO(data), "long.pdf")
    with pytest.raises(OSError):
        store(source=BreaksHalfway(data), original_name="long.pdf", centre=people.centre,
              uploaded_by=people.learner.user, inspection=inspection)
    assert StoredFile.objects.count() == 0
    assert stored_objects(private_storage) == []


def test_a_row_that_cannot_be_written_takes_its_stored_object_with_it(people, private_storage):
    from django.db import DataError

    inspection = inspect(io.BytesIO(samples.pdf()), "x.pdf")
    with pytest.raises(DataError):  # PostgreSQL refuses a name longer than the column
        store(source=io.BytesIO(samples.pdf()), original_name="x" * 300 + ".pdf", centre=people.centre,
              uploaded_by=people.learner.user, inspection=inspection)
    assert StoredFile.objects.count() == 0 and stored_objects(private_storage) == []
    assert not AuditEvent.objects.filter(action="file.uploaded").exists()


def test_a_file_that_changes_size_while_being_stored_is_not_kept(people, private_storage):
    inspection = inspect(io.BytesIO(samples.pdf()), "x.pdf")
    longer = io.BytesIO(samples.pdf() + b"more")
    with pytest.raises(FileRejected) as caught:
        store(source=longer, original_name="x.pdf", centre=people.centre, uploaded_by=people.learner.user,
              inspection=inspection)
    assert "changed while it was being stored" in caught.value.reason
    assert StoredFile.objects.count() == 0 and stored_objects(private_storage) == []


def test_an_ordinary_form_upload_is_checked_and_stored(people, private_storage, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

    from apps.evidence.storage import store_upload

    in_memory = SimpleUploadedFile("photo.jpg", samples.jpeg(), content_type="text/html")  # the browser's claim is ignored
    assert store_upload(uploaded_file=in_memory, centre=people.centre,
                        uploaded_by=people.learner.user).content_type == "image/jpeg"
    on_disk = TemporaryUploadedFile("clip.webm", "video/webm", 0, None)
    on_disk.write(samples.webm(video=True))
    on_disk.flush()
    assert store_upload(uploaded_file=on_disk, centre=people.centre, uploaded_by=people.learner.user).kind == "video"
    bad = SimpleUploadedFile("notes.pdf", samples.text())
    with pytest.raises(FileRejected):
        store_upload(uploaded_file=bad, centre=people.centre, uploaded_by=people.learner.user)
    assert StoredFile.objects.count() == 2


# --- S3-compatible storage -----------------------------------------------------------------


def test_files_are_stored_in_an_s3_bucket_when_configured(people, s3_server):
    data = samples.pdf() + b"\x00" * (10 * CHUNK)  # over 8 MiB: a multipart upload
    stored = store(source=io.BytesIO(data), original_name="Plan.pdf", centre=people.centre,
                   uploaded_by=people.learner.user)
    assert s3_server.keys() == [stored.key]
    body = s3_server.client.get_object(Bucket=s3_server.bucket, Key=stored.key)
    assert body["Body"].read() == data
    assert body["ContentType"] == "application/pdf"
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)


def test_a_failed_store_leaves_nothing_in_the_bucket(people, s3_server):
    from django.db import DataError

    inspection = inspect(io.BytesIO(samples.pdf()), "x.pdf")
    with pytest.raises(DataError):
        store(source=io.BytesIO(samples.pdf()), original_name="x" * 300 + ".pdf", centre=people.centre,
              uploaded_by=people.learner.user, inspection=inspection)
    assert s3_server.keys() == []
    assert StoredFile.objects.count() == 0


# --- Thumbnails ----------------------------------------------------------------------------


def test_an_image_gets_a_small_jpeg_thumbnail_and_making_it_again_changes_nothing(people, private_storage):
    stored = store(source=io.BytesIO(samples.png(size=(1600, 900))), original_name="site.png", centre=people.centre,
                   uploaded_by=people.learner.user)
    key = thumbnail_make(stored_file_id=stored.pk)
    stored.refresh_from_db()
    assert stored.thumbnail_key == key and key.startswith(stored.key)
    with Image.open(private_storage / key) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320
    files_before = stored_objects(private_storage)
    assert thumbnail_make(stored_file_id=stored.pk) == key
    assert stored_objects(private_storage) == files_before


def test_an_image_pillow_cannot_read_simply_has_no_thumbnail(people, private_storage):
    stored = store(source=io.BytesIO(samples.heic()), original_name="IMG_1.heic", centre=people.centre,
                   uploaded_by=people.learner.user)
    assert thumbnail_make(stored_file_id=stored.pk) is None
    stored.refresh_from_db()
    assert stored.thumbnail_key == ""


def test_an_enormous_image_gets_no_thumbnail_rather_than_exhausting_the_worker(people, private_storage):
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, format="PNG")  # 64 megapixels
    stored = store(source=buffer, original_name="scan.png", centre=people.centre, uploaded_by=people.learner.user)
    assert thumbnail_make(stored_file_id=stored.pk) is None


def test_documents_get_no_thumbnail(people, private_storage):
    stored = store(source=io.BytesIO(samples.pdf()), original_name="a.pdf", centre=people.centre,
                   uploaded_by=people.learner.user)
    assert thumbnail_make(stored_file_id=stored.pk) is None


def test_the_thumbnail_is_made_by_a_real_worker_after_the_file_is_stored(celery_worker, people, private_storage):
    stored = store(source=io.BytesIO(samples.jpeg(size=(2000, 1500))), original_name="board.jpg",
                   centre=people.centre, uploaded_by=people.learner.user)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stored.refresh_from_db()
        if stored.thumbnail_key:
            break
        time.sleep(0.1)
    assert stored.thumbnail_key, "the worker made no thumbnail within 30 seconds"
    assert Path(private_storage / stored.thumbnail_key).stat().st_size < 30_000


# --- Zip bombs -----------------------------------------------------------------------------------


def office_bomb(expanded: int, prefix: str = "word/") -> bytes:
    """A Word (or other Office) package whose media part is `expanded` bytes of zeros, deflated
    as any zip tool would: a real archive, a few hundred KB, written and checked in pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", samples._CONTENT_TYPES)
        archive.writestr(f"{prefix}document.xml", b"<w:document/>")
        with archive.open(f"{prefix}media/image1.bin", "w") as part:
            zeros = b"\x00" * CHUNK
            for _ in range(expanded // CHUNK):
                part.write(zeros)
    return buffer.getvalue()


def test_an_office_document_that_would_inflate_far_beyond_its_size_is_refused():
    data = office_bomb(300 * CHUNK)  # 300 MB of zeros in a file of about 300 KB
    assert len(data) < 1024 * 1024
    error = rejected(data, "plan.docx")
    assert error.code == "zip_bomb"
    assert error.reason.startswith(f"“plan.docx” is {sniffing.size_in_words(len(data))}, but it would expand to "
                                   "300.0\u00a0MB when opened: far more than a Word document does (a “zip bomb”)")


def test_a_spreadsheet_and_a_presentation_bomb_are_refused_too():
    assert rejected(office_bomb(200 * CHUNK, "xl/"), "hours.xlsx").code == "zip_bomb"
    assert rejected(office_bomb(200 * CHUNK, "ppt/"), "talk.pptx").code == "zip_bomb"


def test_an_archive_that_claims_more_than_any_document_could_hold_is_refused_without_inflating_it():
    # The directory is all that is read: a package that says its part is 4 GB is refused on its word.
    data = bytearray(samples.docx())
    entry = data.rfind(b"PK\x01\x02")  # the directory's last entry (word/document.xml)
    data[entry + 24:entry + 28] = (4 * 1024**3 - 1).to_bytes(4, "little")  # its uncompressed size
    error = rejected(bytes(data), "plan.docx")
    assert error.code == "zip_bomb" and "would expand to 4.0\u00a0GB" in error.reason


def test_a_real_document_with_compressible_text_passes():
    text = b"<w:p><w:r><w:t>Handled a complaint call and logged the outcome.</w:t></w:r></w:p>" * 50_000
    data = samples._zip([("[Content_Types].xml", samples._CONTENT_TYPES), ("word/document.xml", text)])
    assert inspect(io.BytesIO(data), "Reflective account.docx").kind == "document"


# --- Images that claim too many pixels, or stop short --------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims these dimensions, over a little image data."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100_000))
            + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(samples.jpeg())
    frame = data.find(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (png_claiming(50_000, 50_000), "screen.png",
         "“screen.png” says it is 50,000 × 50,000 pixels (2500 megapixels), more than the 150 megapixels "
         "a PNG image can have here."),
        (jpeg_claiming(65_000, 65_000), "photo.jpg", "(4225 megapixels), more than the 150 megapixels a JPEG image"),
        (samples.gif()[:6] + struct.pack("<HH", 10_000, 10_000) + samples.gif()[10:], "anim.gif",
         "(100 megapixels), more than the 60 megapixels a GIF image can have here"),
    ],
)
def test_an_image_claiming_more_pixels_than_a_sane_limit_is_refused_before_decoding(data, name, said):
    error = rejected(data, name)
    assert error.code == "too_many_pixels"
    assert said in error.reason


def test_a_webp_claiming_too_many_pixels_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, format="WEBP")
    chunks = buffer.getvalue()[12:]
    # An extended WebP (a VP8X chunk first) whose canvas claims 16,383 pixels each way, WebP's most.
    extended = b"WEBP" + b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (16_382).to_bytes(3, "little") * 2 + chunks
    error = rejected(b"RIFF" + struct.pack("<I", len(extended)) + extended, "still.webp")
    assert error.code == "too_many_pixels" and "16,383 × 16,383 pixels (268 megapixels)" in error.reason


def cut_short(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def photo(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 40).convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "name", "label"), [("JPEG", "photo.jpg", "a JPEG image"),
                                                     ("PNG", "screen.png", "a PNG image"),
                                                     ("GIF", "anim.gif", "a GIF image"),
                                                     ("WEBP", "still.webp", "a WebP image")])
def test_an_image_cut_short_is_refused_as_incomplete(fmt, name, label):
    whole = photo(fmt)
    assert inspect(io.BytesIO(whole), name).kind == "image"
    error = rejected(cut_short(whole), name)
    assert error.code == "damaged"
    assert error.reason == (
        f"“{name}” looks like {label}, but it does not decode completely: it is cut short or damaged "
        "(perhaps it was not fully copied or downloaded). Upload the original again."
    )


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpg"), ("GIF", "anim.gif"), ("PNG", "screen.png")])
def test_an_image_cut_short_is_refused_even_where_pillow_is_told_to_accept_it(fmt, name, monkeypatch):
    from PIL import ImageFile

    # WeasyPrint, loaded by the worker that renders PDFs, sets this for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert rejected(cut_short(photo(fmt)), name).code == "damaged"
    assert inspect(io.BytesIO(photo(fmt)), name).kind == "image"


def test_a_png_whose_image_data_stops_early_is_refused_even_with_its_end_chunk():
    whole = photo("PNG")
    idat = whole.find(b"IDAT") - 4
    length = struct.unpack(">I", whole[idat:idat + 4])[0]
    short = whole[idat + 8:idat + 8 + length // 2]
    data = (whole[:idat] + struct.pack(">I", len(short)) + b"IDAT" + short + struct.pack(">I", zlib.crc32(b"IDAT" + short))
            + whole[idat + 12 + length:])
    assert rejected(data, "screen.png").code == "damaged"


def test_an_interlaced_png_and_a_large_photo_pass():
    buffer = io.BytesIO()
    Image.effect_noise((333, 211), 40).convert("RGBA").save(buffer, format="PNG", interlace=1)
    assert inspect(io.BytesIO(buffer.getvalue()), "drawing.png").kind == "image"
    assert inspect(io.BytesIO(samples.jpeg(size=(8000, 6000))), "48MP.jpg").kind == "image"


# --- Web pages, SVG and scripts are refused as what they are ---------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (b"<!DOCTYPE html>\n<html><body><script>steal()</script></body></html>", "page.html",
         "“page.html” is a web page (HTML), which cannot be used as evidence. To keep what the page shows, "
         "print it to a PDF (or take a screenshot) and upload that."),
        (b"\xef\xbb\xbf  <html><head><title>x</title></head></html>", "notes.txt", "“notes.txt” is a web page (HTML)"),
        (b"<!-- saved from a browser -->\n<body onload=go()>hi</body>", "page.htm", "is a web page (HTML)"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>go()</script></svg>', "logo.svg",
         "“logo.svg” is an SVG drawing, which cannot be used as evidence. An SVG file can carry scripts."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.txt", "is an SVG drawing"),
        (b"document.cookie = 'x';\n", "tracker.js", "“tracker.js” is a script (JavaScript), which cannot be used"),
        (b"#!/bin/sh\nrm -rf ~\n", "notes.txt", "“notes.txt” is a script, which cannot be used as evidence"),
        (b"echo hello\n", "install.sh", "is a script (shell)"),
        (b"@echo off\r\ndel *.*\r\n", "run.bat", "is a script (a Windows batch file)"),
        (b"<?php system($_GET['c']); ?>", "shell.txt", "is a script (PHP)"),
        (b"Set o = CreateObject(\"WScript.Shell\")\n", "letter.vbs", "is a script (VBScript)"),
        (b"Get-ChildItem\n", "tidy.ps1", "is a script (PowerShell)"),
        (b"print('hi')\n", "homework.py", "is a script (Python)"),
    ],
)
def test_web_pages_svg_and_scripts_are_refused_as_what_they_are(data, name, said):
    error = rejected(data, name)
    assert error.code == "type_not_allowed"
    assert said in error.reason
    assert "plain text" not in error.reason.split(".")[0] and ".txt" not in error.reason.replace(name, "")


def test_text_that_only_mentions_markup_is_still_plain_text():
    data = b"Today I learnt that a web page starts with <html> and a script with #!\n"
    assert inspect(io.BytesIO(data), "notes.txt").content_type == "text/plain"
