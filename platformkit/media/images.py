"""What kind of image a byte string holds, read from its content (never from a name)."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

# Pillow's format names of the image types media accept (platformkit.media.keys.IMAGE_TYPES).
_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "GIF": "image/gif",
}


def image_content_type(data: bytes) -> str | None:
    """The content type of an image media accept, or None for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _CONTENT_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
