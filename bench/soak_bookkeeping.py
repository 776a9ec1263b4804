"""The soak's bookkeeping: after the load, every action the platform accepted must be visible
exactly once (a look, its proposal, its generation with one revision, its status, one push per
export), and no look may exist that no accepted request made."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from tests.support.fake_receiver import FakeReceiver

if TYPE_CHECKING:
    from bench.soak import User


async def missing_of(user: User, receiver: FakeReceiver, confirmed: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(kind, look id)`` of every accepted action of ``user`` not visible (yet); what was seen
    once is remembered in ``confirmed`` and not asked again."""
    response = await user.client.get(
        f"/shootings/{user.studio.shooting_id}/production-requests", params={"limit": 1000}
    )
    assert response.status_code == 200, response.text
    board = {look["id"]: look for look in response.json()["data"]}
    missing: list[tuple[str, str]] = []
    for look in user.looks:
        found = board.get(look.id)
        checks: dict[str, bool] = {"look": found is not None}
        seen: dict[str, str] = {}  # what a failed check found, shown with the look's id
        if found is not None:
            [shot] = found["shots"]
            revisions = {r["id"]: r for r in shot["revisions"]}
            status = look.status()
            if look.outfit:
                checks["proposal"] = [p["generation_status"] for p in found["outfit_proposals"]] == ["COMPLETED"]
            checks["status"] = shot["status"] == status and found["shot_status"] == status
            if look.generation:
                key = ("generation", look.id)
                if key not in confirmed:
                    generation = await user.client.get(f"/generations/{look.generation}")
                    done = generation.status_code == 200 and generation.json()["status"] == "COMPLETED"
                    checks["generation"] = done and len(revisions) == 1 + look.reviewed
                    state = generation.json().get("status") if generation.status_code == 200 else generation.text[:100]
                    seen["generation"] = (
                        f"generation {look.generation}: {generation.status_code} {state},"
                        f" {len(revisions)} revisions, reviewed: {look.reviewed}"
                    )
            if look.exported_revision:
                pushes = revisions.get(look.exported_revision, {}).get("push_records", [])
                checks["push"] = (
                    len(pushes) == 1
                    and pushes[0]["push_status"] == "COMPLETED"
                    and len(receiver.posts_of(pushes[0]["id"])) == 1
                )
        for kind, ok in checks.items():
            if ok:
                confirmed.add((kind, look.id))
            elif (kind, look.id) not in confirmed:
                missing.append((kind, f"{look.id} ({seen[kind]})" if kind in seen else look.id))
    return missing


async def doubled_of(user: User) -> list[str]:
    """Looks on the user's board that no accepted request created (a request done twice)."""
    response = await user.client.get(
        f"/shootings/{user.studio.shooting_id}/production-requests", params={"limit": 1000}
    )
    assert response.status_code == 200, response.text
    accepted_ids = {look.id for look in user.looks}
    return [look["id"] for look in response.json()["data"] if look["id"] not in accepted_ids]


async def settle(users: list[User], receiver: FakeReceiver, timeout: float) -> tuple[list[tuple[str, str]], float]:
    """Wait (at most ``timeout``) until every accepted action is visible; what is still missing
    then, and the seconds it took."""
    began = time.monotonic()
    confirmed: set[tuple[str, str]] = set()
    while True:
        missing = [m for user in users for m in await missing_of(user, receiver, confirmed)]
        if not missing or time.monotonic() - began > timeout:
            return missing, time.monotonic() - began
        await asyncio.sleep(2.0)


def accepted(users: list[User]) -> dict[str, int]:
    looks = [look for user in users for look in user.looks]
    return {
        "looks": len(looks),
        "proposals": sum(look.outfit for look in looks),
        "generations": sum(look.generation is not None for look in looks),
        "reviews": sum(look.reviewed for look in looks),
        "approvals": sum(look.approved for look in looks),
        "exports": sum(look.exported_revision is not None for look in looks),
    }
