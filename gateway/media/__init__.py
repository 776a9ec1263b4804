"""Media at the edge: signed upload and read URLs, and the URLs public models carry.

The gateway serves the local backend's objects itself (``PUT``/``GET /api/v1/media/<key>``,
authorised by an HMAC signature, no bearer token) and hands out the S3 backend's native
presigned URLs. URLs are absolute: ``PUBLIC_BASE_URL`` when set, else the request's own scheme
and host, so a URL handed out through Envoy leads back through Envoy.

Public models build media URLs through :func:`media_url`. Every ``/api/v1`` HTTP operation binds
the request's base URL for the rest of the request (:func:`bind_media`, in the router dependency
``gateway.app`` gives every router); routes that use the :class:`Media` itself declare
:data:`MediaDep`. Outside a request URLs start with ``PUBLIC_BASE_URL`` or are path-absolute.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request

from platformkit.media import MediaSettings, MediaStore, open_store
from platformkit.media.keys import MEDIA_PATH
from platformkit.media.signing import signature


@dataclass(frozen=True)
class Media:
    """The process's media settings and store, and the base URL of the request being served."""

    settings: MediaSettings
    store: MediaStore
    base_url: str = ""

    @property
    def secret(self) -> bytes:
        return self.settings.signing_key()

    def canonical_url(self, key: str) -> str:
        """The stable name of an object (what revision images store): no expiry, no signature."""
        return f"{self.base_url}{MEDIA_PATH}{quote(key)}"

    def _signed(self, method: str, key: str, ttl: int, content_type: str = "") -> tuple[str, int]:
        expires = int(time.time()) + ttl
        query = {"expires": expires, "signature": signature(self.secret, method, key, expires, content_type)}
        return f"{self.canonical_url(key)}?{urlencode(query)}", expires

    def read_url(self, key: str) -> str:
        """A URL a browser can load: native presigned, public, or signed by the gateway."""
        native = self.store.presigned_get(key, self.settings.media_read_ttl_seconds)
        if native is not None:
            return native
        if self.settings.media_public_reads:
            return self.canonical_url(key)
        return self._signed("GET", key, self.settings.media_read_ttl_seconds)[0]

    def upload(self, key: str, content_type: str) -> dict[str, Any]:
        """E44's answer: where to PUT the bytes (no bearer token) and the URL to name afterwards."""
        ttl = self.settings.media_upload_ttl_seconds
        native = self.store.presigned_put(key, content_type, ttl)
        if native is not None:
            upload_url, expires = native, int(time.time()) + ttl
        else:
            upload_url, expires = self._signed("PUT", key, ttl, content_type)
        return {
            "upload_url": upload_url,
            "image_url": self.canonical_url(key),
            "method": "PUT",
            "headers": {"Content-Type": content_type},
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
            "max_bytes": self.settings.media_max_bytes,
            "key": key,
        }


@cache
def _process_media() -> Media:
    """Built once per process from the environment (``MEDIA_*``, ``STATE_DIR``, ``SECRET_KEY``)."""
    settings = MediaSettings()
    return Media(settings, open_store(settings))


_current: contextvars.ContextVar[Media | None] = contextvars.ContextVar("media", default=None)


def base_url_of(request: Request, settings: MediaSettings) -> str:
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    # The scope's scheme and Host header, as request.url would give them without building it.
    return f"{request.scope.get('scheme', 'http')}://{request.headers.get('host') or request.url.netloc}"


def bind_media(request: Request) -> Media:
    """Binds the request's base URL for the rest of the request (the context variable
    :func:`media_url` reads)."""
    base = _process_media()
    media = Media(base.settings, base.store, base_url_of(request, base.settings))
    _current.set(media)
    return media


async def get_media(request: Request) -> Media:
    """Async on purpose: FastAPI runs sync dependencies in a thread, whose context variables
    the endpoint and the response serialisation would never see."""
    return bind_media(request)


MediaDep = Annotated[Media, Depends(get_media)]


def current_media() -> Media:
    media = _current.get()
    if media is not None:
        return media
    base = _process_media()
    return Media(base.settings, base.store, (base.settings.public_base_url or "").rstrip("/"))


def media_url(key: str | None) -> str | None:
    """A browser URL of ``key`` for the request being served (None for no key)."""
    return current_media().read_url(key) if key else None
