"""Uploads are scanned for viruses by a real clamd where one is configured: a virus is refused by
name, a scanner that is down refuses rather than lets a file through, and no scanner means
files are accepted unscanned and the pages say so."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from apps.core.clamd import clamd_command, clamd_socket, scanner_status, wait_until_ready
from apps.evidence.models import StoredFile, Upload
from apps.evidence.storage import FileRejected, inspect, store_upload
from tests.evidence import samples
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import stored_objects, temp_files
from tests.evidence.scanner import *  # noqa: F403
from tests.evidence.scanner import EICAR, start_clamd

ROOT = Path(__file__).resolve().parent.parent.parent


def upload_of(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def nothing_kept(settings, media: Path) -> bool:
    return StoredFile.objects.count() == 0 and stored_objects(media) == [] and temp_files(settings) == []


# --- A real clamd -------------------------------------------------------------------------------


def test_the_eicar_test_file_is_refused_by_name_and_nothing_is_stored(
    clamd_server, scanning_with, people, private_storage, settings
):
    scanning_with(clamd_server)
    with pytest.raises(FileRejected) as caught:
        store_upload(uploaded_file=upload_of(EICAR, "notes.txt"), centre=people.centre, uploaded_by=people.learner.user)
    assert caught.value.code == "virus"
    assert caught.value.reason.startswith(
        "“notes.txt” contains a virus (Eicar-Test-Signature), so it cannot be used as evidence and nothing was kept."
    )
    assert nothing_kept(settings, private_storage)


def test_a_clean_file_is_scanned_and_kept(clamd_server, scanning_with, people, private_storage):
    scanning_with(clamd_server)
    stored = store_upload(uploaded_file=upload_of(samples.pdf(), "Plan.pdf"), centre=people.centre,
                          uploaded_by=people.learner.user)
    assert (private_storage / stored.key).read_bytes() == samples.pdf()


def test_a_long_file_reaches_the_scanner_whole_in_pieces(clamd_server, scanning_with, tmp_path):
    scanning_with(clamd_server)
    path = tmp_path / "log.txt"
    ordinary = b"a line of an ordinary log\n" * 130_000  # over 3 MiB: several pieces on the socket
    path.write_bytes(ordinary)
    assert inspect(path, "log.txt").content_type == "text/plain"
    path.write_bytes(ordinary + EICAR + b"\n")  # found only if the last piece reaches the scanner
    with pytest.raises(FileRejected) as caught:
        inspect(path, "log.txt")
    assert caught.value.code == "virus"


def test_a_virus_sent_by_resumable_upload_is_refused_and_no_upload_row_is_left(
    clamd_server, scanning_with, tus, settings, private_storage
):
    scanning_with(clamd_server)
    response = tus.upload("eicar.txt", EICAR)
    assert response.status_code == 422
    assert "contains a virus (Eicar-Test-Signature)" in json.loads(response.content)["error"]
    assert Upload.objects.count() == 0
    assert nothing_kept(settings, private_storage)


def test_a_stopped_scanner_refuses_uploads_until_it_is_back(scanning_with, people, private_storage, settings,
                                                            tmp_path_factory):
    server = start_clamd(tmp_path_factory.mktemp("clamd-stop"))
    try:
        scanning_with(server)
        assert scanner_status() == "ok"
        store_upload(uploaded_file=upload_of(samples.pdf(), "before.pdf"), centre=people.centre,
                     uploaded_by=people.learner.user)
        server.stop(signal.SIGKILL)  # as an operator's kill -9, or a crash: the socket file stays behind

        with pytest.raises(FileRejected) as caught:
            store_upload(uploaded_file=upload_of(samples.pdf(), "after.pdf"), centre=people.centre,
                         uploaded_by=people.learner.user)
        assert caught.value.code == "scan_unavailable"
        assert caught.value.reason == (
            "“after.pdf” cannot be checked for viruses just now, so it has not been kept. Try again in a few minutes."
        )
        assert list(StoredFile.objects.values_list("original_name", flat=True)) == ["before.pdf"]
        status = scanner_status()
        assert status != "ok" and str(server.socket) in status
    finally:
        server.stop()


def test_a_scanner_that_hangs_is_given_up_on_and_the_upload_refused(scanning_with, people, private_storage,
                                                                    tmp_path_factory, monkeypatch):
    from apps.core import clamd

    server = start_clamd(tmp_path_factory.mktemp("clamd-hang"))
    try:
        scanning_with(server)
        server.process.send_signal(signal.SIGSTOP)  # alive, holding its socket, answering nobody
        monkeypatch.setattr(clamd, "VERDICT_BASE", 1.0)  # 15 s in earnest: a test need not wait so long
        started = time.monotonic()
        assert scanner_status() != "ok"
        with pytest.raises(FileRejected) as caught:
            inspect(io.BytesIO(samples.pdf()), "a.pdf")
        assert caught.value.code == "scan_unavailable"
        assert time.monotonic() - started < 10
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


def test_a_file_longer_than_the_scanner_takes_is_refused_saying_so(scanning_with, tmp_path_factory, tmp_path):
    server = start_clamd(tmp_path_factory.mktemp("clamd-small"), stream_max_bytes=1)  # StreamMaxLength 17M
    try:
        scanning_with(server)
        path = tmp_path / "long.txt"
        path.write_bytes(b"an ordinary line\n" * (18 * 1024 * 1024 // 17 + 1))
        with pytest.raises(FileRejected) as caught:
            inspect(path, "long.txt")
        assert caught.value.code == "scan_too_large"
        assert "is larger than the virus scanner accepts, so it cannot be checked for viruses" in caught.value.reason
    finally:
        server.stop()


# --- No scanner configured ------------------------------------------------------------------------


def test_without_a_scanner_files_are_accepted_unscanned_and_that_is_said(settings, people, private_storage,
                                                                       client):
    settings.ATTEST_CLAMD_SOCKET = ""
    settings.ATTEST_CLAMD_HOST = ""
    assert scanner_status() == "off"
    stored = store_upload(uploaded_file=upload_of(EICAR, "notes.txt"), centre=people.centre,
                          uploaded_by=people.learner.user)
    assert stored.content_type == "text/plain"
    client.force_login(people.admin.user)
    page = client.get("/centre/settings/").content.decode()
    assert "Uploaded files are not checked for viruses: no virus scanner is set up" in page


def test_the_centre_settings_page_says_whether_uploads_are_scanned(clamd_server, scanning_with, settings, people,
                                                                   client):
    client.force_login(people.admin.user)
    scanning_with(clamd_server)
    assert "Every uploaded file is checked for viruses by ClamAV" in client.get("/centre/settings/").content.decode()
    settings.ATTEST_CLAMD_SOCKET = str(clamd_server.socket) + ".gone"
    page = client.get("/centre/settings/").content.decode()
    assert re.search(r"the scanner cannot be reached just now \(clamd at \S+\.gone: No such file or directory\), "
                     r"so uploads are refused until it is back", page)


def test_a_scanner_on_a_host_and_port_that_nobody_answers_is_an_error_not_off(settings):
    settings.ATTEST_CLAMD_SOCKET = ""
    settings.ATTEST_CLAMD_HOST = "127.0.0.1"
    settings.ATTEST_CLAMD_PORT = 9  # discard: nothing listens there
    status = scanner_status()
    assert status.startswith("clamd at 127.0.0.1:9: ") and status != "off"


# --- Starting clamd for `make run` -------------------------------------------------------------------


def test_the_local_stack_gets_a_clamd_command_that_really_starts_a_scanner(tmp_path_factory, settings):
    directory = tmp_path_factory.mktemp("clamd-run")
    signatures = directory / "db"
    signatures.mkdir()
    assert clamd_command(directory / "clamav", database_dir=signatures) is None  # no signatures: clamd would not start
    (signatures / "local.hdb").write_text("44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n")
    command = clamd_command(directory / "clamav", database_dir=signatures)
    if command is None:
        pytest.skip("ClamAV's clamd is not installed (CI installs it)")
    config = (directory / "clamav" / "clamd.conf").read_text()
    assert f"LocalSocket {clamd_socket(directory / 'clamav')}" in config
    assert f"DatabaseDirectory {signatures}" in config
    assert "StreamMaxLength 2064M" in config  # the largest upload (2 GB) fits whole
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        settings.ATTEST_CLAMD_SOCKET = str(clamd_socket(directory / "clamav"))
        assert wait_until_ready(timeout=60)  # what the local stack waits for before seeding demo files
        assert scanner_status() == "ok"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_no_clamd_installed_means_no_command(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "main.cvd").write_bytes(b"x")
    assert clamd_command(tmp_path / "clamav", database_dir=tmp_path / "db", clamd=tmp_path / "no-clamd") is None


def test_the_deployment_has_a_scanner_that_updates_itself_and_the_app_uses_it():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "image: clamav/clamav:stable" in compose
    assert "ATTEST_CLAMD_HOST: scanner" in compose and "CLAMD_CONF_StreamMaxLength: 2100M" in compose
