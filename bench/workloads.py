"""Workloads built through the public API: the benchmarks time them, the end-to-end tests run
them untimed and check what they produce, so a benchmark always measures a tested path."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

DUE = "2027-01-15T10:00:00Z"
# Catalog writes in flight at once while a brief is built (a few connections, not a stampede).
_PARALLEL_WRITES = 8


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    response = await client.post(path, json=body)
    response.raise_for_status()
    return str(response.json()["id"])


async def _post_all(client: httpx.AsyncClient, path: str | list[str], bodies: list[dict[str, Any]]) -> list[str]:
    """POST each body (to one path, or to the path of the same index) a few at a time."""
    gate = asyncio.Semaphore(_PARALLEL_WRITES)
    paths = [path] * len(bodies) if isinstance(path, str) else path

    async def one(target: str, body: dict[str, Any]) -> str:
        async with gate:
            return await _post(client, target, body)

    return list(await asyncio.gather(*(one(p, b) for p, b in zip(paths, bodies, strict=True))))


@dataclass(frozen=True)
class BulkBrief:
    """A shooting in PRODUCTION and a catalog whose every product pairs with every subject."""

    shooting_id: str
    product_ids: list[str]
    subject_ids: list[str]
    shot_type_ids: list[str]

    @property
    def expected_looks(self) -> int:
        return len(self.product_ids) * len(self.subject_ids)

    @property
    def expected_shots(self) -> int:
        return self.expected_looks * len(self.shot_type_ids)

    def creation_body(self) -> dict[str, Any]:
        """E8 for the whole matrix: UNISEX products pair with every subject (R65)."""
        return {"product_ids": self.product_ids, "subject_ids": self.subject_ids, "shot_type_ids": self.shot_type_ids}


async def build_bulk_brief(
    client: httpx.AsyncClient, *, products: int = 50, subjects: int = 20, shot_types: int = 3
) -> BulkBrief:
    tag = uuid.uuid4().hex[:6]
    views = ("FRONT", "BACK", "SIDE")
    shot_type_ids = await _post_all(
        client,
        "/shot-types/",
        [{"name": f"view {i}", "view_angle": views[i % 3], "framing": "FULL_BODY"} for i in range(shot_types)],
    )
    subject_ids = await _post_all(
        client,
        "/subjects/",
        [{"name": f"subject {i}", "gender": ("FEMALE", "MALE", "OTHER")[i % 3]} for i in range(subjects)],
    )
    product_ids = await _post_all(
        client,
        "/products/",
        [{"name": f"Product {i} {tag}", "sku": f"BULK-{tag}-{i}", "gender": "UNISEX"} for i in range(products)],
    )
    shooting_id = await _post(client, "/shootings/", {"name": f"Bulk {tag}", "due_date": DUE})
    return BulkBrief(shooting_id, product_ids, subject_ids, shot_type_ids)


async def new_shooting(client: httpx.AsyncClient, name: str) -> str:
    """An empty shooting in PRODUCTION (the default phase), its MAIN production created."""
    return await _post(client, "/shootings/", {"name": name, "due_date": DUE})


def looks_body(product_ids: list[str], subject_ids: list[str], shot_type_ids: list[str]) -> dict[str, Any]:
    """E8's request: one look per product and subject, one PENDING shot per shot type."""
    return {"product_ids": product_ids, "subject_ids": subject_ids, "shot_type_ids": shot_type_ids}


async def create_looks(
    client: httpx.AsyncClient,
    shooting_id: str,
    product_ids: list[str],
    subject_ids: list[str],
    shot_type_ids: list[str],
) -> list[dict[str, Any]]:
    """E8 (:func:`looks_body`); the looks created."""
    body = looks_body(product_ids, subject_ids, shot_type_ids)
    response = await client.post(f"/shootings/{shooting_id}/production-requests", json=body)
    response.raise_for_status()
    return list(response.json()["production_requests"])


def revision_body(status: str) -> dict[str, Any]:
    """A revision with one image (uploaded elsewhere, named by its URL) that moves its shot to
    ``status``; a prediction id would have to name a real prediction of the shot."""
    return {
        "shot_status": status,
        "images": [{"source_type": "UPLOAD", "image_url": "https://images.example.com/b.png"}],
    }


async def add_revisions(client: httpx.AsyncClient, shot_ids: list[str], status: str = "PROPOSAL") -> list[str]:
    """One revision on each shot (a few requests in flight at once); the revisions' ids."""
    paths = [f"/shots/{shot_id}/revision" for shot_id in shot_ids]
    return await _post_all(client, paths, [revision_body(status) for _ in shot_ids])
