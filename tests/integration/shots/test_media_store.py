"""The S3 media store against an S3-compatible server on loopback (moto), and the local store:
the same interface, native presigned URLs that a plain HTTP client can use."""

from __future__ import annotations

import httpx
import pytest

from platformkit.media import MediaSettings, open_store
from platformkit.media.fetch import FetchError, fetch_image

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_s3_store_round_trip_and_presigned_urls(s3_settings):
    store = open_store(s3_settings)
    await store.put("predictions/g/p.png", b"\x89PNG-bytes", "image/png")
    assert await store.get("predictions/g/p.png") == b"\x89PNG-bytes"
    assert (await store.head("predictions/g/p.png")).size == 10
    assert await store.get("missing.png") is None and await store.head("missing.png") is None
    upload = store.presigned_put("uploads/s/1/a.png", "image/png", 60)
    async with httpx.AsyncClient() as client:
        assert (await client.put(upload, content=b"abc", headers={"Content-Type": "image/png"})).status_code == 200
        read = await client.get(store.presigned_get("uploads/s/1/a.png", 60))
    assert read.status_code == 200 and read.content == b"abc"
    await store.delete("uploads/s/1/a.png")
    assert await store.head("uploads/s/1/a.png") is None


async def test_workers_fetch_media_data_urls_and_http_with_a_cap(tmp_path, s3_settings):
    settings = MediaSettings(media_root=tmp_path, media_fetch_max_bytes=8)
    store = open_store(settings)
    await store.put("uploads/x/1/a.png", b"12345", "image/png")
    assert await fetch_image("http://any-host/api/v1/media/uploads/x/1/a.png", settings, store) == b"12345"
    assert await fetch_image("data:image/png;base64,MTIz", settings, store) == b"123"
    s3 = open_store(s3_settings)
    await s3.put("big.png", b"x" * 64, "image/png")
    with pytest.raises(FetchError, match="larger"):
        await fetch_image(s3.presigned_get("big.png", 60), settings, store)
    with pytest.raises(FetchError):
        await fetch_image("ftp://example/a.png", settings, store)
    private = MediaSettings(media_root=tmp_path, outbound_public_only=True)
    with pytest.raises(FetchError, match="public addresses only"):
        await fetch_image("http://127.0.0.1:9/a.png", private, store)
