"""The board served from memory (gateway.board_cache, D14.22) never hides a change: after each kind
of write to what a board shows, in each database behind it (a look, the user assigned to it, its
product's catalog entry, its shots and revisions, their push records, its outfit, a new and a
deleted look), the next read answers it, although the read before the write was served from
memory. The stack runs with BOARD_CACHE_AUDIT=1, so every answer served from memory in the whole
suite is also composed again and compared (a difference would answer 500)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.brief import post
from tests.e2e.exports_support import SECRET, ExportBrief, mapped, revision, settled
from tests.e2e.live_support import metric
from tests.e2e.shots_support import eventually
from tests.support.push_receiver import push_receiver

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _from_memory(stack: Stack) -> float:
    """Board answers the stack's gateway served from memory so far."""
    assert stack.wiring is not None
    return await metric(stack.wiring.gateway_bind_url, "board_cache_answers_total", source="memory")


class Board:
    """One user's board of one shooting, E9 and E10."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient, shooting_id: str) -> None:
        self.stack, self.client = stack, client
        self.paths = [
            f"/shootings/{shooting_id}/production-requests",
            f"/shootings/{shooting_id}/production-requests-summary",
        ]

    async def read(self, path: str) -> dict[str, Any]:
        response = await self.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def held(self) -> None:
        """Both boards read until each was served from memory (the third read of a board nothing
        changes, later when a projection behind it was still catching up with a change)."""
        for path in self.paths:
            before = await _from_memory(self.stack)

            async def served_from_memory(path: str = path, before: float = before) -> bool:
                await self.read(path)
                return await _from_memory(self.stack) > before

            await eventually(served_from_memory, f"{path} served from memory")

    async def now(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The full board and the summary, read once each."""
        return await self.read(self.paths[0]), await self.read(self.paths[1])


def _look(board: dict[str, Any], look_id: str) -> dict[str, Any]:
    return next(look for look in board["data"] if look["id"] == look_id)


@pytest.fixture(scope="module")
async def owner(new_user):  # type: ignore[no-untyped-def]
    return await new_user()


async def test_every_change_behind_a_board_is_answered_by_the_next_read(stack, owner, anon_api) -> None:  # type: ignore[no-untyped-def]
    client = owner.client
    brief = await ExportBrief(client).build()
    look = await brief.look()
    board = Board(stack, client, brief.shooting)
    await board.held()

    # The look itself (shootings), then the user it names (the gateway's identity database).
    patched = await client.patch(
        f"/shootings/{brief.shooting}/production-requests/{look['id']}", json={"assignee_id": owner.id}
    )
    assert patched.status_code == 200, patched.text
    full, summary = await board.now()
    assert _look(full, look["id"])["assignee"]["id"] == owner.id == _look(summary, look["id"])["assignee_id"]
    await board.held()
    renamed = await client.patch("/users/me", json={"full_name": f"Renamed {uuid.uuid4().hex[:6]}"})
    assert renamed.status_code == 200, renamed.text
    full, summary = await board.now()
    assert _look(full, look["id"])["assignee"]["full_name"] == renamed.json()["full_name"]
    assert _look(summary, look["id"])["assignee"]["full_name"] == renamed.json()["full_name"]

    # The product's catalog entry (shootings' catalog).
    await board.held()
    name = f"Coat renamed {uuid.uuid4().hex[:6]}"
    assert (await client.patch(f"/products/{look['product_id']}", json={"name": name})).status_code == 200
    full, summary = await board.now()
    assert _look(full, look["id"])["product_name"] == name == _look(summary, look["id"])["product_name"]

    # A revision (shots), then its push record (exports), then its deletion.
    await board.held()
    shot = brief.shot(look, "front")
    async with push_receiver(SECRET) as receiver:
        await mapped(client, look["product_id"], receiver.url + "/accept", "EXT-BOARD")
        approved = await revision(client, shot, "APPROVED")
        full, summary = await board.now()
        [front] = [s for s in _look(full, look["id"])["shots"] if s["id"] == shot]
        assert [r["id"] for r in front["revisions"]] == [approved["id"]] and front["status"] == "APPROVED"
        assert front["revisions"][0]["push_status"] is None
        await board.held()
        exported = await client.post(f"/shots/revisions/{approved['id']}/export")
        assert exported.status_code == 200, exported.text
        await settled(client, approved["id"], 1)
        full, summary = await board.now()
        [front] = [s for s in _look(full, look["id"])["shots"] if s["id"] == shot]
        assert front["revisions"][0]["push_status"] == "AWAITING_CONFIRMATION"
    await board.held()
    rejected = await revision(client, shot, "REJECTED")
    await board.held()
    assert (await client.delete(f"/shots/revisions/{rejected['id']}")).status_code == 204
    full, _ = await board.now()
    [front] = [s for s in _look(full, look["id"])["shots"] if s["id"] == shot]
    assert [r["id"] for r in front["revisions"] if r.get("deleted_at") is None] == [approved["id"]]

    # The look's outfit (outfits).
    await board.held()
    outfit = await post(
        client, f"/shootings/production-requests/{look['id']}/outfit", {"outfit_instruction": "Belted, sleeves up"}
    )
    full, _ = await board.now()
    assert _look(full, look["id"])["outfit_instruction"] == outfit["outfit_instruction"] == "Belted, sleeves up"

    # A look more, then a look less.
    await board.held()
    second = await brief.look()
    full, summary = await board.now()
    assert full["count"] == summary["count"] == 2 and {lk["id"] for lk in full["data"]} == {look["id"], second["id"]}
    await board.held()
    deleted = await client.delete(f"/shootings/{brief.shooting}/production-requests/{second['id']}")
    assert deleted.status_code == 200, deleted.text
    full, summary = await board.now()
    assert full["count"] == summary["count"] == 1 and [lk["id"] for lk in full["data"]] == [look["id"]]


