"""Where media bytes live: a local folder (default) or an S3-compatible bucket.

Both stores offer the same small interface; only S3 can hand out URLs of its own (native
presigned PUT/GET), the local folder's URLs are served and verified by the gateway
(:mod:`platformkit.media.signing`). Calls are async; blocking I/O runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from platformkit.media.keys import content_type_of, is_valid_key
from platformkit.media.settings import MediaSettings


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str


class MediaStore(Protocol):
    """What the gateway and the workers need of a media backend."""

    async def put(self, key: str, data: bytes, content_type: str) -> ObjectInfo: ...

    async def get(self, key: str) -> bytes | None: ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def delete(self, key: str) -> None: ...

    def presigned_put(self, key: str, content_type: str, ttl_seconds: int) -> str | None:
        """A native upload URL, or None when the gateway serves uploads itself."""
        ...

    def presigned_get(self, key: str, ttl_seconds: int) -> str | None:
        """A native read URL, or None when the gateway serves reads itself."""
        ...


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalMediaStore:
    """Files under ``root``; the key is the relative path (validated, so never outside root)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"invalid media key {key!r}")
        return self.root / key

    def _write(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file, a crash leaves only a temp file.
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    async def put(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        await asyncio.to_thread(self._write, key, data)
        return ObjectInfo(key, len(data), content_type)

    async def get(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            size = self.path(key).stat().st_size
        except FileNotFoundError:
            return None
        return ObjectInfo(key, size, content_type_of(key))

    def _remove(self, key: str) -> None:
        """The file, then its folders while they are empty (keys nest a folder per upload)."""
        path = self.path(key)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        root = self.root.resolve()
        folder = path.parent.resolve()
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone with a concurrent delete): stop here
                break
            folder = folder.parent

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._remove, key)

    def presigned_put(self, key: str, content_type: str, ttl_seconds: int) -> str | None:
        return None

    def presigned_get(self, key: str, ttl_seconds: int) -> str | None:
        return None


def open_store(settings: MediaSettings) -> MediaStore:
    """The store ``MEDIA_BACKEND`` names."""
    if settings.media_backend == "s3":
        from platformkit.media.s3 import S3MediaStore

        return S3MediaStore.from_settings(settings)
    return LocalMediaStore(settings.root)
