"""Compensating shots of a look change that did not commit (:mod:`services.shootings.looks.shots_client`).

When the look command fails because the databases went away, the shots it created in the shots
service cannot be deleted at once either; the deletion is retried in the background until it
works, so no orphan shot is left once the platform is whole again (PostgreSQL restart, issue 10).
"""

from __future__ import annotations

import asyncio

import grpc
import pytest

from platformkit.rpc import _principal
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2
from services.shootings.looks import shots_client
from services.shootings.looks.shots_client import RemoteShots


def unavailable() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata())


class FlakyShots:
    """A shots stub whose DeleteShots fails ``failures`` times, then deletes."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[list[str]] = []

    async def DeleteShots(self, request: shots_pb2.DeleteShotsRequest, metadata: object) -> None:
        self.calls.append(list(request.shot_ids))
        if len(self.calls) <= self.failures:
            raise unavailable()


class Remote(RemoteShots):
    compensation_backoff = (0.01, 0.02)

    def __init__(self, stub: FlakyShots) -> None:
        self._stub = stub

    @property
    def stub(self):  # type: ignore[no-untyped-def, override]
        return self._stub


@pytest.fixture(autouse=True)
def caller():  # type: ignore[no-untyped-def]
    token = _principal.set(common_pb2.Principal(user_id="00000000-0000-4000-8000-000000000001"))
    yield
    _principal.reset(token)


async def run_failing_command(remote: RemoteShots, shot_ids: list[str]) -> None:
    with pytest.raises(RuntimeError, match="commit failed"):
        async with remote.compensated() as created:
            created.extend(shots_pb2.Shot(id=i) for i in shot_ids)
            raise RuntimeError("commit failed")


async def test_a_compensation_that_meets_an_outage_is_retried_until_the_shots_are_gone() -> None:
    stub = FlakyShots(failures=3)
    await run_failing_command(Remote(stub), ["a", "b"])
    assert stub.calls == [["a", "b"]]  # the command's error is not held up by the retries
    await asyncio.wait_for(asyncio.gather(*shots_client._retrying), timeout=5)
    assert stub.calls == [["a", "b"]] * 4
    assert not shots_client._retrying  # the background task is finished and released


async def test_a_compensation_that_works_at_once_leaves_no_background_task() -> None:
    stub = FlakyShots(failures=0)
    await run_failing_command(Remote(stub), ["a"])
    assert stub.calls == [["a"]] and not shots_client._retrying


class SlowShots(FlakyShots):
    """A shots stub whose CreateShots answers after ``delay`` (or fails with ``error``)."""

    def __init__(self, delay: float, error: Exception | None = None) -> None:
        super().__init__(failures=0)
        self.delay, self.error = delay, error
        self.finished = False

    async def CreateShots(self, request: shots_pb2.CreateShotsRequest, metadata: object, timeout: float):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        self.finished = True
        if self.error is not None:
            raise self.error
        return shots_pb2.CreateShotsResponse(shots=[shots_pb2.Shot(id=s.id) for s in request.shots])


class Shooting:
    id = "00000000-0000-4000-8000-0000000000aa"


NEW = [shots_pb2.NewShot(id="s1"), shots_pb2.NewShot(id="s2")]


async def test_shots_created_meanwhile_join_the_command_once_both_are_done() -> None:
    stub = SlowShots(delay=0.02)
    remote, created = Remote(stub), []
    async with remote.creating(Shooting(), NEW, created):  # type: ignore[arg-type]
        assert created == []  # the call runs while the body does
    assert [s.id for s in created] == ["s1", "s2"] and stub.finished


async def test_a_failing_body_waits_for_the_call_so_its_shots_are_deleted_again() -> None:
    stub = SlowShots(delay=0.05)
    remote = Remote(stub)
    with pytest.raises(RuntimeError, match="insert failed"):
        async with remote.compensated() as created, remote.creating(Shooting(), NEW, created):  # type: ignore[arg-type]
            raise RuntimeError("insert failed")  # long before the shots service answers
    assert stub.finished and stub.calls == [["s1", "s2"]]  # deleted after they were created, not before


async def test_a_failing_call_fails_the_command_and_leaves_nothing_to_delete() -> None:
    stub = SlowShots(delay=0.0, error=unavailable())
    remote = Remote(stub)
    with pytest.raises(Exception, match="shots service is unavailable"):
        async with remote.compensated() as created, remote.creating(Shooting(), NEW, created):  # type: ignore[arg-type]
            pass
    assert stub.calls == []


@pytest.mark.parametrize("body_waits", [True, False], ids=["during its writes", "after its writes"])
async def test_a_command_cancelled_while_the_call_runs_still_deletes_the_shots_it_created(body_waits: bool) -> None:
    stub = SlowShots(delay=0.05)
    remote = Remote(stub)
    entered = asyncio.Event()

    async def command() -> None:
        async with remote.compensated() as created, remote.creating(Shooting(), NEW, created):  # type: ignore[arg-type]
            entered.set()
            if body_waits:
                await asyncio.sleep(10)

    task = asyncio.create_task(command())
    await entered.wait()
    task.cancel()  # the client hangs up
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stub.finished and stub.calls == [["s1", "s2"]]
