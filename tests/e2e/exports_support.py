"""What the exports end-to-end tests build through the public API: a shooting with shot types and
a subject, looks of fresh products (so each test maps its own product), approved revisions with
an uploaded image, integrations and mappings; and reads of a revision's push records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.brief import DUE, post
from tests.e2e.shots_support import eventually, png_data_url

SECRET = "e2e-receiver-secret-0123456789"


@dataclass
class ExportBrief:
    client: httpx.AsyncClient
    shot_types: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    shooting: str = ""

    async def build(self) -> ExportBrief:
        for name, view in (("front", "FRONT"), ("detail", "FRONT")):
            body = {"name": name, "view_angle": view, "framing": "FULL_BODY", "file_naming_convention": name[:2]}
            self.shot_types[name] = (await post(self.client, "/shot-types/", body))["id"]
        self.subject = (await post(self.client, "/subjects/", {"name": "Ada", "gender": "FEMALE"}))["id"]
        self.shooting = (await post(self.client, "/shootings/", {"name": "Exports", "due_date": DUE}))["id"]
        return self

    async def look(self, **extra: Any) -> dict[str, Any]:
        """A look of a new product (SKU ``EXP-<tag>``) with a front and a detail shot."""
        tag = uuid.uuid4().hex[:6].upper()
        product = await post(self.client, "/products/", {"name": f"Coat {tag}", "sku": f"EXP-{tag}"})
        created = await post(
            self.client,
            f"/shootings/{self.shooting}/production-requests",
            {
                "product_ids": [product["id"]],
                "subject_ids": [self.subject],
                "shot_type_ids": [self.shot_types["front"], self.shot_types["detail"]],
                **extra,
            },
        )
        return created["production_requests"][0]

    def shot(self, look: dict[str, Any], name: str) -> str:
        return next(s["id"] for s in look["shots"] if s["shot_type"]["id"] == self.shot_types[name])


async def revision(
    client: httpx.AsyncClient, shot_id: str, status: str = "APPROVED", *, image: bool = True
) -> dict[str, Any]:
    images = [{"source_type": "UPLOAD", "image_data": png_data_url((30, 140, 90), (64, 96))}] if image else []
    return await post(client, f"/shots/{shot_id}/revision", {"shot_status": status, "images": images})


async def integration(client: httpx.AsyncClient, endpoint: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "Shop", "integration_type": "webhook", "endpoint_url": endpoint, "secret": SECRET, **extra}
    return await post(client, "/external-integrations/", body)


async def mapped(client: httpx.AsyncClient, product_id: str, endpoint: str, external_id: str = "EXT-1") -> str:
    """An integration sending to ``endpoint``, mapped from the product; returns its id."""
    created = await integration(client, endpoint)
    await post(
        client,
        f"/products/{product_id}/external-mappings",
        {"integration_id": created["id"], "external_id": external_id},
    )
    return str(created["id"])


async def pushes_of(client: httpx.AsyncClient, revision_id: str) -> dict[str, Any]:
    response = await client.get(f"/shots/revisions/{revision_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def settled(client: httpx.AsyncClient, revision_id: str, count: int, timeout: float = 60.0) -> dict[str, Any]:
    """The revision once ``count`` of its pushes left PENDING and IN_PROGRESS."""

    async def probe() -> dict[str, Any] | None:
        found = await pushes_of(client, revision_id)
        done = [p for p in found["push_records"] if p["push_status"] not in ("PENDING", "IN_PROGRESS")]
        return found if len(done) == count else None

    return await eventually(probe, f"{count} settled pushes of revision {revision_id}", timeout)
