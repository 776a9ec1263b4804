"""The services' request ledger (platformkit/request_ledger.py) against real PostgreSQL: a keyed
creating call takes effect once, whether repeated after it finished or while it runs; a call
that failed leaves nothing behind; calls without a key are not remembered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit.call_rewrites import REQUEST_KEY
from platformkit.db import create_engine, new_metadata, session_factory, transaction
from platformkit.request_ledger import declare_request_ledger, prune, replayable
from platformkit.rpc import _principal
from protos.common.v1 import common_pb2

metadata = new_metadata()
declare_request_ledger(metadata)
things = sa.Table("things", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.Text))


class Call:
    """What a handler reads of its gRPC context: the call's metadata."""

    def __init__(self, request_key: str | None) -> None:
        self.metadata = [(REQUEST_KEY, request_key)] if request_key else []

    def invocation_metadata(self) -> list[tuple[str, Any]]:
        return self.metadata


@dataclass
class Context:
    sessions: async_sessionmaker[AsyncSession]


class ThingMaker:
    """A creating handler: one row per call, its id in the answer."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.ctx = Context(sessions)
        self.pause = 0.0
        self.fail = False
        self.after_transaction: Callable[[], Any] | None = None

    @replayable(common_pb2.IdRequest)
    async def CreateThing(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.IdRequest:
        async with transaction(self.ctx.sessions) as session:
            thing_id = uuid.uuid4()
            await session.execute(sa.insert(things).values(id=thing_id, name=request.id))
            await asyncio.sleep(self.pause)
            if self.fail:
                raise RuntimeError("the handler failed after writing")
        async with transaction(self.ctx.sessions) as session:  # a second unit of work in the call
            await session.execute(sa.insert(things).values(id=uuid.uuid4(), name=f"{request.id}-audit"))
        if self.after_transaction is not None:
            await self.after_transaction()
        return common_pb2.IdRequest(id=str(thing_id))


@pytest.fixture
async def maker(new_database: Callable[[str], str]) -> AsyncIterator[ThingMaker]:
    engine = create_engine(new_database("ledger"))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    token = _principal.set(common_pb2.Principal(user_id=str(uuid.uuid4())))
    try:
        yield ThingMaker(session_factory(engine))
    finally:
        _principal.reset(token)
        await engine.dispose()


async def _count(maker: ThingMaker, name: str) -> int:
    async with maker.ctx.sessions() as session:
        return int((await session.execute(sa.select(sa.func.count()).where(things.c.name == name))).scalar_one())


async def _call(maker: ThingMaker, name: str, key: str | None) -> str:
    answer = await maker.CreateThing(common_pb2.IdRequest(id=name), Call(key))  # type: ignore[arg-type]
    return answer.id


async def test_a_repeated_key_gets_the_first_answer_and_other_calls_run(maker: ThingMaker) -> None:
    first = await _call(maker, "a", "key-1")
    assert await _call(maker, "a", "key-1") == first
    assert await _count(maker, "a") == 1
    # A repeat built anew (another body under the same key: the gateway's retry may rebuild its
    # calls) is still the same request: the first answer, nothing written.
    assert await _call(maker, "b", "key-1") == first
    assert await _count(maker, "b") == 0
    # Another key, or no key: each runs.
    assert await _call(maker, "a", "key-2") != first
    assert await _call(maker, "a", None) != await _call(maker, "a", None)
    assert await _count(maker, "a") == 4
    assert await _count(maker, "a-audit") == 4


async def test_repeats_while_the_first_runs_wait_for_its_answer(maker: ThingMaker) -> None:
    maker.pause = 0.5
    answers = await asyncio.gather(*(_call(maker, "c", "key-3") for _ in range(4)))
    assert len(set(answers)) == 1
    assert await _count(maker, "c") == 1


async def test_a_failed_call_leaves_nothing_and_its_repeat_runs(maker: ThingMaker) -> None:
    maker.fail = True
    with pytest.raises(RuntimeError):
        await _call(maker, "d", "key-4")
    maker.fail = False
    assert await _call(maker, "d", "key-4")
    assert await _count(maker, "d") == 1


async def test_the_work_commits_only_with_its_answer(maker: ThingMaker) -> None:
    """No moment exists where the work is committed and its answer is not: a process that dies
    before the answer is stored has committed nothing, and the client's retry runs the call."""
    seen: list[tuple[int, int]] = []

    async def look_from_another_connection() -> None:
        async with maker.ctx.sessions() as session:
            ledger_rows = (await session.execute(sa.text("SELECT count(*) FROM request_ledger"))).scalar_one()
        seen.append((await _count(maker, "f") + await _count(maker, "f-audit"), int(ledger_rows)))

    maker.after_transaction = look_from_another_connection
    answer = await _call(maker, "f", "key-7")
    assert seen == [(0, 0)]  # both transactions done, the handler not yet returned: nothing committed
    async with maker.ctx.sessions() as session:
        stored = (await session.execute(sa.text("SELECT answer FROM request_ledger"))).scalar_one()
    assert common_pb2.IdRequest.FromString(stored).id == answer
    assert (await _count(maker, "f"), await _count(maker, "f-audit")) == (1, 1)


async def test_a_call_failing_after_its_transactions_leaves_nothing(maker: ThingMaker) -> None:
    async def fail() -> None:
        raise RuntimeError("the handler failed after its transactions")

    maker.after_transaction = fail
    with pytest.raises(RuntimeError):
        await _call(maker, "g", "key-8")
    assert (await _count(maker, "g"), await _count(maker, "g-audit")) == (0, 0)
    maker.after_transaction = None
    assert await _call(maker, "g", "key-8")
    assert (await _count(maker, "g"), await _count(maker, "g-audit")) == (1, 1)


async def test_old_entries_are_pruned(maker: ThingMaker) -> None:
    await _call(maker, "e", "key-5")
    await _call(maker, "e", "key-6")
    async with maker.ctx.sessions() as session, session.begin():
        await session.execute(
            sa.text("UPDATE request_ledger SET created_at = now() - interval '26 hours' WHERE key LIKE '%/key-5/%'")
        )
    assert await prune(maker.ctx.sessions) == 1
    await _call(maker, "e", "key-5")  # forgotten: runs again
    await _call(maker, "e", "key-6")  # still known
    assert await _count(maker, "e") == 3
