"""A page of looks costs the same gRPC calls and SQL statements at 10 and at 200 looks (the
composition rule of issue 4; R89's "lightweight" summary reads no revisions)."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from tests.e2e.brief import post
from tests.integration.looks.board import board

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIST_LOOKS = "/shootings.v1.LookQueriesService/ListLooks"
GET_LOOK = "/shootings.v1.LookQueriesService/GetLook"
SHOTS_BY_LOOKS = "/shots.v1.ShotsService/ListShotsByLooks"
LOOK_OUTFITS = "/outfits.v1.OutfitsService/ListLookOutfits"
# Tables the look reads touch in each database (the relay, consumers and probes touch others).
SHOOTINGS_TABLES = ("looks", "catalog_entries", "FROM shootings", "shooting_types")
SHOTS_TABLES = ("FROM shots",)
OUTFITS_TABLES = ("FROM looks", "FROM outfits")
GATEWAY_TABLES = ("FROM users", "organization_members")


async def assign_everyone(platform, shooting_id: str, users: list[str]) -> None:
    """Spread the looks over ``users``, written as E13 would leave them: one look per transaction,
    as E13 assigns one look per call (two hundred calls would only slow the test down). One
    statement for all of them would lock the looks in an order of its own while the roll-up
    consumer, still folding the new shots' events, locks them in its order: a deadlock."""
    looks = await platform.sql(
        platform.shootings_engine, "SELECT id FROM looks WHERE shooting_id = :shooting", shooting=uuid.UUID(shooting_id)
    )
    for look in looks:
        await platform.sql(
            platform.shootings_engine,
            "UPDATE looks SET assignee_id = (CAST(:users AS uuid[]))[1 + abs(hashtext(id::text)) % :n] WHERE id = :id",
            users=users,
            n=len(users),
            id=look["id"],
        )


async def new_user(platform) -> str:
    body = {"email": f"a{uuid.uuid4().hex[:8]}@example.com", "password": "p" * 12}
    return (await post(platform.http, "/users/", body))["id"]


def shots_request(platform):
    return next(request for method, request in platform.calls.calls if method == SHOTS_BY_LOOKS)


async def measured(platform, path: str, **params) -> tuple[dict, dict[str, object]]:
    """The answer to one GET and what it cost: gRPC calls, statements per database."""
    platform.calls.clear()
    with (
        platform.statements(platform.shootings_engine, *SHOOTINGS_TABLES) as shootings_sql,
        platform.statements(platform.shots_engine, *SHOTS_TABLES) as shots_sql,
        platform.statements(platform.outfits.runtime.context.engine, *OUTFITS_TABLES) as outfits_sql,
        platform.statements(platform.gateway_engine, *GATEWAY_TABLES) as gateway_sql,
    ):
        response = await platform.http.get(path, params=params)
    assert response.status_code == 200, response.text
    cost = {
        # The shots, assignees and outfits look-ups run concurrently: their order may vary.
        "calls": Counter(platform.calls.methods),
        "shootings": len(shootings_sql),
        "shots": len(shots_sql),
        "outfits": len(outfits_sql),
        "gateway": len(gateway_sql),
    }
    return response.json(), cost


async def test_r89_e9_e10_a_page_of_10_or_200_looks_costs_the_same(platform):
    users = [await new_user(platform) for _ in range(3)]
    small = await board(platform.http, products=10, subjects=1)
    large = await board(platform.http, products=20, subjects=10)
    costs = {}
    for size, shooting in ((10, small), (200, large)):
        await assign_everyone(platform, shooting.shooting_id, users)
        full, costs[("E9", size)] = await measured(
            platform, f"/shootings/{shooting.shooting_id}/production-requests", limit=1000
        )
        assert full["count"] == len(full["data"]) == size
        assert all(len(look["shots"]) == 2 and look["assignee"]["id"] in users for look in full["data"])
        assert all(look["pose_presets"] and look["set_design"]["name"] == "Loft" for look in full["data"])
        assert shots_request(platform).include_revisions
        summary, costs[("E10", size)] = await measured(
            platform, f"/shootings/{shooting.shooting_id}/production-requests-summary", limit=1000
        )
        assert summary["count"] == len(summary["data"]) == size
        assert all(look["product_name"] and len(look["shots"]) == 2 for look in summary["data"])
        assert not shots_request(platform).include_revisions  # R89: no revisions for the summary
    for endpoint in ("E9", "E10"):
        assert costs[(endpoint, 10)] == costs[(endpoint, 200)], costs
        # One look query (shooting, count, page, entries), one shots call, one outfits call (looks,
        # outfits; no outfit names a product, so no catalog call), one assignee query; the caller's
        # identity comes from the gateway's principal cache (issue 14: no statement per request).
        assert costs[(endpoint, 200)] == {
            "calls": Counter([LIST_LOOKS, SHOTS_BY_LOOKS, LOOK_OUTFITS]),
            "shootings": 4,
            "shots": 1,
            "outfits": 2,
            "gateway": 1,
        }, costs


async def test_r92_r93_e12_e17_one_look_costs_the_same_whatever_it_holds(platform):
    shooting = await board(platform.http, products=1, subjects=1, shot_types=5)
    look = shooting.looks[0]
    for path in (
        f"/shootings/{shooting.shooting_id}/production-requests/{look['id']}",
        f"/shootings/production-requests/{look['id']}",
    ):
        answer, cost = await measured(platform, path)
        assert answer["id"] == look["id"] and len(answer["shots"]) == 5
        assert cost == {
            "calls": Counter([GET_LOOK, SHOTS_BY_LOOKS, LOOK_OUTFITS]),
            "shootings": 2,
            "shots": 1,
            "outfits": 2,
            "gateway": 0,  # the caller's identity from the principal cache
        }, cost
