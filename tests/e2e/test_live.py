"""The live stream end to end (issue 11): a real WebSocket client through Envoy against every
process of the stack, and a second gateway process on the same broker (scale-out without sticky
sessions, and small buffers that make a slow client and an auth timeout quick to show)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bench.workloads import build_bulk_brief
from gateway.security import create_access_token
from tests.e2e.brief import post
from tests.e2e.live_support import eventually_metric, metric, second_gateway, small_receive_buffer, token_of
from tests.e2e.shots_support import GenerationLook
from tests.support.live import LiveClient

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUEUE = 50  # the second gateway's send queue, in messages


@pytest.fixture(scope="module")
async def owner(new_user):
    return await new_user()


@pytest.fixture(scope="module")
async def look(owner) -> GenerationLook:
    return await GenerationLook(owner.client).build()


@pytest.fixture(scope="module")
def gateway_2(stack) -> Iterator[str]:
    env = {
        "LIVE_SEND_QUEUE_MESSAGES": str(QUEUE),
        "LIVE_SOCKET_SEND_BUFFER_BYTES": "16384",
        "LIVE_AUTH_TIMEOUT_SECONDS": "1",
        # Time for the test to start reading the slow client again, so its close frame gets through.
        "LIVE_CLOSE_TIMEOUT_SECONDS": "30",
    }
    with second_gateway(stack, env) as url:
        yield url


def uploaded() -> dict:
    """An image uploaded elsewhere, named by its URL (a prediction id must name a real prediction)."""
    return {"source_type": "UPLOAD", "image_url": "https://images.example.com/live.png"}


async def revise(client, shot_id: str, status: str) -> str:
    body = {"shot_status": status, "images": [uploaded()]}
    response = await client.post(f"/shots/{shot_id}/revision", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def summary(messages: list[dict]) -> list[tuple]:
    return [(m["type"], m["event"], m["status"], m.get("revision_id")) for m in messages]


async def test_schema_describes_every_message(anon_api):
    response = await anon_api.get("/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["title"] == "WebSocketMessage" and schema["discriminator"]["propertyName"] == "type"
    assert {"auth", "auth_success", "auth_error", "subscribe", "shot", "generation"} <= set(
        schema["discriminator"]["mapping"]
    )
    assert schema["$defs"]["GenerationMessage"]["properties"]["event"]["enum"] == [
        "queued",
        "processing",
        "completed",
        "failed",
    ]


async def test_auth_success_ping_and_the_refusals(stack, owner, gateway_2):
    url = stack.gateway_url
    async with LiveClient.connect(url) as live:
        answer = await live.auth(token_of(owner.client))
        assert answer == {**answer, "type": "auth_success", "user_id": owner.id, "organization_id": None}
        assert answer["context"] == "personal" and datetime.fromisoformat(answer["expires_at"]) > datetime.now(UTC)
        await live.send(type="ping")
        assert await live.next() == {"type": "pong"}
        await live.send(type="subscribe", shooting_id="not-a-uuid")
        assert (await live.next())["type"] == "error"  # malformed: answered, the socket stays open
    refusals = [
        ({"type": "auth", "token": "forged"}, "Could not validate credentials"),
        ({"type": "subscribe", "shooting_id": str(uuid.uuid4())}, 'The first message must be {"type": "auth"'),
        (
            {"type": "auth", "token": token_of(owner.client), "organization_id": str(uuid.uuid4())},
            "Not a member of this organization",
        ),
    ]
    for first, error in refusals:
        async with LiveClient.connect(url) as live:
            await live.send(**first)
            answer = await live.next()
            assert answer["type"] == "auth_error" and answer["error"].startswith(error), answer
            assert (await live.closed())[0] == 1008
    async with LiveClient.connect(gateway_2) as silent:  # says nothing: its auth timeout is 1 s
        assert (await silent.next())["error"] == "No auth message within 1 seconds"
        assert (await silent.closed())[0] == 1008


async def test_a_token_that_expires_closes_the_socket(stack, owner):
    token = create_access_token(uuid.UUID(owner.id), stack.wiring.secret_key, timedelta(seconds=2))
    async with LiveClient.connect(stack.gateway_url, token=token) as live:
        assert await live.next() == {"type": "auth_error", "error": "Token expired"}
        assert await live.closed() == (4001, "token expired")


async def test_a_strangers_subscription_is_refused_and_gets_nothing(stack, look, new_user):
    stranger = await new_user()
    shooting_id, shot_id = look.shooting["id"], look.shot("side")["id"]
    async with (
        LiveClient.connect(stack.gateway_url, token=token_of(look.client)) as mine,
        LiveClient.connect(stack.gateway_url, token=token_of(stranger.client)) as theirs,
    ):
        await mine.subscribe(shooting_id)
        refused = await theirs.subscribe(shooting_id, expect="error")
        assert refused["error"] == "Shooting not found"
        await revise(look.client, shot_id, "PROPOSAL")
        await mine.events(2, shot_id=shot_id)
        # Both sockets are on one gateway, fed in one step: had the stranger been subscribed, the
        # event would be queued before this pong.
        await theirs.send(type="ping")
        assert await theirs.next() == {"type": "pong"}


async def test_status_changes_and_revisions_arrive_in_order(stack, look):
    shot_id = look.shot("detail")["id"]
    async with LiveClient.connect(stack.gateway_url, token=token_of(look.client)) as live:
        await live.subscribe(look.shooting["id"])
        first = await revise(look.client, shot_id, "PROPOSAL")
        assert (await look.client.post(f"/shots/{shot_id}/approve")).status_code == 200
        second = await revise(look.client, shot_id, "REVIEW")
        assert (await look.client.delete(f"/shots/revisions/{second}")).status_code == 204
        events = await live.events(7, shot_id=shot_id)
    assert summary(events) == [
        ("shot", "status_changed", "PROPOSAL", None),
        ("shot", "revision_created", "PROPOSAL", first),
        ("shot", "status_changed", "APPROVED", None),
        ("shot", "status_changed", "REVIEW", None),
        ("shot", "revision_created", "REVIEW", second),
        ("shot", "status_changed", "APPROVED", None),  # back to the first revision, approved in place
        ("shot", "revision_deleted", "APPROVED", second),
    ]
    assert events[-1]["current_revision_id"] == first and len({e["event_id"] for e in events}) == 7
    assert all(
        e["shooting_id"] == look.shooting["id"] and e["production_request_id"] == look.look["id"] for e in events
    )


async def test_a_generation_arrives_queued_processing_completed(stack, look):
    shot_id = look.shot("front")["id"]
    async with LiveClient.connect(stack.gateway_url, token=token_of(look.client)) as live:
        await live.subscribe(look.shooting["id"])
        response = await look.client.post(f"/shots/{shot_id}/generate")
        assert response.status_code == 200, response.text
        [generation_id] = response.json()["generation_ids"]
        events = await live.events(5, shot_id=shot_id, timeout=60)
    assert [(e["type"], e["event"], e["status"]) for e in events] == [
        ("generation", "queued", "PENDING"),
        ("generation", "processing", "PROCESSING"),
        ("shot", "status_changed", "PROPOSAL"),
        ("shot", "revision_created", "PROPOSAL"),
        ("generation", "completed", "COMPLETED"),
    ]
    generations = [e for e in events if e["type"] == "generation"]
    assert {e["generation_id"] for e in generations} == {generation_id}
    shot = (await look.client.get(f"/shots/{shot_id}")).json()
    assert events[-1]["revision_id"] == events[3]["revision_id"] == shot["current_revision_id"]


async def test_a_client_that_reconnects_with_since_receives_what_it_missed(stack, look):
    shooting_id, shot_id = look.shooting["id"], look.shot("back")["id"]
    token = token_of(look.client)
    async with LiveClient.connect(stack.gateway_url, token=token) as steady:
        await steady.subscribe(shooting_id)
        async with LiveClient.connect(stack.gateway_url, token=token) as first:
            await first.subscribe(shooting_id)
            await revise(look.client, shot_id, "PROPOSAL")
            seen = await first.events(2, shot_id=shot_id)
        await look.client.post(f"/shots/{shot_id}/approve")
        await look.client.post(f"/shots/{shot_id}/reject")
        history = await steady.events(4, shot_id=shot_id)
        async with LiveClient.connect(stack.gateway_url, token=token) as again:
            answer = await again.subscribe(shooting_id, since=seen[-1]["event_id"])
            replay = [e for e in await again.events(answer["replayed"]) if e["shot_id"] == shot_id]
            await again.send(type="subscribe", shooting_id=shooting_id, since="2001-01-01T00:00:00Z")
            resync = await again.wait_for(lambda m: m["type"] == "resync_required")
    assert [e["event_id"] for e in history[:2]] == [e["event_id"] for e in seen]
    # The replay may repeat what arrived just before `since` (the overlap): clients drop repeats by id.
    missed = [e for e in replay if e["event_id"] not in {s["event_id"] for s in seen}]
    assert missed == history[2:] and summary(missed) == [
        ("shot", "status_changed", "APPROVED", None),
        ("shot", "status_changed", "REJECTED", None),
    ]
    assert resync == {**resync, "shooting_id": shooting_id, "reason": "since is older than the replay buffer"}


async def test_a_slow_client_is_cut_off_and_others_get_everything(stack, owner, gateway_2):
    """Gateway 2 sends at most ~16 KiB of kernel buffer, 64 KiB of uvicorn's and 50 queued messages
    to one socket. A client that stops reading is closed (4008) once that is full; a reading client
    on the same gateway, and one on the stack's gateway through Envoy, receive every event."""
    brief = await build_bulk_brief(owner.client, products=10, subjects=10, shot_types=4)
    token = token_of(owner.client)
    created = 0
    async with (
        LiveClient.connect(
            gateway_2, token=token, sock=small_receive_buffer(gateway_2), max_queue=1, compression=None
        ) as slow,
        LiveClient.connect(gateway_2, token=token) as beside,
        LiveClient.connect(stack.gateway_url, token=token) as through_envoy,
    ):
        for live in (slow, beside, through_envoy):
            await live.subscribe(brief.shooting_id)
        before = await _slow_disconnects(gateway_2)
        for _ in range(3):  # one round (400 shots) is plenty; more only on a very slow machine
            await post(owner.client, f"/shootings/{brief.shooting_id}/production-requests", brief.creation_body())
            created += brief.expected_shots
            for live in (beside, through_envoy):
                await live.read_until(lambda live=live, n=created: len(_created(live)) >= n, timeout=60)
            if await _slow_disconnects(gateway_2) > before:
                break
        await eventually_metric(gateway_2, "live_disconnects_total", before + 1, reason="slow_consumer")
        code, reason = await slow.closed()
    assert (code, reason) == (4008, "send buffer overflow: the client reads too slowly")
    assert len(_created(slow)) < created
    assert len(_created(beside)) == len(_created(through_envoy)) == created
    # The same events; their interleaving across shots may differ (order is per shot, by key).
    assert {m["event_id"] for m in _created(beside)} == {m["event_id"] for m in _created(through_envoy)}


def _created(live: LiveClient) -> list[dict]:
    return [m for m in live.received if m["type"] == "shot" and m["event"] == "created"]


async def _slow_disconnects(url: str) -> float:
    return await metric(url, "live_disconnects_total", reason="slow_consumer")
