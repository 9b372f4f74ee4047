"""The QR code printed on a document: its verification page's address, as SVG markup the PDF
embeds inline (nothing is fetched)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str) -> SafeString:
    """Inline SVG of `url` (error correction M: it survives a crease or a smudge on paper). The
    address is Attest's own verification URL, made of characters segno escapes itself."""
    code = segno.make(url, error="m", micro=False)
    # Safe: segno writes the markup from the matrix; the URL is not part of it.
    return mark_safe(code.svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=False))  # noqa: S308
