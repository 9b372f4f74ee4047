"""ClamAV's virus scanner daemon (clamd), spoken to over its socket where one is configured.

`ATTEST_CLAMD_SOCKET` (a Unix socket) or `ATTEST_CLAMD_HOST`/`ATTEST_CLAMD_PORT` say where it
listens; with neither, nothing is scanned. Files go to it with clamd's INSTREAM command: the
word, then the content in pieces each led by its length (4 bytes, big-endian), then a
zero length; clamd answers `stream: OK` or `stream: <signature> FOUND`. Every wait has a
timeout, so a scanner that is down or hung is reported, never waited on for ever.

`scanner_status()` is what /healthz and the centre settings page say. `clamd_command()` is how
the local stack (`make run`) starts Debian's clamd with a configuration of its own.

It lives in core (it knows nothing of evidence) so that /healthz and the centre settings page
can ask it too; `apps.evidence.scanning` turns its verdicts into the refusals learners read.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import time
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

CONNECT_TIMEOUT = 3.0
SEND_TIMEOUT = 30.0  # one piece of the file taken by the scanner
VERDICT_TIMEOUT = 180.0  # clamd gives up on a file after MaxScanTime (120 s by default)
VERDICT_BASE = 15.0  # ...but a small file is scanned in well under a second: a hung scanner shows
VERDICT_BYTES_PER_SECOND = 10 * 1024 * 1024  # a slow scanner's pace, to give a large file time
STATUS_TIMEOUT = 1.5  # /healthz answers within 2 s whatever is down
PIECE = 1024 * 1024
CLAMD = Path("/usr/sbin/clamd")  # Debian's clamav-daemon
SYSTEM_SIGNATURES = Path("/var/lib/clamav")  # kept up to date by Debian's clamav-freshclam
SIGNATURE_SUFFIXES = {".cvd", ".cld", ".cud", ".hdb", ".hsb", ".ndb", ".ldb", ".mdb", ".msb"}


class ScannerUnavailable(Exception):
    """The scanner could not be asked, or did not answer: the reason, for the log and /healthz."""


class ScannerTooLarge(Exception):
    """The scanner hung up because the file is longer than its StreamMaxLength."""


Address = str | tuple[str, int]


def address() -> Address | None:
    """Where clamd listens: a socket path, (host, port), or None when scanning is off."""
    path = getattr(settings, "ATTEST_CLAMD_SOCKET", "") or ""
    if path:
        return str(path)
    host = getattr(settings, "ATTEST_CLAMD_HOST", "") or ""
    if host:
        return host, int(getattr(settings, "ATTEST_CLAMD_PORT", 3310) or 3310)
    return None


def is_configured() -> bool:
    return address() is not None


def describe(where: Address) -> str:
    return f"clamd at {where}" if isinstance(where, str) else f"clamd at {where[0]}:{where[1]}"


def _connect(where: Address, timeout: float) -> socket.socket:
    try:
        if isinstance(where, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(where)
            except BaseException:
                sock.close()
                raise
            return sock
        return socket.create_connection(where, timeout=timeout)
    except OSError as error:
        raise ScannerUnavailable(f"{describe(where)}: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return error.strerror or str(error) or type(error).__name__


def _reply(sock: socket.socket) -> str:
    """clamd's answer to a z-command: text up to its NUL (or until it hangs up)."""
    data = b""
    while b"\0" not in data and len(data) < 4096:
        try:
            piece = sock.recv(4096)
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def ping(*, timeout: float = STATUS_TIMEOUT) -> None:
    """Nothing if clamd answers PONG; ScannerUnavailable with the reason otherwise."""
    where = address()
    if where is None:
        raise ScannerUnavailable("no virus scanner is configured")
    with _connect(where, timeout) as sock:
        try:
            sock.sendall(b"zPING\0")
            answer = _reply(sock)
        except OSError as error:
            raise ScannerUnavailable(f"{describe(where)}: {_reason(error)}") from None
    if answer != "PONG":
        raise ScannerUnavailable(f"{describe(where)}: answered {answer or 'nothing'!r} to PING")


