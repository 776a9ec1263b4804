"""The kanban loop through the public API: create a look, generate, review, approve, export.

A :class:`Studio` is one user's small catalog wired for the whole loop: a FRONT shot type with a
subject base image (so generation has something to render), products mapped to an external
integration (so approved revisions can be pushed) and a shooting in PRODUCTION. Fault tests,
the worker table and the soak drive the platform with it; every wait polls with a deadline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.brief import DUE, post
from tests.e2e.shots_support import RENDER_SIZE, eventually, png_data_url

FINAL_PUSH_STATUSES = frozenset({"COMPLETED", "AWAITING_CONFIRMATION", "FAILED"})


@dataclass
class Studio:
    client: httpx.AsyncClient
    shot_type_id: str = ""
    subject_id: str = ""
    product_ids: list[str] = field(default_factory=list)
    integration_id: str = ""
    shooting_id: str = ""

    @classmethod
    async def open(
        cls, client: httpx.AsyncClient, endpoint_url: str, *, products: int = 1, product_name: str = "Dress"
    ) -> Studio:
        """Build the catalog; pushes of its products go to ``endpoint_url``."""
        studio = cls(client)
        shot_type = {"name": "front", "view_angle": "FRONT", "framing": "FULL_BODY"}
        studio.shot_type_id = (await post(client, "/shot-types/", shot_type))["id"]
        base = [{"shot_type_id": studio.shot_type_id, "image_url": png_data_url((200, 120, 90))}]
        subject = {"name": "Kanban", "gender": "FEMALE", "base_images": base}
        studio.subject_id = (await post(client, "/subjects/", subject))["id"]
        integration = {
            "name": "Shop",
            "integration_type": "webhook",
            "endpoint_url": endpoint_url,
            "secret": f"secret-{uuid.uuid4().hex}",
        }
        studio.integration_id = (await post(client, "/external-integrations/", integration))["id"]
        for n in range(products):
            tag = uuid.uuid4().hex[:8]
            body = {"name": f"{product_name} {n} {tag}", "sku": f"K-{tag}", "gender": "FEMALE"}
            product_id = (await post(client, "/products/", body))["id"]
            mapping = {"integration_id": studio.integration_id, "external_id": f"ext-{tag}"}
            await post(client, f"/products/{product_id}/external-mappings", mapping)
            studio.product_ids.append(product_id)
        studio.shooting_id = (await post(client, "/shootings/", {"name": "Kanban", "due_date": DUE}))["id"]
        return studio

    async def new_look(self, product_id: str | None = None, *, generate_outfit: bool = False) -> dict[str, Any]:
        """One look (one FRONT shot) of ``product_id`` (the first product by default); with
        ``generate_outfit`` the outfits context styles a proposal for it."""
        created = await post(
            self.client,
            f"/shootings/{self.shooting_id}/production-requests",
            {
                "product_ids": [product_id or self.product_ids[0]],
                "subject_ids": [self.subject_id],
                "shot_type_ids": [self.shot_type_id],
                "readiness": "READY",
                "generate_outfit": generate_outfit,
                "default_width": RENDER_SIZE[0],
                "default_height": RENDER_SIZE[1],
            },
        )
        return dict(created["production_requests"][0])

    async def generate(self, shot_id: str) -> str:
        """Start one generation of the shot; returns its id."""
        answer = await post(self.client, f"/shots/{shot_id}/generate", {"num_predictions": 1})
        return str(answer["generation_ids"][0])

    async def shot(self, shot_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/shots/{shot_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def proposed(self, shot_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The shot once a generation gave it a current revision."""

        async def ready() -> dict[str, Any] | None:
            shot = await self.shot(shot_id)
            return shot if shot["current_revision_id"] else None

        return await eventually(ready, f"a generated revision of shot {shot_id}", timeout)

    async def look(self, look_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/shootings/production-requests/{look_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def approve(self, shot_id: str) -> dict[str, Any]:
        return await post(self.client, f"/shots/{shot_id}/approve", {})

    async def export(self, revision_id: str) -> dict[str, Any]:
        return await post(self.client, f"/shots/revisions/{revision_id}/export", {})

    async def pushes(self, shot_id: str) -> list[dict[str, Any]]:
        """The push records of the shot's current revision."""
        shot = await self.shot(shot_id)
        current = next(r for r in shot["revisions"] if r["id"] == shot["current_revision_id"])
        return list(current["push_records"])

    async def settled_push(self, shot_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The current revision's only push once it reached a final status."""

        async def settled() -> dict[str, Any] | None:
            found = await self.pushes(shot_id)
            return found[0] if len(found) == 1 and found[0]["push_status"] in FINAL_PUSH_STATUSES else None

        return await eventually(settled, f"the push of shot {shot_id} to settle", timeout)

    async def approved_and_exported(self, shot_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for the generated revision, approve it and export it; returns the export answer."""
        shot = await self.proposed(shot_id, timeout)
        await self.approve(shot_id)
        return await self.export(shot["current_revision_id"])
