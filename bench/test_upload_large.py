"""A 1 GiB upload through the running server (gunicorn), in 8 MiB tus chunks from another process.

Asserts a memory bound, not a time: the server's peak resident memory stays within 100 MiB
of its idle size, whatever the file's size. Prints the throughput against a plain copy of the
same file on the same disk (a ratio, no assertion). Run with `make bench`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests
from django.db import connection
from django.test import Client

from tests.evidence import samples
from tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
FILE_SIZE = 1024 * MiB
CHUNK = 8 * MiB
MEMORY_BOUND = 100 * MiB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_video(path: Path, size: int) -> str:
    """A well-formed MP4 of `size` bytes: a video track, then random media data. Returns its SHA-256."""
    head = samples.mp4()  # ftyp, moov (video and sound tracks), a small mdat
    digest = hashlib.sha256()
    remaining = size - len(head) - 16
    header = head + struct.pack(">I4sQ", 1, b"mdat", remaining + 16)  # a 64-bit box for the rest
    with open(path, "wb") as out:
        out.write(header)
        digest.update(header)
        while remaining > 0:
            block = os.urandom(min(CHUNK, remaining))
            out.write(block)
            digest.update(block)
            remaining -= len(block)
    return digest.hexdigest()


def rss_of_tree(root: psutil.Process) -> int:
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class Sampler(threading.Thread):
    """Samples the server's resident memory every 20 ms and keeps the peak."""

    def __init__(self, process: psutil.Process):
        super().__init__(daemon=True)
        self.process = process
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_of_tree(self.process))
            time.sleep(0.02)


def tus_upload(session: requests.Session, base: str, path: Path, name: str) -> requests.Response:
    size = path.stat().st_size
    metadata = f"filename {base64.b64encode(name.encode()).decode()},filetype {base64.b64encode(b'video/mp4').decode()}"
    created = session.post(f"{base}/files/uploads/", headers={"Upload-Length": str(size), "Upload-Metadata": metadata})
    assert created.status_code == 201, created.text
    url = base + created.headers["Location"]
    offset = 0
    response = created
    with open(path, "rb") as source:
        while offset < size:
            chunk = source.read(CHUNK)
            started = time.perf_counter()
            response = session.patch(url, data=chunk, headers={
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            assert response.status_code == 204, response.text
            offset = int(response.headers["Upload-Offset"])
    response.last_chunk_seconds = time.perf_counter() - started  # includes inspecting and storing the file
    return response


@pytest.mark.django_db(transaction=True)
def test_a_1_gib_upload_stays_within_100_mib_of_idle_memory(tmp_path_factory):
    work = Path(tempfile.mkdtemp(prefix="attest-bench-", dir=tmp_path_factory.getbasetemp()))
    server = None
    try:
        # The server's own settings: the test database this benchmark prepared, and folders in `work`.
        (work / "bench_settings.py").write_text(
            "from config.settings.test import *  # noqa\n"
            f"DATABASES['default']['NAME'] = {connection.settings_dict['NAME']!r}\n"
            f"STORAGES['default'] = {{'BACKEND': 'django.core.files.storage.FileSystemStorage', "
            f"'OPTIONS': {{'location': {str(work / 'media')!r}, 'base_url': None}}}}\n"
            f"ATTEST_UPLOAD_TEMP_DIR = {str(work / 'uploads')!r}\n"
            "ATTEST_MAX_UPLOAD_BYTES = 2 * 1024 ** 3\n"
        )
        member = MembershipFactory(is_learner=True)
        browser = Client()
        browser.force_login(member.user)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env |= {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": f"{work}:{ROOT}"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--timeout", "300", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                session.get(f"{base}/accounts/login/", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the server did not start within a minute"
                assert server.poll() is None, "the server stopped"
                time.sleep(0.3)
        session.cookies.set("sessionid", browser.cookies["sessionid"].value)
        session.headers.update({"Tus-Resumable": "1.0.0", "X-CSRFToken": session.cookies["csrftoken"]})

        source = work / "site-visit.mp4"
        sha256 = make_video(source, FILE_SIZE)
        # Warm the worker (every module a real upload touches), then take its idle size.
        warm = work / "warm.mp4"
        make_video(warm, 9 * MiB)
        tus_upload(session, base, warm, "warm.mp4")
        time.sleep(1)
        process = psutil.Process(server.pid)
        idle = max(rss_of_tree(process) for _ in range(10) if time.sleep(0.05) is None)

        sampler = Sampler(process)
        sampler.start()
        started = time.perf_counter()
        last = tus_upload(session, base, source, "site-visit.mp4")
        upload_seconds = time.perf_counter() - started
        sampler.running = False
        sampler.join()
        assert last.headers["Attest-File-Sha256"] == sha256
        assert not any((work / "uploads").iterdir()), "the temporary file was left behind"

        started = time.perf_counter()
        shutil.copyfile(source, work / "copy.mp4")
        os.sync()
        copy_seconds = time.perf_counter() - started

        growth = sampler.peak - idle
        print(
            f"\n1 GiB upload in 8 MiB tus chunks through gunicorn:"
            f"\n  server memory: idle {idle / MiB:.1f} MiB, peak {sampler.peak / MiB:.1f} MiB, "
            f"growth {growth / MiB:.1f} MiB (bound {MEMORY_BOUND / MiB:.0f} MiB)"
            f"\n  upload {upload_seconds:.1f} s ({FILE_SIZE / MiB / upload_seconds:.0f} MiB/s: receive, inspect, "
            f"hash and store); plain copy {copy_seconds:.1f} s ({FILE_SIZE / MiB / copy_seconds:.0f} MiB/s); "
            f"upload takes {upload_seconds / copy_seconds:.1f}× the copy"
            f"\n  of which the last chunk, with inspecting, hashing and storing the whole file: "
            f"{last.last_chunk_seconds:.1f} s"
        )
        assert growth <= MEMORY_BOUND
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its worker: the session this test started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(work, ignore_errors=True)
