"""Scenario 4 (creating looks: 1 vs 1,000 in one request) and the board shootings of scenario 3.

The 1,000-look request is the one bench/workloads builds for tests/e2e/test_looks_bulk.py (50
products x 20 subjects x 3 shot types); its shooting then serves as the 1,000-look board. A single
look is created ``SINGLE_LOOKS`` times (each a distinct product and subject pair in one shooting,
after one untimed request) and its median is the reference the per-look cost is compared with.
Both are timed with the loads' own client, as the header the single look is compared with is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bench import driver
from bench.scenarios.context import Context
from bench.scenarios.http import board_path
from bench.stats import percentile
from bench.workloads import BulkBrief, add_revisions, build_bulk_brief, create_looks, looks_body, new_shooting

SINGLE_LOOKS = 20
# Board sizes: (products, subjects) taken from the bulk brief's catalog.
BOARDS = {10: (10, 1), 100: (50, 2)}


@dataclass
class Boards:
    """Shootings by number of looks, every shot with one revision."""

    shootings: dict[int, str] = field(default_factory=dict)
    shot_ids: dict[int, list[str]] = field(default_factory=dict)


def _shots(looks: list[dict[str, Any]]) -> list[str]:
    return [shot["id"] for look in looks for shot in look["shots"]]


async def seed_catalog(ctx: Context) -> BulkBrief:
    return await build_bulk_brief(ctx.client, products=50, subjects=20, shot_types=3)


async def create_boards(ctx: Context, brief: BulkBrief, boards: Boards) -> None:
    """The 10- and 100-look shootings, created through E8, each shot revised once."""
    for size, (products, subjects) in BOARDS.items():
        shooting = await new_shooting(ctx.client, f"Board {size}")
        looks = await create_looks(
            ctx.client, shooting, brief.product_ids[:products], brief.subject_ids[:subjects], brief.shot_type_ids
        )
        assert len(looks) == size, (size, len(looks))
        boards.shootings[size], boards.shot_ids[size] = shooting, _shots(looks)
    for size in BOARDS:
        await add_revisions(ctx.client, boards.shot_ids[size])


def _looks_body(product_ids: list[str], subject_ids: list[str], types: list[str]) -> bytes:
    return json.dumps(looks_body(product_ids, subject_ids, types)).encode()


async def _create(ctx: Context, shooting: str, bodies: list[bytes]) -> list[driver.Answer]:
    """Each body an E8 request through Envoy in turn, with the loads' own client: the header the
    single look is compared with is timed by it."""
    return await driver.one_after_another(ctx.public(f"/shootings/{shooting}/production-requests"), ctx.auth, bodies)


async def run(ctx: Context, brief: BulkBrief, boards: Boards) -> dict[str, Any]:
    """Time one look ``SINGLE_LOOKS`` times and 1,000 looks once; the 1,000 become a board."""
    types = brief.shot_type_ids
    singles = await new_shooting(ctx.client, "Single looks")
    pairs = [(brief.product_ids[-1], brief.subject_ids[-1])]  # a warm-up, left out
    pairs += [(brief.product_ids[i], brief.subject_ids[0]) for i in range(SINGLE_LOOKS)]
    answers = await _create(ctx, singles, [_looks_body([product], [subject], types) for product, subject in pairs])
    single_seconds = [answer.seconds for answer in answers[1:]]
    [bulk] = await _create(ctx, brief.shooting_id, [_looks_body(brief.product_ids, brief.subject_ids, types)])
    bulk_seconds, looks = bulk.seconds, json.loads(bulk.body)["production_requests"]
    assert len(looks) == brief.expected_looks, len(looks)
    boards.shootings[len(looks)], boards.shot_ids[len(looks)] = brief.shooting_id, _shots(looks)
    single_ms = percentile(single_seconds, 50) * 1000
    per_look_ms = bulk_seconds * 1000 / len(looks)
    print(
        f"  create 1 look: p50 {single_ms:.1f} ms; {len(looks)} looks: {bulk_seconds:.2f} s"
        f" = {per_look_ms:.2f} ms per look ({per_look_ms / single_ms:.1%} of one)",
        flush=True,
    )
    # The board reads one page: its looks get their revisions like the smaller boards' looks (3,000
    # revisions through the API would take minutes on a loaded 2-core machine and change nothing
    # the page shows).
    page = await ctx.client.get(board_path(brief.shooting_id))
    page.raise_for_status()
    await add_revisions(ctx.client, _shots(page.json()["data"]))
    return {
        "shot_types": len(types),
        "single_look_ms": [round(s * 1000, 2) for s in single_seconds],
        "single_look_p50_ms": round(single_ms, 2),
        "bulk_looks": len(looks),
        "bulk_seconds": round(bulk_seconds, 3),
        "per_look_ms": round(per_look_ms, 3),
    }
