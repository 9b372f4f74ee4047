"""A real ClamAV daemon for the tests: Debian's clamd, with a signature database written here
(the EICAR test file's hash, nothing downloaded) and its socket in a temporary folder.

`clamd_server` starts one for the whole session (clamd takes a moment to start); a test that
stops its scanner starts its own with `start_clamd`. Import with
`from tests.evidence.scanner import *` in a test module.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from apps.core import clamd as clamd_protocol

__all__ = ["EICAR", "clamd_server", "Clamd", "start_clamd", "scanning_with"]

# The anti-virus test file every scanner knows (eicar.org); written in two halves so that this
# source file is not itself taken for it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def clamd_binary() -> str | None:
    return str(clamd_protocol.CLAMD) if clamd_protocol.CLAMD.exists() else shutil.which("clamd")


@dataclass
class Clamd:
    process: subprocess.Popen
    socket: Path
    config_dir: Path

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def start_clamd(directory: Path, *, stream_max_bytes: int = 64 * 1024 * 1024) -> Clamd:
    """clamd loading only the EICAR signature, listening on a socket in `directory`."""
    binary = clamd_binary()
    if binary is None:
        pytest.skip("ClamAV's clamd is not installed: apt-get install clamav-daemon (CI installs it)")
    signatures = directory / "signatures"
    signatures.mkdir(parents=True, exist_ok=True)
    # The file itself by its MD5 (ClamAV's .hdb: hash, size, name), and the same bytes anywhere in
    # a longer file (.ndb: name, any type, any offset, the bytes in hex).
    (signatures / "attest-test.hdb").write_text(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n")
    (signatures / "attest-test.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    command = clamd_protocol.clamd_command(
        directory / "clamav", database_dir=signatures, stream_max_bytes=stream_max_bytes, clamd=Path(binary)
    )
    assert command is not None
    log = open(directory / "clamd.log", "wb")  # noqa: SIM115 - open for the life of the process
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = Clamd(process=process, socket=clamd_protocol.clamd_socket(directory / "clamav"), config_dir=directory)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"clamd stopped at start: {(directory / 'clamd.log').read_text()[-2000:]}")
        if server.socket.exists():
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("clamd did not open its socket within 60 seconds")


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory):
    # A short folder name: a Unix socket's path must stay under about 100 characters.
    server = start_clamd(tmp_path_factory.mktemp("clamd"))
    yield server
    server.stop(signal.SIGTERM)


@pytest.fixture
def scanning_with(settings):
    """scanning_with(server): uploads are scanned by that clamd from now on in this test."""

    def use(server: Clamd) -> None:
        settings.ATTEST_CLAMD_SOCKET = str(server.socket)
        settings.ATTEST_CLAMD_HOST = ""

    return use