async def test_a_board_held_for_its_owner_is_not_anyone_elses(stack, owner, new_user) -> None:  # type: ignore[no-untyped-def]
    brief = await ExportBrief(owner.client).build()
    await brief.look()
    board = Board(stack, owner.client, brief.shooting)
    await board.held()
    stranger = await new_user()
    for path in board.paths:
        assert (await stranger.client.get(path)).status_code == 404


async def _board_versions_served(stack: Stack) -> float:
    """GetBoardVersion calls the shootings service answered so far."""
    assert stack.wiring is not None
    url = f"http://127.0.0.1:{stack.wiring.metrics_ports['shootings']}"
    return await metric(url, "grpc_server_handled_total", grpc_method="GetBoardVersion", grpc_code="OK")


async def test_readers_at_once_share_version_reads_and_each_sees_a_write_made_before_it_asked(  # type: ignore[no-untyped-def]
    stack, owner
) -> None:
    """D14.24: one caller's concurrent reads of a board served from memory share version reads,
    and a read sent after a write answered shows it, whatever reads were running meanwhile."""
    client = owner.client
    brief = await ExportBrief(client).build()
    look = await brief.look()
    board = Board(stack, client, brief.shooting)
    await board.held()
    full = board.paths[0]

    before = await _board_versions_served(stack)
    answers = await asyncio.gather(*(board.read(full) for _ in range(16)))
    shared = await _board_versions_served(stack) - before
    assert all(answer == answers[0] for answer in answers)
    assert 1 <= shared < 16, f"{shared} version reads for 16 readers"

    async def resize_then_read(width: int) -> dict[str, Any]:
        resized = await client.patch(
            f"/shootings/{brief.shooting}/production-requests/{look['id']}", json={"width": width}
        )
        assert resized.status_code == 200, resized.text
        return await board.read(full)

    # Readers keep the board busy while the write lands; the read sent after its answer shows it.
    for width in (512, 640, 768):
        *_, after_write = await asyncio.gather(*(board.read(full) for _ in range(8)), resize_then_read(width))
        assert _look(after_write, look["id"])["width"] == width
