"""Generation workers as operators run them: a consumer group on `generation.requests`.

The stack's own generation worker is stopped for these tests; each starts worker processes of
its own (`python -m services.shots.worker`, the stack's environment plus a synthetic cost and
short group timings), so it decides which worker holds the work.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devstack.child import Child
from devstack.processes import WORKER_KINDS
from tests.e2e.conftest import OUTPUT
from tests.e2e.shots_support import GenerationLook, eventually
from tests.support.workers import WorkerPool

pytestmark = pytest.mark.asyncio(loop_scope="session")
GENERATION = next(kind for kind in WORKER_KINDS if kind.name == "generation")


@pytest.fixture
async def workers(stack) -> AsyncIterator[WorkerPool]:
    """The stack's worker stopped; the test spawns its own; the stack's is back once it ends."""
    pool = await WorkerPool(stack, GENERATION, OUTPUT).take_over()
    try:
        yield pool
    finally:
        await pool.restore()


def spawn(workers: WorkerPool, cost: float) -> Child:
    return workers.spawn(
        {
            "GENERATION_SYNTHETIC_COST_SECONDS": str(cost),
            # A killed member leaves the group within 1.5 s, so its partitions move on quickly.
            "KAFKA_SESSION_TIMEOUT_MS": "1500",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        }
    )


@pytest.fixture
async def shots_db(stack) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(stack.wiring.database_urls["shots"], pool_size=1)
    yield engine
    await engine.dispose()


async def rows(engine, query: str, **params) -> list[sa.Row]:
    async with engine.connect() as conn:
        return list(await conn.execute(sa.text(query), params))


def pid_of(worker_id: str | None) -> int | None:
    return int(worker_id.rsplit(":", 1)[1]) if worker_id else None


async def test_a_killed_worker_s_job_completes_on_another_with_exactly_one_revision(stack, workers, shots_db, new_user):
    owner = await new_user()
    look = await GenerationLook(owner.client).build()
    shot_id = look.shot("front")["id"]
    # Two predictions of a minute of "GPU" time each: longer than a loaded machine can take to
    # start the rescuer and rebalance the group, so the kill always lands mid-render.
    slow = spawn(workers, cost=60.0)
    await workers.settled(1)
    response = await owner.client.post(f"/shots/{shot_id}/generate", json={"num_predictions": 2})
    [generation_id] = response.json()["generation_ids"]
    query = "SELECT status, worker, attempts FROM generations WHERE id = :id"

    async def claimed_by_slow():
        [row] = await rows(shots_db, query, id=uuid.UUID(generation_id))
        return row if row.status == "PROCESSING" and pid_of(row.worker) == slow.pid else None

    await eventually(claimed_by_slow, "the slow worker to start rendering", timeout=60)
    rescuer = spawn(workers, cost=0.0)
    await workers.settled(2)
    slow.signal(signal.SIGKILL)  # mid-render: nothing committed, the offset neither
    [generation] = await look.settled(shot_id, 1, timeout=45)
    assert generation["status"] == "COMPLETED"
    [row] = await rows(shots_db, query, id=uuid.UUID(generation_id))
    assert pid_of(row.worker) == rescuer.pid and row.attempts == 2
    revisions = await rows(
        shots_db, "SELECT id FROM shot_revisions WHERE generation_id = :id", id=uuid.UUID(generation_id)
    )
    assert len(revisions) == 1
    shot = (await owner.client.get(f"/shots/{shot_id}")).json()
    assert len(shot["revisions"]) == 1 and len(shot["revisions"][0]["images"]) == 2 and shot["status"] == "PROPOSAL"


async def test_three_workers_all_take_work_from_the_same_topic(stack, workers, shots_db, new_user):
    """Operators scale generation by starting workers: three in one group all get work (issue 8)."""
    owner = await new_user()
    look = await GenerationLook(owner.client).build()
    started = [spawn(workers, cost=0.1) for _ in range(3)]
    await workers.settled(3)  # all joined before any work exists: no rebalance midway
    path = f"/shootings/production-requests/{look.look['id']}/start-generations"
    assert (await owner.client.post(path, json={"generations_per_shot_type": 10})).status_code == 200
    shots = [look.shot("front")["id"], look.shot("detail")["id"]]
    for shot_id in shots:
        await look.settled(shot_id, 10, timeout=60)
    found = await rows(
        shots_db,
        "SELECT g.worker, g.status, count(r.id) AS revisions FROM generations g "
        "LEFT JOIN shot_revisions r ON r.generation_id = g.id WHERE g.shot_id = ANY(:shots) GROUP BY g.id",
        shots=[uuid.UUID(s) for s in shots],
    )
    assert len(found) == 20 and {(r.status, r.revisions) for r in found} == {("COMPLETED", 1)}
    by_worker = {pid_of(r.worker) for r in found}
    # Keys (generation ids) spread over 12 partitions, four per worker: all three received work.
    assert by_worker == {child.pid for child in started}
