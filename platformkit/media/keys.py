"""Object keys, allowed image types and the canonical media URL.

Keys are ``<kind>/<scope>/<random id>/<sanitised filename>``: unguessable, never derived from
user input beyond a cleaned file name, and free of ``..`` or absolute parts so a local key
always stays inside the media folder.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from urllib.parse import unquote

from platformkit.urls import split_url

# Where the gateway serves media (uploads and reads); Envoy routes /api/v1 to the gateway.
MEDIA_PATH = "/api/v1/media/"
IMAGE_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/gif": "gif",
}
_EXTENSION_TYPES = {ext: ctype for ctype, ext in IMAGE_TYPES.items()} | {"jpeg": "image/jpeg"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
MAX_FILENAME = 100
# Where uploaded objects live (predictions live under predictions/).
UPLOADS = "uploads/"


def is_image_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in IMAGE_TYPES


def sanitise_filename(filename: str | None, content_type: str) -> str:
    """ASCII letters, digits, ``.``, ``_`` and ``-`` only, no leading dots, at most 100 characters,
    and an extension that matches the content type (what the object is served as)."""
    extension = IMAGE_TYPES[content_type.split(";")[0].strip().lower()]
    text = unicodedata.normalize("NFKD", filename or "").encode("ascii", "ignore").decode()
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", text.rsplit(".", 1)[0] if "." in text else text).strip(".-_") or "image"
    return f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"


def upload_key(scope: str, filename: str | None, content_type: str) -> str:
    return (
        f"{UPLOADS}{_UNSAFE.sub('-', scope) or 'misc'}/{uuid.uuid4().hex}/{sanitise_filename(filename, content_type)}"
    )


def prediction_key(generation_id: uuid.UUID, prediction_id: uuid.UUID, extension: str = "png") -> str:
    """Stable per prediction: rendering twice overwrites the same object instead of leaking one."""
    return f"predictions/{generation_id}/{prediction_id}.{extension}"


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key)) and ".." not in key.split("/") and len(key) <= 512


def content_type_of(key: str) -> str:
    return _EXTENSION_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def extension_of(key: str) -> str:
    return key.rsplit(".", 1)[-1].lower() if "." in key else ""


def key_from_url(url: str) -> str | None:
    """The object key when ``url`` is a canonical media URL of this platform (any host: the same
    object is named through Envoy, the gateway or PUBLIC_BASE_URL), else None."""
    if url.startswith("media:"):
        key = url[len("media:") :]
    elif (parts := split_url(url)) is not None and MEDIA_PATH in parts.path and parts.scheme in {"http", "https"}:
        key = unquote(parts.path.split(MEDIA_PATH, 1)[1])
    else:
        return None
    return key if is_valid_key(key) else None
