"""Revision images as a front end makes them, for the revision-image tests: a look with a
generation's predictions, images of every source type, and "the same picture" compared on pixels
(exports re-encode, so bytes differ while the picture stays)."""

from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageDraw, ImageStat
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.shots_support import GenerationLook

# Lossy formats (JPEG, WebP, AVIF at the default quality) move a channel by a few levels on average.
SAME_PICTURE_TOLERANCE = 8.0


def two_tone(left: tuple[int, int, int], right: tuple[int, int, int], size: tuple[int, int] = (64, 96)) -> bytes:
    """A PNG whose halves differ, so a mirrored, cropped or swapped picture does not pass as it."""
    image = Image.new("RGB", size, left)
    ImageDraw.Draw(image).rectangle((size[0] // 2, 0, size[0], size[1]), fill=right)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def difference(first: bytes, second: bytes) -> float:
    """The largest per-channel mean difference of two pictures (infinite for different sizes)."""
    a, b = (Image.open(io.BytesIO(data)).convert("RGB") for data in (first, second))
    if a.size != b.size:
        return float("inf")
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def assert_same_picture(expected: bytes, found: bytes, where: str) -> None:
    gap = difference(expected, found)
    assert gap <= SAME_PICTURE_TOLERANCE, f"{where}: not the same picture (mean difference {gap:.1f})"


def relative(url: str) -> str:
    """A URL of this platform as a path under the clients' /api/v1 base."""
    parts = urlsplit(url)
    return parts.path.split("/api/v1", 1)[1] + (f"?{parts.query}" if parts.query else "")


async def fetch(anon: httpx.AsyncClient, url: str) -> bytes:
    """What a browser loads from ``url`` (no token): this platform's signed media, or elsewhere."""
    if "/api/v1/" in url:
        response = await anon.get(relative(url))
    else:
        async with httpx.AsyncClient() as outside:
            response = await outside.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return response.content


async def generated(look: GenerationLook, shot_name: str, predictions: int = 2) -> dict[str, Any]:
    """A completed generation of ``predictions`` images of the look's shot."""
    shot_id = look.shot(shot_name)["id"]
    started = await look.client.post(f"/shots/{shot_id}/generate", json={"num_predictions": predictions})
    assert started.status_code == 200, started.text
    [generation_id] = started.json()["generation_ids"]
    finished = await look.settled(shot_id, len(await look.generations(shot_id)))
    found = next(g for g in finished if g["id"] == generation_id)
    assert found["status"] == "COMPLETED", found
    return found


async def revise(client: httpx.AsyncClient, shot_id: str, images: list[dict[str, Any]], **body: Any) -> httpx.Response:
    return await client.post(
        f"/shots/{shot_id}/revision", json={"shot_status": body.pop("shot_status", "REVIEW"), "images": images, **body}
    )


async def detached_at(stack, media_id: str):  # type: ignore[no-untyped-def]
    """When the shots service detached the media resource (None: something still uses it)."""
    engine = create_async_engine(stack.wiring.database_urls["shots"], pool_size=1)
    try:
        async with engine.connect() as conn:
            query = sa.text("SELECT detached_at FROM media_objects WHERE id = :id")
            return (await conn.execute(query, {"id": uuid.UUID(media_id)})).scalar_one()
    finally:
        await engine.dispose()
