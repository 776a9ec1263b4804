"""PostgreSQL restarts under load: requests in flight fail cleanly (503 with ``Retry-After``,
never a 500 or 502), none of them leaves a partial write, calls made while it is down are 503
too, and every process reconnects by itself once it is back (no process is restarted).

The writes in flight are look creations (E8): each writes looks in the shootings database and
their shots in the shots database, the most cross-database write the platform makes. Whatever
answered 200 must exist completely; whatever answered 503 must have left nothing, in either
database (no orphan shots without their look, no look without its shots).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.brief import Brief
from tests.e2e.shots_support import eventually
from tests.reliability.conftest import FaultStack

pytestmark = pytest.mark.asyncio(loop_scope="session")
WRITERS = 4
POOL = 40
PACE = 0.1


async def create_looks(brief: Brief, shooting_id: str) -> tuple[str, int]:
    """One E8 call: two products, two subjects, three shot types (four looks, twelve shots)."""
    response = await brief.client.post(
        f"/shootings/{shooting_id}/production-requests",
        json={
            "product_ids": [brief.products["scarf"], brief.products["tee"]],
            "subject_ids": [brief.subjects["anna"], brief.subjects["carl"]],
            "shot_type_ids": list(brief.shot_types.values()),
        },
    )
    return shooting_id, response.status_code


async def rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(sa.text(query), params)]
    finally:
        await engine.dispose()


def assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1


class Writers:
    """Writers that keep creating looks, one shooting per call, from before the stop until a
    call succeeded after the restart: some calls land before, some during, some right at the
    edges (in flight when the server went down)."""

    def __init__(self, brief: Brief, shootings: list[str]) -> None:
        self.brief = brief
        self.pool = list(shootings)
        self.answers: dict[str, int] = {}
        self.restarted = asyncio.Event()
        self.succeeded_after_restart = asyncio.Event()

    async def write(self) -> None:
        while self.pool and not self.succeeded_after_restart.is_set():
            after_restart = self.restarted.is_set()
            shooting_id, status = await create_looks(self.brief, self.pool.pop())
            self.answers[shooting_id] = status
            if status == 200 and after_restart:
                self.succeeded_after_restart.set()
            await asyncio.sleep(PACE)  # pacing the load, not timing an assertion


async def test_postgres_restart_fails_in_flight_requests_cleanly_and_everything_reconnects(
    faults: FaultStack, new_user
) -> None:
    owner = await new_user()
    brief = await Brief(owner.client).build()
    writers = Writers(brief, [(await brief.shooting(name=f"PG {n}"))["id"] for n in range(POOL)])
    pids = {name: faults.stack.pid(name) for name in faults.stack.names}
    tasks = [asyncio.create_task(writers.write()) for _ in range(WRITERS)]

    async def writing() -> bool:
        return len(writers.answers) >= WRITERS

    await eventually(writing, "the first writes", timeout=30)
    # The header reads its shooting on asyncpg directly (platformkit.direct_reads), not through
    # SQLAlchemy's pool: it goes down and comes back like every other read.
    header = f"/shootings/{next(iter(writers.answers))}/header"
    assert (await owner.client.get(header)).status_code == 200

    await asyncio.to_thread(faults.stop_postgres)
    assert_unavailable(await owner.client.get(header))
    assert_unavailable(await owner.client.get(f"/shootings/{next(iter(writers.answers))}"))
    assert_unavailable(await owner.client.get("/users/me"))
    down = await owner.client.post("/shootings/", json={"name": "Down", "due_date": "2027-01-01T00:00:00Z"})
    assert_unavailable(down)
    await asyncio.to_thread(faults.start_postgres)
    writers.restarted.set()
    await asyncio.gather(*tasks)

    assert writers.succeeded_after_restart.is_set(), writers.answers
    assert set(writers.answers.values()) == {200, 503}, writers.answers
    assert {name: faults.stack.pid(name) for name in faults.stack.names} == pids  # nothing restarted
    expected = {uuid.UUID(shooting): 4 if status == 200 else 0 for shooting, status in writers.answers.items()}
    for shooting_id, looks_expected in expected.items():
        looks = (await owner.client.get(f"/shootings/{shooting_id}/production-requests")).json()["data"]
        assert len(looks) == looks_expected, (writers.answers[str(shooting_id)], looks)
        assert all(len(look["shots"]) == 3 for look in looks)
    shots_url = faults.stack.wiring.database_urls["shots"]  # type: ignore[union-attr]
    wanted = {shooting: 3 * count for shooting, count in expected.items() if count}

    async def no_orphan_shots() -> bool:  # a failed call's compensation may still be retrying
        counts = await rows(
            shots_url,
            "SELECT shooting_id, count(*) FROM shots WHERE shooting_id = ANY(:ids) GROUP BY shooting_id",
            ids=list(expected),
        )
        return dict(counts) == wanted

    await eventually(no_orphan_shots, "the shots of exactly the looks that answered 200", timeout=30)
    assert (await owner.client.get("/users/me")).status_code == 200
    assert (await owner.client.get(header)).status_code == 200
