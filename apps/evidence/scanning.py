"""Virus scanning of evidence files by ClamAV's clamd, where one is configured.

A file is scanned once its content checks have passed, before anything is stored. Infected:
refused with the name of what was found. Scanner configured but down, hung or unreachable:
refused with "try again in a few minutes" (a file is never kept unscanned while scanning is
on). No scanner configured: accepted unscanned, and /healthz and the centre settings page say
that scanning is off. The protocol itself is `apps.core.clamd`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

from apps.core import clamd
from apps.core.clamd import clamd_command, clamd_socket, scanner_status

from .sniffing import Rejected

__all__ = ["check", "clamd_command", "clamd_socket", "is_on", "scanner_status"]

logger = logging.getLogger(__name__)


def is_on() -> bool:
    """Whether uploads are scanned in this installation."""
    return clamd.is_configured()


def check(source: str | Path | BinaryIO, name: str) -> None:
    """Nothing when the file is clean or scanning is off; Rejected, with the reason, otherwise."""
    if not clamd.is_configured():
        return
    try:
        if isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                found = clamd.scan(handle)
        else:
            position = source.tell()
            try:
                source.seek(0)
                found = clamd.scan(source)
            finally:
                source.seek(position)
    except clamd.ScannerTooLarge:
        logger.warning("the virus scanner refused %r as too long for it (raise its StreamMaxLength)", name)
        raise Rejected(
            f"“{name}” is larger than the virus scanner accepts, so it cannot be checked for viruses and cannot "
            "be kept. Upload a smaller file, or ask your centre to raise the scanner's limit.",
            code="scan_too_large",
        ) from None
    except clamd.ScannerUnavailable as error:
        logger.error("virus scanner unavailable, upload of %r refused: %s", name, error)
        raise Rejected(
            f"“{name}” cannot be checked for viruses just now, so it has not been kept. "
            "Try again in a few minutes.",
            code="scan_unavailable",
        ) from None
    if found:
        logger.warning("virus %s found in an upload named %r; refused", found, name)
        raise Rejected(
            f"“{name}” contains a virus ({found}), so it cannot be used as evidence and nothing was kept. "
            "Check the computer or phone it came from with antivirus software.",
            code="virus",
        )
