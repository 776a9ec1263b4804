"""The idempotency middleware against the gateway's real database, around routes the test holds
and breaks at will: the cases a running stack cannot produce on demand (a repeat while the first
request is provably still running, a failed first attempt, a gateway that died holding a key)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway import housekeeping, security
from gateway.idempotency import keys, store
from gateway.idempotency.middleware import IdempotencyMiddleware
from gateway.settings import GatewaySettings
from platformkit import db

pytestmark = pytest.mark.timeout(120)

KEY = keys.HEADER


@dataclass
class Routes:
    """What the held routes saw, and the switches the test flips."""

    runs: list[bytes] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    fail_next: int = 0

    async def held(self, request: Request) -> JSONResponse:
        self.runs.append(await request.body())
        self.started.set()
        await self.release.wait()
        return JSONResponse({"run": len(self.runs)}, headers={"Location": "/somewhere"})

    async def flaky(self, request: Request) -> JSONResponse:
        self.runs.append(await request.body())
        if self.fail_next:
            self.fail_next -= 1
            return JSONResponse({"detail": "unavailable"}, status_code=503)
        return JSONResponse({"run": len(self.runs)}, status_code=201)


@pytest.fixture
async def wired(gateway_settings: GatewaySettings) -> AsyncIterator[tuple[httpx.AsyncClient, Routes, GatewaySettings]]:
    routes = Routes()
    app = Starlette(
        routes=[
            Route("/api/v1/held", routes.held, methods=["POST", "PATCH"]),
            Route("/api/v1/flaky", routes.flaky, methods=["POST"]),
        ]
    )
    app.add_middleware(IdempotencyMiddleware)
    engine = db.create_engine(gateway_settings.database_url.get_secret_value(), pool_size=2)
    # A one-second lease: the renewal test outlives a few of them.
    gateway_settings = gateway_settings.model_copy(update={"idempotency_lease_seconds": 1.0})
    app.state.settings, app.state.sessions = gateway_settings, db.session_factory(engine)
    token = security.create_access_token(
        uuid.uuid4(), gateway_settings.secret_key.get_secret_value(), timedelta(hours=1)
    )
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://t", headers=headers
        ) as client:
            yield client, routes, gateway_settings
    finally:
        await engine.dispose()


async def test_a_repeat_while_the_first_runs_is_409_then_gets_the_first_answer(wired) -> None:
    client, routes, _ = wired
    first = asyncio.create_task(client.post("/api/v1/held", content=b"one", headers={KEY: "k1"}))
    await routes.started.wait()

    busy = await client.post("/api/v1/held", content=b"one", headers={KEY: "k1"})
    assert busy.status_code == 409
    assert busy.headers["Retry-After"] == "1"
    assert busy.json() == {"detail": keys.IN_PROGRESS_MESSAGE}

    routes.release.set()
    answered = await first
    replayed = await client.post("/api/v1/held", content=b"one", headers={KEY: "k1"})
    assert (answered.status_code, answered.json()) == (200, {"run": 1})
    assert (replayed.status_code, replayed.json()) == (200, {"run": 1})
    assert replayed.headers["Location"] == "/somewhere"  # the stored headers come back too
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert routes.runs == [b"one"]


async def test_a_long_request_keeps_its_key_past_its_lease(wired) -> None:
    client, routes, _ = wired
    first = asyncio.create_task(client.post("/api/v1/held", content=b"slow", headers={KEY: "k6"}))
    await routes.started.wait()
    await asyncio.sleep(2.5)  # two and a half leases: only renewals keep the key
    assert (await client.post("/api/v1/held", content=b"slow", headers={KEY: "k6"})).status_code == 409
    routes.release.set()
    assert (await first).status_code == 200
    assert routes.runs == [b"slow"]


async def test_the_key_with_another_body_method_or_path_is_422(wired) -> None:
    client, routes, _ = wired
    routes.release.set()
    assert (await client.post("/api/v1/held", content=b"one", headers={KEY: "k2"})).status_code == 200
    for response in (
        await client.post("/api/v1/held", content=b"two", headers={KEY: "k2"}),
        await client.patch("/api/v1/held", content=b"one", headers={KEY: "k2"}),
        await client.post("/api/v1/held?x=1", content=b"one", headers={KEY: "k2"}),
        await client.post("/api/v1/flaky", content=b"one", headers={KEY: "k2"}),
    ):
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["header", KEY]
    assert routes.runs == [b"one"]


async def test_a_failed_attempt_releases_the_key_so_a_repeat_runs_again(wired) -> None:
    client, routes, _ = wired
    routes.fail_next = 1
    failed = await client.post("/api/v1/flaky", content=b"x", headers={KEY: "k3"})
    retried = await client.post("/api/v1/flaky", content=b"x", headers={KEY: "k3"})
    replayed = await client.post("/api/v1/flaky", content=b"x", headers={KEY: "k3"})
    assert [failed.status_code, retried.status_code, replayed.status_code] == [503, 201, 201]
    assert retried.json() == replayed.json() == {"run": 2}
    assert len(routes.runs) == 2


async def test_a_key_held_by_a_gateway_that_died_is_taken_over_after_its_lease(wired) -> None:
    client, routes, settings = wired
    routes.release.set()
    user_id = security.decode_access_token(
        client.headers["Authorization"].removeprefix("Bearer "), settings.secret_key.get_secret_value()
    ).user_id
    request = store.Request(user_id, "k4", keys.fingerprint("POST", "/api/v1/held", b"", b"z"), "POST", "/api/v1/held")
    engine = db.create_engine(settings.database_url.get_secret_value(), pool_size=1)
    try:
        sessions = db.session_factory(engine)
        # A replica claimed the key and died before answering: its lease is short here.
        dead = await store.claim(sessions, request, lease=timedelta(seconds=0.5), ttl=timedelta(hours=1))
        assert dead.outcome is store.Outcome.OWNED
        assert (await client.post("/api/v1/held", content=b"z", headers={KEY: "k4"})).status_code == 409
        await asyncio.sleep(0.6)
        taken_over = await client.post("/api/v1/held", content=b"z", headers={KEY: "k4"})
        assert taken_over.status_code == 200 and routes.runs == [b"z"]
        # The dead attempt can no longer write over the answer that was stored.
        await store.finish(sessions, request, dead.attempt, store.StoredAnswer(500, [], b"late"))
        again = await client.post("/api/v1/held", content=b"z", headers={KEY: "k4"})
        assert again.status_code == 200 and again.json() == taken_over.json()
    finally:
        await engine.dispose()


async def test_requests_without_a_key_or_a_valid_token_are_not_remembered(wired) -> None:
    client, routes, _ = wired
    routes.release.set()
    await client.post("/api/v1/held", content=b"a")
    await client.post("/api/v1/held", content=b"a")
    anonymous = {"Authorization": "Bearer not-a-token", KEY: "k5"}
    await client.post("/api/v1/held", content=b"a", headers=anonymous)
    await client.post("/api/v1/held", content=b"a", headers=anonymous)
    assert len(routes.runs) == 4


async def test_housekeeping_deletes_expired_keys(wired) -> None:
    client, routes, settings = wired
    routes.release.set()
    engine = db.create_engine(settings.database_url.get_secret_value(), pool_size=1)
    try:
        sessions = db.session_factory(engine)
        expired = store.Request(uuid.uuid4(), "old", b"f", "POST", "/api/v1/held")
        await store.claim(sessions, expired, lease=timedelta(seconds=1), ttl=timedelta(microseconds=1))
        await client.post("/api/v1/held", content=b"kept", headers={KEY: "fresh"})
        await asyncio.sleep(0.01)
        removed = await housekeeping.run_once(sessions, housekeeping.jobs(settings))
        assert removed["idempotency_keys"] == 1
        replay = await client.post("/api/v1/held", content=b"kept", headers={KEY: "fresh"})
        assert replay.headers["Idempotent-Replayed"] == "true"
    finally:
        await engine.dispose()