def scan(handle: BinaryIO) -> str | None:
    """Stream the file from where the handle is to its end; None when clean, else the signature
    found. ScannerUnavailable when it cannot be asked or does not answer in time."""
    where = address()
    if where is None:
        raise ScannerUnavailable("no virus scanner is configured")
    with _connect(where, CONNECT_TIMEOUT) as sock:
        sock.settimeout(SEND_TIMEOUT)
        sent = 0
        try:
            sock.sendall(b"zINSTREAM\0")
            while piece := handle.read(PIECE):
                sock.sendall(struct.pack(">I", len(piece)) + piece)
                sent += len(piece)
            sock.sendall(struct.pack(">I", 0))
        except (BrokenPipeError, ConnectionResetError):
            pass  # clamd hangs up on a stream over its limit; its last words say so
        except OSError as error:
            raise ScannerUnavailable(f"{describe(where)}: {_reason(error)}") from None
        sock.settimeout(min(VERDICT_TIMEOUT, VERDICT_BASE + sent / VERDICT_BYTES_PER_SECOND))
        try:
            answer = _reply(sock)
        except OSError as error:
            raise ScannerUnavailable(f"{describe(where)}: {_reason(error)}") from None
    if answer.endswith(" FOUND"):
        signature = answer.removeprefix("stream:").removesuffix(" FOUND").strip()
        # Signatures from a database without ClamAV's signature are marked so; the name is the same.
        return signature.removesuffix(".UNOFFICIAL") or "unnamed"
    if answer == "stream: OK" or answer.endswith(": OK"):
        return None
    if "size limit exceeded" in answer:
        raise ScannerTooLarge(answer)
    raise ScannerUnavailable(f"{describe(where)}: answered {answer or 'nothing'!r}")


def scanner_status() -> str:
    """"ok", "off" (no scanner configured) or what is wrong, for /healthz and the settings page."""
    if not is_configured():
        return "off"
    try:
        ping()
    except ScannerUnavailable as error:
        return str(error)
    return "ok"


def wait_until_ready(*, timeout: float = 120.0, interval: float = 0.5) -> bool:
    """Whether clamd answers within `timeout` seconds: it loads its signatures before it listens
    (seconds with a small database, up to a minute with the official ones)."""
    deadline = time.monotonic() + timeout
    while True:
        if scanner_status() == "ok":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# --- Running clamd locally (`make run`) ------------------------------------------------------------


def has_signatures(directory: Path) -> bool:
    return directory.is_dir() and any(p.suffix in SIGNATURE_SUFFIXES for p in directory.iterdir())


def clamd_socket(config_dir: Path) -> Path:
    return Path(config_dir) / "clamd.sock"


def write_clamd_config(config_dir: Path, *, database_dir: Path, stream_max_bytes: int) -> Path:
    """clamd.conf in config_dir: its socket there too, signatures from database_dir, and limits
    that let it scan the largest file Attest keeps whole."""
    config_dir = Path(config_dir)
    (config_dir / "tmp").mkdir(parents=True, exist_ok=True)
    megabytes = -(-stream_max_bytes // (1024 * 1024)) + 16
    config = config_dir / "clamd.conf"
    config.write_text(
        "# Written by Attest (apps/core/clamd.py) each time the local stack starts clamd.\n"
        f"LocalSocket {clamd_socket(config_dir)}\n"
        "LocalSocketMode 600\n"
        "FixStaleSocket yes\n"
        f"DatabaseDirectory {Path(database_dir)}\n"
        f"TemporaryDirectory {config_dir / 'tmp'}\n"
        f"PidFile {config_dir / 'clamd.pid'}\n"
        "Foreground yes\n"
        f"StreamMaxLength {megabytes}M\n"
        f"MaxScanSize {megabytes}M\n"
        f"MaxFileSize {min(megabytes, 2047)}M\n"
        "ReadTimeout 60\n"
    )
    return config


def clamd_command(
    config_dir: Path, *, database_dir: Path = SYSTEM_SIGNATURES, stream_max_bytes: int | None = None,
    clamd: Path | None = None,
) -> list[str] | None:
    """The command that runs clamd in the foreground for this installation, with its configuration
    written under config_dir (e.g. `.data/clamav/`); None when clamd is not installed or there
    are no signatures to load (clamd would refuse to start): then uploads go unscanned and
    /healthz says scanning is off. Set ATTEST_CLAMD_SOCKET to `clamd_socket(config_dir)` for
    the processes that scan."""
    binary = Path(clamd) if clamd is not None else (CLAMD if CLAMD.exists() else Path(shutil.which("clamd") or CLAMD))
    if not (binary.is_file() and os.access(binary, os.X_OK)) or not has_signatures(Path(database_dir)):
        return None
    limit = stream_max_bytes if stream_max_bytes is not None else int(
        getattr(settings, "ATTEST_MAX_UPLOAD_BYTES", 2 * 1024**3)
    )
    config = write_clamd_config(config_dir, database_dir=database_dir, stream_max_bytes=limit)
    return [str(binary), "--foreground", f"--config-file={config}"]
