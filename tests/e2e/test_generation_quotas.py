"""Generation quotas through the running stack: an organization's hourly and daily budgets in
images, set by an admin, refused beyond with 429, ``Retry-After`` and a detail naming the budget,
on every path that starts generations; and their reset as time passes.

Time passing is the shots database's charges moved into the past (the test cannot wait an hour):
the budget is counted from those records, so this is exactly what an hour later looks like.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.stack import Stack
from tests.e2e.brief import DUE, post
from tests.support.kanban import Studio

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Org:
    id: str
    member: Any
    studio: Studio
    shot_id: str
    look_id: str


@pytest.fixture
async def org(new_user) -> Org:
    member = await new_user()
    organization = await post(member.client, "/organizations/", {"name": f"Budget {uuid.uuid4().hex[:6]}"})
    studio = await Studio.open(member.client, "http://127.0.0.1:9/unused")
    shooting = await post(
        member.client, "/shootings/", {"name": "Quota", "due_date": DUE, "organization_id": organization["id"]}
    )
    studio.shooting_id = shooting["id"]
    look = await studio.new_look()
    return Org(organization["id"], member, studio, look["shots"][0]["id"], look["id"])


@pytest.fixture
async def shots_db(stack: Stack) -> AsyncIterator[Any]:
    assert stack.wiring is not None
    engine = create_async_engine(stack.wiring.database_urls["shots"], pool_size=1)
    yield engine
    await engine.dispose()


async def age_charges(engine: Any, organization_id: str, minutes: int) -> None:
    """As if ``minutes`` had passed for the organization's budget."""
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE generation_charges SET charged_at = charged_at - make_interval(mins => :m) WHERE scope = :s"
            ),
            {"m": minutes, "s": f"organization:{organization_id}"},
        )


async def generate(client: httpx.AsyncClient, shot_id: str, images: int) -> httpx.Response:
    return await client.post(f"/shots/{shot_id}/generate", json={"num_predictions": images})


def assert_over(response: httpx.Response, budget: str, limit: int) -> None:
    assert response.status_code == 429, response.text
    detail = response.json()["detail"]
    assert f"{budget} budget of {limit} images" in detail and "organization" in detail, detail
    assert 1 <= int(response.headers["Retry-After"]) <= 24 * 3600


async def test_an_organizations_budgets_refuse_beyond_and_reset_as_time_passes(api, org, shots_db):
    quota = f"/organizations/{org.id}/generation-quota"
    own = await api.put(quota, json={"own_per_hour": 3, "own_per_day": 4})
    assert own.status_code == 200, own.text
    assert (own.json()["per_hour"], own.json()["per_day"], own.json()["used_last_hour"]) == (3, 4, 0)
    client = org.member.client

    assert (await generate(client, org.shot_id, 2)).status_code == 200
    over = await generate(client, org.shot_id, 2)
    assert_over(over, "hourly", 3)
    assert 3000 <= int(over.headers["Retry-After"]) <= 3600  # the first two images leave in about an hour
    seen = (await client.get(quota)).json()
    assert (seen["used_last_hour"], seen["used_last_day"], seen["own_per_hour"]) == (2, 2, 3)

    await age_charges(shots_db, org.id, 61)  # an hour later: the hourly budget is whole again
    assert (await generate(client, org.shot_id, 2)).status_code == 200
    assert_over(await generate(client, org.shot_id, 1), "daily", 4)  # 4 of 4 today

    await age_charges(shots_db, org.id, 24 * 60)  # a day later
    assert (await generate(client, org.shot_id, 1)).status_code == 200
    generations = (await client.get("/generations/", params={"shot_id": org.shot_id})).json()
    assert generations["count"] == 3  # the refused requests started nothing

    back = await api.put(quota, json={"own_per_hour": None, "own_per_day": None})
    assert (back.json()["own_per_hour"], back.json()["per_hour"]) == (None, 2000)


async def test_every_path_that_starts_generations_is_counted(api, org):
    await api.put(f"/organizations/{org.id}/generation-quota", json={"own_per_hour": 1})
    client, look = org.member.client, org.look_id
    assert (await generate(client, org.shot_id, 1)).status_code == 200
    paths = {
        "E20": client.post(f"/shootings/production-requests/{look}/start-generations", json={}),
        "E21": client.post(
            f"/shootings/production-requests/{look}/start-shot-type-generations",
            json={"shot_type_id": org.studio.shot_type_id, "generations_count": 1},
        ),
        "shot generate": generate(client, org.shot_id, 1),
        "E8 with base images": client.post(
            f"/shootings/{org.studio.shooting_id}/production-requests",
            json={
                "product_ids": org.studio.product_ids,
                "subject_ids": [org.studio.subject_id],
                "shot_type_ids": [org.studio.shot_type_id],
                "generate_base_images": True,
            },
        ),
    }
    for name, request in paths.items():
        response = await request
        assert response.status_code == 429 and "hourly budget of 1 images" in response.json()["detail"], (
            name,
            response.text,
        )
    board = await client.get(f"/shootings/{org.studio.shooting_id}/production-requests")
    assert board.json()["count"] == 1  # E8 created no look before refusing


async def test_only_admins_set_a_quota_and_only_members_read_it(api, org, new_user):
    quota = f"/organizations/{org.id}/generation-quota"
    assert (await org.member.client.put(quota, json={"own_per_hour": 10**6})).status_code == 403
    stranger = await new_user()
    assert (await stranger.client.get(quota)).status_code == 404
    assert (await org.member.client.get(quota)).json()["per_hour"] == 2000
    assert (await api.put(f"/organizations/{uuid.uuid4()}/generation-quota", json={})).status_code == 404
    assert (await api.put(quota, json={"own_per_day": -1})).status_code == 422
