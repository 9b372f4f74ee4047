"""Real files for the demo portfolios, made on the spot: a photo, a PDF and a short recording."""

from __future__ import annotations

import io
import math
import struct
import wave


def demo_image(caption: str) -> bytes:
    """A JPEG of a whiteboard-style note, drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (244, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 920, 600), outline=(11, 83, 148), width=8)
    draw.text((80, 90), caption, fill=(27, 31, 36))
    for i, y in enumerate(range(170, 560, 55)):
        draw.line((80, y, 880 - 60 * (i % 3), y), fill=(120, 130, 140), width=4)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def demo_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A one-page PDF work product, rendered by WeasyPrint."""
    from django.utils.html import escape
    from weasyprint import HTML

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = f"<html><body style='font-family: sans-serif'><h1>{escape(title)}</h1>{body}</body></html>"
    return HTML(string=html).write_pdf()


def demo_audio(seconds: float = 2.0, rate: int = 16000) -> bytes:
    """A short WAV recording (a rising tone), as a phone's voice memo would be."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for n in range(int(seconds * rate)):
            freq = 330 + 220 * n / (seconds * rate)
            frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * n / rate)))
        w.writeframes(bytes(frames))
    return out.getvalue()
