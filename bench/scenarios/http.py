"""Scenarios 1-3 and 7: the floor, the shooting header, the kanban board and its memory.

Every run is one bounded load of :mod:`bench.loads` at concurrency 1 and 32, one after the
other in this process, so the ratios the targets use come from the same minutes on the same
machine. The board (E9) is loaded twice, through Envoy and on the gateway's own port; the bytes
it answered are then stored in the gateway (``PUT /_bench/bytes``, BENCH_ENDPOINTS=1) and served
from memory on that same port, the comparison scenario 3 asks for.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench import loads
from bench.costs import measure_cost
from bench.scenarios.context import Context
from bench.stats import RunStats

FLOOR_CONSTANT = "floor: constant JSON"
FLOOR_ROW = "floor: shooting row by pk"
HEADER_PUBLIC = "header via Envoy"
HEADER_DIRECT = "header, gateway port"
BOARD_PUBLIC = "board E9 via Envoy"
BOARD_DIRECT = "board E9, gateway port"
BOARD_BYTES = "board bytes from memory, gateway port"
BOARD_COMPOSED = "board E9 composed, gateway port"
BOARD_CALLERS = "board E9, one caller per connection, gateway port"
BOARD_PAGE = 100
BOARD_LOOKS = 100
BOARD_SCENARIOS = (BOARD_PUBLIC, BOARD_DIRECT, BOARD_BYTES, BOARD_COMPOSED, BOARD_CALLERS)
# Every look of the boards is created after this moment, so a board read from one on is whole.
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
_unread = itertools.count()


def unread_board() -> str:
    """A board request no one made before: the same looks from another ``created_from`` moment,
    so the gateway composes it (gateway.board_cache keeps answers per request) as it does when a
    write changed what a board shows."""
    moment = _LONG_AGO + timedelta(microseconds=next(_unread))
    return "created_from=" + moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def board_path(shooting_id: str) -> str:
    return f"/shootings/{shooting_id}/production-requests?limit={BOARD_PAGE}"


async def floor_and_header(ctx: Context, shooting_id: str) -> list[RunStats]:
    """Scenarios 1 and 2: the same shooting read by the floor and through the platform."""
    env, settings, pids = ctx.env, ctx.settings, ctx.env.pids()
    runs = await loads.measure(FLOOR_CONSTANT, f"{env.floor_url}/floor/constant", settings, pids)
    runs += await loads.measure(FLOOR_ROW, f"{env.floor_url}/floor/shootings/{shooting_id}", settings, pids)
    header = f"/shootings/{shooting_id}/header"
    runs += await loads.measure(HEADER_PUBLIC, ctx.public(header), settings, pids, ctx.auth)
    runs += await loads.measure(HEADER_DIRECT, ctx.direct(header), settings, pids, ctx.auth)
    return runs


async def store_board_bytes(ctx: Context, shooting_id: str) -> int:
    """Put the board's exact answer into the gateway's memory; its size in bytes."""
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.get(ctx.direct(board_path(shooting_id)), headers=ctx.auth)
        answer.raise_for_status()
        page = answer.json()
        assert len(page["data"]) == min(BOARD_PAGE, page["count"]), "a board page of the wrong size"
        stored = await client.put(f"{ctx.env.gateway_url}/_bench/bytes", content=answer.content)
        stored.raise_for_status()
        echoed = await client.get(f"{ctx.env.gateway_url}/_bench/bytes")
        assert echoed.content == answer.content, "the gateway did not serve the stored bytes back"
    return len(answer.content)


async def board(ctx: Context, shooting_id: str) -> list[RunStats]:
    """Scenario 3 (and 7, read off these runs): E9 via Envoy, direct, the same bytes, E9 composed
    for every request (what each read costs after a write: the board cache cannot serve it), and
    E9 read by as many callers as connections (each its own entry, sharing no version read)."""
    size = await store_board_bytes(ctx, shooting_id)
    print(f"  board page: {size} bytes", flush=True)
    env, settings, pids = ctx.env, ctx.settings, ctx.env.pids()
    path = board_path(shooting_id)
    runs = await loads.measure(BOARD_PUBLIC, ctx.public(path), settings, pids, ctx.auth)
    runs += await loads.measure(BOARD_DIRECT, ctx.direct(path), settings, pids, ctx.auth)
    runs += await loads.measure(BOARD_BYTES, f"{env.gateway_url}/_bench/bytes", settings, pids)
    runs += await loads.measure(BOARD_COMPOSED, ctx.direct(path), settings, pids, ctx.auth, variant=unread_board)
    # The readers above are one caller, whose concurrent reads share version reads
    # (gateway.board_cache.SharedReads); a team's readers are as many callers, each its own entry.
    highest = max(settings.concurrencies)
    callers = await superusers(ctx, highest)
    async with httpx.AsyncClient(timeout=60) as client:
        for caller in callers:  # the third read of each caller's own entry is served from memory
            for _ in range(3):
                (await client.get(ctx.direct(path), headers=caller)).raise_for_status()
    at_highest = dataclasses.replace(settings, concurrencies=(highest,))
    runs += await loads.measure(BOARD_CALLERS, ctx.direct(path), at_highest, pids, callers=callers)
    return runs


async def superusers(ctx: Context, count: int) -> list[dict[str, str]]:
    """``count`` new superusers (each may read every board), as Authorization headers."""
    headers = []
    for n in range(count):
        email, password = f"bench-reader-{n}-{uuid.uuid4().hex[:8]}@example.com", uuid.uuid4().hex
        body = {"email": email, "password": password, "is_superuser": True}
        (await ctx.client.post("/users/", json=body)).raise_for_status()
        login = await ctx.client.post("/login/access-token", data={"username": email, "password": password})
        login.raise_for_status()
        headers.append({"Authorization": f"Bearer {login.json()['access_token']}"})
    return headers


async def board_costs(ctx: Context, shootings: dict[int, str]) -> dict[str, Any]:
    """gRPC calls and SQL statements of one board request per board size (scenario 3): composed (a
    request no one made before) and, under ``held``, served from memory after revalidation."""
    costs: dict[str, Any] = {}
    for size, shooting_id in sorted(shootings.items()):

        async def one(shooting_id: str = shooting_id, query: str = "") -> None:
            answer = await ctx.client.get(f"{board_path(shooting_id)}{query}")
            answer.raise_for_status()

        await one(query=f"&{unread_board()}")  # warm: caches of a first request are not every request's
        cost = costs[str(size)] = await measure_cost(ctx.env, lambda: one(query=f"&{unread_board()}"))
        for _ in range(3):  # the third read of the same board is served from memory
            await one()
        cost["held"] = await measure_cost(ctx.env, one)
        held = cost["held"]
        print(
            f"  board of {size} looks: {cost['grpc_calls']} gRPC calls, {cost['sql_statements']} SQL composed;"
            f" {held['grpc_calls']} and {held['sql_statements']} from memory",
            flush=True,
        )
    return costs


def peak_memory(runs: list[RunStats]) -> dict[str, float]:
    """Scenario 7: the highest RSS each process reached during the board runs."""
    peaks: dict[str, float] = {}
    for run in runs:
        if run.scenario in BOARD_SCENARIOS:
            for name, usage in run.extra.get("processes", {}).items():
                peaks[name] = max(peaks.get(name, 0.0), float(usage["peak_rss_mb"]))
    return peaks
