"""A look ready for generation, built through the public API: shot types of every view (one
without a base image), a subject with base images as `data:` URLs, a product with a cover, a
shooting in PRODUCTION; plus polling helpers (a deadline, never a bare sleep in an assertion)."""

from __future__ import annotations

import asyncio
import base64
import io
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from PIL import Image

from tests.e2e.brief import DUE, post

T = TypeVar("T")
RENDER_SIZE = (128, 192)


def png_data_url(color: tuple[int, int, int], size: tuple[int, int] = (48, 72)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 30.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class GenerationLook:
    client: httpx.AsyncClient
    shooting: dict[str, Any] = field(default_factory=dict)
    look: dict[str, Any] = field(default_factory=dict)
    shot_types: dict[str, str] = field(default_factory=dict)

    def shot(self, shot_type: str) -> dict[str, Any]:
        return next(s for s in self.look["shots"] if s["shot_type"]["id"] == self.shot_types[shot_type])

    async def build(self, organization_id: str | None = None) -> GenerationLook:
        scope = {"organization_id": organization_id} if organization_id else {}
        for name, view, framing in (
            ("front", "FRONT", "FULL_BODY"),
            ("back", "BACK", "FULL_BODY"),
            ("detail", "FRONT", "DETAIL"),
            ("side", "SIDE", "UPPER_BODY"),  # the subject has no base image for it
        ):
            body = {"name": name, "view_angle": view, "framing": framing, **scope}
            self.shot_types[name] = (await post(self.client, "/shot-types/", body))["id"]
        base_images = [
            {"shot_type_id": self.shot_types[name], "image_url": png_data_url(color)}
            for name, color in (("front", (200, 120, 90)), ("back", (90, 120, 200)), ("detail", (120, 200, 90)))
        ]
        subject = await post(
            self.client, "/subjects/", {"name": "Gen", "gender": "FEMALE", "base_images": base_images, **scope}
        )
        tag = uuid.uuid4().hex[:6]
        product = await post(
            self.client,
            "/products/",
            {
                "name": f"Coat {tag}",
                "sku": f"GEN-{tag}",
                "gender": "FEMALE",
                "cover_image_url": png_data_url((20, 20, 160)),
                **scope,
            },
        )
        self.shooting = await post(self.client, "/shootings/", {"name": "Generation", "due_date": DUE, **scope})
        created = await post(
            self.client,
            f"/shootings/{self.shooting['id']}/production-requests",
            {
                "product_ids": [product["id"]],
                "subject_ids": [subject["id"]],
                "shot_type_ids": list(self.shot_types.values()),
                # Small renders keep the suite fast; the worker takes the look's size.
                "default_width": RENDER_SIZE[0],
                "default_height": RENDER_SIZE[1],
            },
        )
        self.look = created["production_requests"][0]
        return self

    async def generations(self, shot_id: str) -> list[dict[str, Any]]:
        response = await self.client.get("/generations/", params={"shot_id": shot_id})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def settled(self, shot_id: str, expected: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """The shot's generations once ``expected`` of them are COMPLETED or FAILED."""

        async def done() -> list[dict[str, Any]] | None:
            found = await self.generations(shot_id)
            finished = [g for g in found if g["status"] in ("COMPLETED", "FAILED")]
            return found if len(finished) == expected else None

        return await eventually(done, f"{expected} finished generations of shot {shot_id}", timeout)
