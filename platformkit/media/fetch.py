"""Reading an image a worker needs, wherever it is referenced from.

- ``data:`` URLs (the demo brief uses them): decoded in place.
- This platform's media URLs (``.../api/v1/media/<key>``, ``media:<key>``): read from the store
  directly, never through the public edge (no signature needed, no round trip).
- ``http(s)``: fetched with a timeout and a size cap (streamed, so a huge body is cut off
  without being held); with ``OUTBOUND_PUBLIC_ONLY`` loopback and private hosts are refused.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import socket
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from platformkit.media.keys import key_from_url
from platformkit.media.settings import MediaSettings
from platformkit.media.store import MediaStore


class FetchError(Exception):
    """The image cannot be had (bad URL, refused host, too large, timeout, HTTP error)."""


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


async def _refuse_private(host: str) -> None:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError(f"outbound fetches to {address} are not allowed")


async def ensure_public_host(host: str) -> None:
    """Raise :class:`FetchError` unless every address ``host`` resolves to is public (what
    ``OUTBOUND_PUBLIC_ONLY`` demands of any outbound call: fetches and export pushes alike)."""
    await _refuse_private(host)


async def _http(url: str, settings: MediaSettings, max_bytes: int) -> bytes:
    host = urlsplit(url).hostname
    if not host:
        raise FetchError("URL without a host")
    if settings.outbound_public_only:
        await _refuse_private(host)
    timeout = httpx.Timeout(settings.media_fetch_timeout_seconds)
    try:
        # A redirect could lead to a private host the check above never saw: not followed then.
        follow = not settings.outbound_public_only
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=follow) as client,
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
    if urlsplit(url).scheme in {"http", "https"}:
        return await _http(url, settings, max_bytes)
    raise FetchError(f"unsupported image URL scheme in {url[:40]!r}")
