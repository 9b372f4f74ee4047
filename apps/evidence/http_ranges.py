"""HTTP details of serving a file: the byte range asked for, and the name it is saved under.

Pure Python (no Django), used by the download views.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (first, last) inclusive; None to send the whole file.

    Malformed or multi-part ranges are ignored (the whole file is sent, as HTTP allows);
    a range that starts past the end, or an empty suffix, cannot be satisfied.
    """
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(last) if last else size - 1, size - 1)


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: a plain ASCII fallback name for old clients and the exact name in filename*."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback).strip() or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
