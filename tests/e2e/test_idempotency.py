"""``Idempotency-Key`` through the running stack (Envoy, gateway, services): a retried request,
even one whose client hung up mid-request, does its work once and answers the first answer again;
so does one whose gateway died after the services committed (it never stored the answer: the
services' request ledger, platformkit/request_ledger.py, answers the retry).
The middleware's own cases (409 while running, released 5xx, lease take-over) are pinned in
tests/integration/gateway/test_idempotency.py with a route the test holds."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from bench.workloads import build_bulk_brief
from devstack.stack import Stack
from tests.e2e.brief import DUE
from tests.support.kanban import Studio

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY = "Idempotency-Key"
# Long enough to send the request, far too short for the answer: the client then hangs up.
HANG_UP = httpx.Timeout(30.0, read=0.05)
RETRY_DEADLINE_SECONDS = 300.0


async def hang_up_after_sending(client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str) -> None:
    """POST and drop the connection before the answer comes (what a client on a bad network does)."""
    with pytest.raises(httpx.ReadTimeout):
        await client.post(path, json=body, headers={KEY: key}, timeout=HANG_UP)


async def retry_until_answered(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str
) -> tuple[httpx.Response, int]:
    """Repeat the request as a client would: 409 means "still running, come back". Returns the
    answer and how many 409s came first (each must say when to come back)."""
    waits = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_DEADLINE_SECONDS
    while True:
        response = await client.post(path, json=body, headers={KEY: key}, timeout=120)
        if response.status_code != 409:
            return response, waits
        assert response.headers["Retry-After"] == "1", response.headers
        assert "still being processed" in response.json()["detail"]
        waits += 1
        assert loop.time() < deadline, "the first request never finished"
        await asyncio.sleep(0.2)


async def test_1000_looks_retried_after_the_client_hung_up_are_created_once(new_user):
    user = await new_user()
    brief = await build_bulk_brief(user.client, products=50, subjects=20, shot_types=1)
    path, body, key = f"/shootings/{brief.shooting_id}/production-requests", brief.creation_body(), str(uuid.uuid4())

    await hang_up_after_sending(user.client, path, body, key)
    answer, _ = await retry_until_answered(user.client, path, body, key)

    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Idempotent-Replayed"] == "true"
    created = {look["id"] for look in answer.json()["production_requests"]}
    assert len(created) == 1_000
    listed = await user.client.get(path, params={"limit": 1000})
    assert listed.status_code == 200, listed.text[:500]
    assert listed.json()["count"] == 1_000
    assert {look["id"] for look in listed.json()["data"]} == created
    again = await user.client.post(path, json=body, headers={KEY: key}, timeout=120)
    assert (again.status_code, again.content) == (200, answer.content)


async def test_a_retried_generate_makes_one_generation(new_user):
    user = await new_user()
    studio = await Studio.open(user.client, "http://127.0.0.1:9/unused")
    shot_id = (await studio.new_look())["shots"][0]["id"]
    path, body, key = f"/shots/{shot_id}/generate", {"num_predictions": 1}, "generate-" + uuid.uuid4().hex

    await hang_up_after_sending(user.client, path, body, key)
    first, _ = await retry_until_answered(user.client, path, body, key)
    second = await user.client.post(path, json=body, headers={KEY: key})

    assert first.status_code == 200, first.text
    assert second.status_code == 200 and second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    generations = (await user.client.get("/generations/", params={"shot_id": shot_id})).json()
    assert generations["count"] == 1
    assert [g["id"] for g in generations["data"]] == first.json()["generation_ids"]


async def forget_at_the_gateway(stack: Stack, key: str) -> None:
    """What a gateway that died after the services committed leaves behind: no stored answer and,
    once its lease ran out, no claim either (the retry on another gateway runs the request)."""
    assert stack.wiring is not None
    url = stack.wiring.database_urls["gateway"].replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(url)
    try:
        assert await connection.execute("DELETE FROM idempotency_keys WHERE key = $1", key) == "DELETE 1"
    finally:
        await connection.close()


async def test_a_request_its_gateway_lost_track_of_takes_effect_once(new_user, stack):
    user = await new_user()
    brief = await build_bulk_brief(user.client, products=2, subjects=1, shot_types=1)
    looks_path, key = f"/shootings/{brief.shooting_id}/production-requests", "looks-" + uuid.uuid4().hex
    first = await user.client.post(looks_path, json=brief.creation_body(), headers={KEY: key})
    assert first.status_code == 200, first.text
    await forget_at_the_gateway(stack, key)

    again = await user.client.post(looks_path, json=brief.creation_body(), headers={KEY: key})
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers  # the gateway ran it again; the services did not
    looks = [look["id"] for look in first.json()["production_requests"]]
    assert len(looks) == 2 and [look["id"] for look in again.json()["production_requests"]] == looks
    listed = (await user.client.get(looks_path)).json()
    assert (listed["count"], sorted(look["id"] for look in listed["data"])) == (2, sorted(looks))

    studio = await Studio.open(user.client, "http://127.0.0.1:9/unused")
    shot_id = (await studio.new_look())["shots"][0]["id"]
    generate_path, key = f"/shots/{shot_id}/generate", "generate-" + uuid.uuid4().hex
    started = await user.client.post(generate_path, json={"num_predictions": 1}, headers={KEY: key})
    assert started.status_code == 200, started.text
    await forget_at_the_gateway(stack, key)
    restarted = await user.client.post(generate_path, json={"num_predictions": 1}, headers={KEY: key})
    assert restarted.status_code == 200, restarted.text
    assert restarted.json()["generation_ids"] == started.json()["generation_ids"]
    generations = (await user.client.get("/generations/", params={"shot_id": shot_id})).json()
    assert generations["count"] == 1

    # Without a key nothing is remembered: the same request runs again.
    unkeyed = await user.client.post(generate_path, json={"num_predictions": 1})
    assert unkeyed.status_code == 200 and unkeyed.json()["generation_ids"] != started.json()["generation_ids"]


async def test_the_same_key_with_another_request_is_422_and_changes_nothing(new_user):
    user = await new_user()
    key = "shooting-" + uuid.uuid4().hex
    first = await user.client.post("/shootings/", json={"name": "Spring", "due_date": DUE}, headers={KEY: key})
    assert first.status_code == 200, first.text

    other_body = await user.client.post("/shootings/", json={"name": "Autumn", "due_date": DUE}, headers={KEY: key})
    other_query = await user.client.post(
        "/shootings/",
        json={"name": "Spring", "due_date": DUE},
        params={"organization_id": str(uuid.uuid4())},
        headers={KEY: key},
    )

    for refused in (other_body, other_query):
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["header", KEY]
        assert "different request" in problem["msg"]
    names = [s["name"] for s in (await user.client.get("/shootings/")).json()["data"]]
    assert names == ["Spring"]


async def test_a_patch_is_replayed_and_keys_belong_to_their_user(new_user):
    owner, other = await new_user(), await new_user()
    key = "patch-" + uuid.uuid4().hex
    shooting = (await owner.client.post("/shootings/", json={"name": "Before", "due_date": DUE})).json()
    path = f"/shootings/{shooting['id']}"

    renamed = await owner.client.patch(path, json={"name": "After"}, headers={KEY: key})
    assert renamed.status_code == 200 and renamed.json()["name"] == "After"
    assert (await owner.client.patch(path, json={"name": "Later"})).status_code == 200
    replayed = await owner.client.patch(path, json={"name": "After"}, headers={KEY: key})
    # The first answer again, not a second rename over the later one.
    assert replayed.json() == renamed.json() and replayed.headers["Idempotent-Replayed"] == "true"
    assert (await owner.client.get(path)).json()["name"] == "Later"

    # Another user's identical key is another key: their request runs (and is refused on its own terms).
    foreign = await other.client.patch(path, json={"name": "After"}, headers={KEY: key})
    assert foreign.status_code == 404 and "Idempotent-Replayed" not in foreign.headers


@pytest.mark.parametrize("key", ["", "é-accent", "x" * 256, "tab\there"])
async def test_a_malformed_key_is_422_before_anything_runs(new_user, key):
    user = await new_user()
    response = await user.client.post(
        "/shootings/", json={"name": "Never", "due_date": DUE}, headers={KEY: key.encode("utf-8")}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["header", KEY]
    assert (await user.client.get("/shootings/")).json()["count"] == 0


async def test_the_openapi_document_declares_the_header_on_every_post_and_patch(anon_api, stack):
    document = (await anon_api.get(f"{stack.gateway_url}/openapi.json")).json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("post", "patch") and path.startswith("/api/v1/")
    ]
    assert len(operations) > 40
    for path, method, op in operations:
        assert any(p["name"] == KEY and p["in"] == "header" for p in op["parameters"]), (method, path)
        assert "422" in op["responses"] and "409" in op["responses"], (method, path)
