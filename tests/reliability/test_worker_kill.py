"""A worker killed mid-task (SIGKILL while it renders, styles or sends): the task completes once
on another worker of its group, with one effect (one revision, one completed proposal, one
completed push).

Table-driven over :data:`devstack.processes.WORKER_KINDS`: each kind has a :class:`Task` that
starts one task through the API, tells when the doomed worker is inside it, releases what held it
and checks the single outcome. A new worker kind without a row fails
:func:`test_every_worker_kind_has_a_row`. The stack's own workers of the kind are stopped for the
test; it starts a doomed one alone (so it surely holds the task), then a rescuer, waits until both
are in the group, kills the doomed one.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Mapping

import pytest

from devstack.processes import WORKER_KINDS
from tests.e2e.shots_support import eventually
from tests.reliability.conftest import OUTPUT, FaultStack
from tests.support.kanban import Studio
from tests.support.workers import WorkerPool


class Task:
    """One task of a worker kind, as a user starts and sees it."""

    doomed_env: Mapping[str, str] = {}
    rescuer_env: Mapping[str, str] = {}
    receiver: str = "ok"  # how pushes of the studio's products are answered
    product_name: str = "Dress"

    async def start(self, studio: Studio) -> dict[str, str]:
        raise NotImplementedError

    async def in_flight(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> bool:
        raise NotImplementedError

    def release(self, faults: FaultStack) -> None:
        """Let go of what keeps the task from finishing (nothing by default)."""

    async def completed_once(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> None:
        raise NotImplementedError


class Generation(Task):
    doomed_env = {"GENERATION_SYNTHETIC_COST_SECONDS": "60"}  # renders until killed
    rescuer_env = {"GENERATION_SYNTHETIC_COST_SECONDS": "0"}

    async def start(self, studio: Studio) -> dict[str, str]:
        shot_id = (await studio.new_look())["shots"][0]["id"]
        return {"shot": shot_id, "generation": await studio.generate(shot_id)}

    async def _generation(self, studio: Studio, ref: dict[str, str]) -> dict[str, str]:
        response = await studio.client.get(f"/generations/{ref['generation']}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def in_flight(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> bool:
        return (await self._generation(studio, ref))["status"] == "PROCESSING"

    async def completed_once(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> None:
        shot = await studio.proposed(ref["shot"])
        assert (await self._generation(studio, ref))["status"] == "COMPLETED"
        assert len(shot["revisions"]) == 1 and len(shot["revisions"][0]["images"]) == 1
        listed = await studio.client.get("/generations/", params={"shot_id": ref["shot"]})
        assert [g["id"] for g in listed.json()["data"]] == [ref["generation"]]


class Styling(Task):
    product_name = "slow coat"  # the fake LLM holds its answer until released

    async def start(self, studio: Studio) -> dict[str, str]:
        look = await studio.new_look(generate_outfit=True)
        return {"look": look["id"], "product": studio.product_ids[0]}

    async def in_flight(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> bool:
        return faults.llm.calls[ref["product"]] >= 1

    def release(self, faults: FaultStack) -> None:
        faults.llm.release.set()

    async def completed_once(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> None:
        async def styled() -> dict[str, object] | None:
            proposals = (await studio.look(ref["look"]))["outfit_proposals"]
            return proposals if [p["generation_status"] for p in proposals] == ["COMPLETED"] else None

        [proposal] = await eventually(styled, "the proposal styled by the rescuer", timeout=60)
        assert proposal["retry_count"] == 0  # the kill cost no retry: the job was simply done again
        assert faults.llm.calls[ref["product"]] == 2  # the doomed worker's call, the rescuer's


class Push(Task):
    receiver = "held"  # the receiver holds the request until released
    # The doomed worker waits on its first post until killed: no timeout, no retry that could use
    # up the attempts (and fail the push) while the rescuer joins on a slow machine.
    doomed_env = {"PUSH_TIMEOUT_SECONDS": "300"}

    async def start(self, studio: Studio) -> dict[str, str]:
        shot_id = (await studio.new_look())["shots"][0]["id"]
        await studio.generate(shot_id)
        await studio.approved_and_exported(shot_id)
        [push] = await studio.pushes(shot_id)
        return {"shot": shot_id, "push": push["id"]}

    async def in_flight(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> bool:
        return bool(faults.receiver.posts_of(ref["push"]))

    released_at = 0.0

    def release(self, faults: FaultStack) -> None:
        # Called right after the kill: every post from here on comes from the rescuer.
        self.released_at = time.monotonic()
        faults.receiver.release.set()

    async def completed_once(self, faults: FaultStack, studio: Studio, ref: dict[str, str]) -> None:
        push = await studio.settled_push(ref["shot"])
        assert push["push_status"] == "COMPLETED" and push["id"] == ref["push"], push
        posts = faults.receiver.posts_of(ref["push"])
        # The doomed worker posted (and may have retried its timed-out posts) before it died; the
        # rescuer sent once, and that answered send was the last.
        before = [at for _, at in posts if at < self.released_at]
        after = [at for _, at in posts if at >= self.released_at]
        assert before and len(after) == 1, posts


TASKS: dict[str, Task] = {"generation": Generation(), "styling": Styling(), "push": Push()}
KINDS = {kind.name: kind for kind in WORKER_KINDS}


def test_every_worker_kind_has_a_row() -> None:
    assert set(TASKS) == set(KINDS)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("kind_name", sorted(KINDS))
async def test_a_worker_killed_mid_task_the_task_completes_once_on_another(
    faults: FaultStack, new_user, kind_name: str
) -> None:
    kind, task = KINDS[kind_name], TASKS[kind_name]
    owner = await new_user()
    studio = await Studio.open(owner.client, faults.receiver.url(task.receiver), product_name=task.product_name)
    pool = await WorkerPool(faults.stack, kind, OUTPUT).take_over()
    try:
        doomed = pool.spawn(task.doomed_env)
        await pool.settled(1)
        ref = await task.start(studio)
        await eventually(lambda: task.in_flight(faults, studio, ref), f"the doomed {kind.name} worker to start")
        pool.spawn(task.rescuer_env)
        await pool.settled(2)
        doomed.signal(signal.SIGKILL)  # mid-task: nothing committed, the offset neither
        task.release(faults)
        await task.completed_once(faults, studio, ref)
    finally:
        await pool.restore()
