"""Outfits through the in-process gateway, the shootings and outfits services and a styling worker
(the `llm` stylist against a local fake): E8 styling (R67, R114, R91), E18 (R108-R110), E19
(R111-R113), E15 (R105-R107), R94 composition and the /outfits/ overview endpoints."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from platformkit.event_types import EventType
from services.outfits import events as outfit_events
from services.outfits import repository as outfits_repo
from tests.e2e.brief import DUE, post
from tests.integration.looks.board import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
PASSWORD = "outfit-password-123"


async def product(platform, name: str, **fields: Any) -> str:
    tag = uuid.uuid4().hex[:6]
    body = {"name": f"{name} {tag}", "gender": "UNISEX", **fields}
    return (await post(platform.http, "/products/", body))["id"]


async def looks(
    platform, product_ids: list[str], shooting_id: str | None = None, **body: Any
) -> tuple[str, list[dict[str, Any]]]:
    """One look per product (one FEMALE subject) in ``shooting_id``, else a new personal shooting
    of the admin."""
    if shooting_id is None:
        shooting_id = (await post(platform.http, "/shootings/", {"name": "Outfits", "due_date": DUE}))["id"]
    subject = await post(platform.http, "/subjects/", {"name": "Ada", "gender": "FEMALE"})
    created = await post(
        platform.http,
        f"/shootings/{shooting_id}/production-requests",
        {"product_ids": product_ids, "subject_ids": [subject["id"]], **body},
    )
    return shooting_id, sorted(created["production_requests"], key=lambda look: product_ids.index(look["product_id"]))


async def get_look(platform, look_id: str, **kwargs: Any) -> dict[str, Any]:
    response = await platform.http.get(f"/shootings/production-requests/{look_id}", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def styled(platform, look_id: str, status: str) -> dict[str, Any]:
    """The look once its one proposal has reached ``status``."""
    look, _ = await eventually(
        lambda: get_look(platform, look_id),
        lambda look: [p["generation_status"] for p in look["outfit_proposals"]] == [status],
    )
    return look


async def test_r67_r114_generate_outfit_styles_one_proposal(platform):
    await product(platform, "Belt", placement="waist")
    skirt = await product(platform, "Skirt", placement="legs")
    _, [look] = await looks(platform, [skirt], generate_outfit=True)
    done = await styled(platform, look["id"], "COMPLETED")
    [proposal] = done["outfit_proposals"]
    assert proposal["retry_count"] == 0 and proposal["generation_error"] is None
    assert len(proposal["outfit_product_ids"]) == 1 and skirt not in proposal["outfit_product_ids"]
    assert [p["id"] for p in proposal["outfit_products"]] == proposal["outfit_product_ids"]
    assert proposal["outfit_instruction"].startswith("Pair Skirt")
    assert done["outfit"] is None and done["outfit_id"] is None  # a proposal is not THE outfit
    prompt = next(r for r in platform.llm.requests if skirt in r["messages"][-1]["content"])
    assert prompt["response_format"]["type"] == "json_schema"  # structured output


async def test_r114_a_job_failing_twice_then_succeeding_completes_with_retry_count_2(platform):
    await product(platform, "Belt", placement="waist")
    flaky = await product(platform, "flaky skirt", placement="legs")
    _, [look] = await looks(platform, [flaky], generate_outfit=True)
    [proposal] = (await styled(platform, look["id"], "COMPLETED"))["outfit_proposals"]
    assert proposal["retry_count"] == 2 and proposal["generation_error"] is None
    assert platform.llm.calls[flaky] == 3


async def test_r114_a_job_always_failing_ends_failed_with_its_reason(platform):
    broken = await product(platform, "broken skirt", placement="legs")
    _, [look] = await looks(platform, [broken], generate_outfit=True)
    [proposal] = (await styled(platform, look["id"], "FAILED"))["outfit_proposals"]
    assert proposal["retry_count"] == 2
    assert "not among the candidates: not-a-candidate" in proposal["generation_error"]
    assert proposal["outfit_product_ids"] == []


async def draft_summary(platform, shooting_id: str) -> dict[str, int]:
    response = await platform.http.get(f"/shootings/{shooting_id}/draft-summary")
    assert response.status_code == 200, response.text
    return response.json()


async def test_r91_generating_count_counts_drafts_with_a_pending_proposal(platform):
    slow = await product(platform, "slow skirt", placement="legs")
    plain = await product(platform, "plain skirt", placement="legs")
    platform.llm.release.clear()
    try:
        shooting_id, _ = await looks(platform, [plain])  # a draft, not styled
        _, [pending] = await looks(platform, [slow], shooting_id, generate_outfit=True)
        summary, _ = await eventually(
            lambda: draft_summary(platform, shooting_id), lambda s: s["generating_count"] == 1
        )
        assert summary["total_draft_production_requests"] == 2
    finally:
        platform.llm.release.set()
    await styled(platform, pending["id"], "COMPLETED")
    await eventually(lambda: draft_summary(platform, shooting_id), lambda s: s["generating_count"] == 0)


async def proposals_in_db(platform, look_id: str) -> list[Any]:
    async with platform.outfits.engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT id, generation_status, retry_count, updated_at FROM outfits WHERE look_id = :look"),
            {"look": uuid.UUID(look_id)},
        )
        return list(rows)


async def test_r114_redelivered_styling_requests_create_no_duplicate_proposal(platform):
    skirt = await product(platform, "Skirt", placement="legs")
    _, [look] = await looks(platform, [skirt], generate_outfit=True)
    await styled(platform, look["id"], "COMPLETED")
    before = await proposals_in_db(platform, look["id"])
    engine = platform.outfits.runtime.context.engine
    async with engine.begin() as conn:  # the broker hands the same job out again ...
        await conn.execute(
            sa.text("UPDATE outbox SET published_at = NULL WHERE event_type = :type AND key = :key"),
            {"type": EventType.STYLING_REQUESTED, "key": str(before[0].id)},
        )
    async with platform.outfits.runtime.context.sessions() as session, session.begin():
        proposal = await outfits_repo.get_outfit(session, before[0].id)
        await outfit_events.request_styling(session, [proposal])  # ... and a second job names it
        [marker] = (await session.execute(sa.text("SELECT id FROM outbox ORDER BY created_at DESC LIMIT 1"))).scalars()

    async def handled() -> bool:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.text("SELECT 1 FROM processed_events WHERE consumer = 'outfits.styling' AND event_id = :id"),
                {"id": marker},
            )
            return found.first() is not None

    await eventually(handled, bool)
    assert await proposals_in_db(platform, look["id"]) == before  # same one proposal, untouched
