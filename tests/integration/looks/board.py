"""Building kanban boards through the in-process gateway: a shooting whose looks are the
products x subjects matrix (UNISEX products pair with every subject), and polling helpers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from tests.e2e.brief import DUE, post

T = TypeVar("T")


@dataclass
class Board:
    shooting_id: str
    looks: list[dict[str, Any]]
    shot_types: list[str]
    products: list[str] = field(default_factory=list)


async def catalog_entries(http: httpx.AsyncClient, path: str, count: int, **fields: Any) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [(await post(http, path, {"name": f"{path.strip('/')} {i} {tag}", **fields}))["id"] for i in range(count)]


async def board(
    http: httpx.AsyncClient, *, products: int, subjects: int, shot_types: int = 2, **look_fields: Any
) -> Board:
    """A shooting (PRODUCTION: MAIN exists) with ``products x subjects`` looks, each with one shot
    per shot type, the guidelines' pose preset and set design baked in."""
    type_ids = [
        (await post(http, "/shot-types/", {"name": f"type {i}", "view_angle": "FRONT", "framing": "FULL_BODY"}))["id"]
        for i in range(shot_types)
    ]
    pose = await post(http, "/pose-presets/", {"name": "Walk", "shot_type_id": type_ids[0]})
    design = await post(http, "/set-designs/", {"name": "Loft"})
    tag = uuid.uuid4().hex[:6]
    product_ids = [
        (await post(http, "/products/", {"name": f"Tee {i} {tag}", "sku": f"T-{i}-{tag}", "gender": "UNISEX"}))["id"]
        for i in range(products)
    ]
    subject_ids = await catalog_entries(http, "/subjects/", subjects, gender="FEMALE")
    shooting = await post(
        http,
        "/shootings/",
        {
            "name": "Board",
            "due_date": DUE,
            "default_guidelines": {"name": "G", "pose_preset_ids": [pose["id"]], "set_design_id": design["id"]},
        },
    )
    created = await post(
        http,
        f"/shootings/{shooting['id']}/production-requests",
        {"product_ids": product_ids, "subject_ids": subject_ids, "shot_type_ids": type_ids, **look_fields},
    )
    return Board(shooting["id"], created["production_requests"], type_ids, product_ids)


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], *, within: float = 20.0, every: float = 0.05
) -> tuple[T, float]:
    """Call ``probe`` until ``accept`` holds for its answer; that answer and the seconds it took.
    Fails with the last answer when ``within`` seconds pass first."""
    began = time.monotonic()
    while True:
        answer = await probe()
        if accept(answer):
            return answer, time.monotonic() - began
        assert time.monotonic() - began < within, f"not reached within {within}s; last answer: {answer!r}"
        await asyncio.sleep(every)
