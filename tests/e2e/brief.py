"""A small brief built through the public API for look tests: shot types (front, back, detail),
subjects of each gender, products of each gender, and shootings in PRODUCTION (MAIN exists)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

DUE = "2027-01-15T10:00:00Z"


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = await client.post(path, json=body, params=params or None)
    assert response.status_code == 200, f"POST {path}: {response.status_code} {response.text}"
    return response.json()


@dataclass
class Brief:
    client: httpx.AsyncClient
    organization_id: str | None = None
    shot_types: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)

    @property
    def scope(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id} if self.organization_id else {}

    async def build(self) -> Brief:
        for name, view, framing in (
            ("front", "FRONT", "FULL_BODY"),
            ("back", "BACK", "FULL_BODY"),
            ("detail", "FRONT", "DETAIL"),
        ):
            self.shot_types[name] = (
                await post(
                    self.client, "/shot-types/", {"name": name, "view_angle": view, "framing": framing, **self.scope}
                )
            )["id"]
        for name, gender in (("anna", "FEMALE"), ("bea", "FEMALE"), ("carl", "MALE"), ("omi", "OTHER")):
            self.subjects[name] = (
                await post(self.client, "/subjects/", {"name": name, "gender": gender, **self.scope})
            )["id"]
        tag = uuid.uuid4().hex[:6]
        for name, gender, product_type in (
            ("dress", "FEMALE", "dress"),
            ("shirt", "MALE", "shirt"),
            ("scarf", "UNISEX", "scarf"),
            ("tee", "UNISEX", "t-shirt"),
        ):
            body = {
                "name": f"{name.title()} {tag}",
                "sku": f"SKU-{name}-{tag}",
                "gender": gender,
                "product_type": product_type,
            }
            self.products[name] = (await post(self.client, "/products/", {**body, **self.scope}))["id"]
        return self

    async def shooting(self, **fields: Any) -> dict[str, Any]:
        return await post(self.client, "/shootings/", {"name": "Looks", "due_date": DUE, **self.scope, **fields})

    async def looks(self, shooting_id: str, expect: int = 200, **body: Any) -> httpx.Response:
        response = await self.client.post(f"/shootings/{shooting_id}/production-requests", json=body)
        assert response.status_code == expect, response.text
        return response


async def templates_across_organizations(client: httpx.AsyncClient) -> tuple[Brief, str, str]:
    """A brief in one of the caller's two organizations, with a generative workflow template of
    that organization and one of the other: usable and unusable in its shootings (R27, R72, R98)."""
    first = await post(client, "/organizations/", {"name": "First"})
    second = await post(client, "/organizations/", {"name": "Second"})
    brief = await Brief(client, organization_id=first["id"]).build()
    own = await post(client, "/generative-workflow-templates/", {"name": "T", "organization_id": first["id"]})
    foreign = await post(client, "/generative-workflow-templates/", {"name": "T", "organization_id": second["id"]})
    return brief, own["id"], foreign["id"]
