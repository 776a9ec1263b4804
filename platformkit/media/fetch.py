"""Reading an image a worker needs, wherever it is referenced from.

- ``data:`` URLs (the demo brief uses them): decoded in place.
- This platform's media URLs (``.../api/v1/media/<key>``, ``media:<key>``): read from the store
  directly, never through the public edge (no signature needed, no round trip).
- ``http(s)``: fetched with a timeout and a size cap (streamed, so a huge body is cut off
  without being held), following up to five redirects; when public-only (production's default,
  :attr:`MediaSettings.public_only`) every connection, redirects included, goes to a checked
  public address (:mod:`platformkit.outbound`).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_to_bytes

import httpx

from platformkit import outbound
from platformkit.media.keys import key_from_url
from platformkit.media.settings import MediaSettings
from platformkit.media.store import MediaStore
from platformkit.urls import split_url


class FetchError(Exception):
    """The image cannot be had (bad URL, refused host, too large, timeout, HTTP error).
    ``refused``: the URL points at a non-public address while public-only; trying again or
    elsewhere cannot help, so callers fail at once with the reason."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


def _data_url(url: str, max_bytes: int) -> bytes:
    header, _, payload = url[len("data:") :].partition(",")
    if not _:
        raise FetchError("malformed data: URL")
    try:
        data = base64.b64decode(payload, validate=False) if header.endswith(";base64") else unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise FetchError(f"malformed data: URL ({exc})") from None
    if len(data) > max_bytes:
        raise FetchError(f"image larger than {max_bytes} bytes")
    return data


async def _http(url: str, settings: MediaSettings, max_bytes: int) -> bytes:
    timeout = httpx.Timeout(settings.media_fetch_timeout_seconds)
    try:
        async with (
            outbound.client(public_only=settings.public_only, timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise FetchError(f"GET {url}: HTTP {response.status_code}")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"image larger than {max_bytes} bytes")
                chunks.append(chunk)
    except outbound.OutboundRefused as exc:
        raise FetchError(f"GET {url} refused: {exc}", refused=True) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"GET {url}: {type(exc).__name__}: {exc}") from None
    return b"".join(chunks)


async def fetch_image(url: str, settings: MediaSettings, store: MediaStore) -> bytes:
    """The bytes ``url`` names; raises :class:`FetchError` when they cannot be had."""
    max_bytes = settings.media_fetch_max_bytes
    if url.startswith("data:"):
        return _data_url(url, max_bytes)
    key = key_from_url(url)
    if key is not None:
        data = await store.get(key)
        if data is None:
            raise FetchError(f"media {key} not found")
        return data
    parts = split_url(url)
    if parts is not None and parts.scheme in {"http", "https"}:
        if not parts.hostname:
            raise FetchError("URL without a host")
        return await _http(url, settings, max_bytes)
    raise FetchError(f"unsupported image URL scheme in {url[:40]!r}")
