"""Thumbnails of evidence images: a small JPEG beside the original, made in the background."""

from __future__ import annotations

import io
import logging

from django.core.files import File
from django.core.files.storage import default_storage

from .models import StoredFile
from .storage import discard

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_MAX_PIXELS = 60_000_000  # decoded whole (not a JPEG): about 180 MB in the worker at most


def thumbnail_make(*, stored_file_id: int) -> str | None:
    """Make a small JPEG of an image and remember its key. Idempotent; None when it cannot be made."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    stored = StoredFile.objects.filter(pk=stored_file_id, kind=StoredFile.Kind.IMAGE).first()
    if stored is None:
        return None
    storage = default_storage
    if stored.thumbnail_key and storage.exists(stored.thumbnail_key):
        return stored.thumbnail_key
    try:
        with storage.open(stored.key, "rb") as source, Image.open(source) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEGs decode straight at a reduced scale
            if image.format != "JPEG" and image.width * image.height > THUMBNAIL_MAX_PIXELS:
                logger.info("no thumbnail for stored file %s: %sx%s is too big to decode", stored.pk, *image.size)
                return None
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        # HEIC needs a decoder Pillow lacks; a damaged image has no thumbnail either: pages show the name.
        logger.info("no thumbnail for stored file %s", stored.pk)
        return None
    buffer.seek(0)
    key = storage.save(f"{stored.key}-thumbnail.jpg", File(buffer))
    # Another worker may have finished first: keep theirs and drop ours.
    if StoredFile.objects.filter(pk=stored.pk, thumbnail_key=stored.thumbnail_key).update(thumbnail_key=key) == 0:
        discard(storage, key)
        return StoredFile.objects.values_list("thumbnail_key", flat=True).get(pk=stored.pk)
    return key
