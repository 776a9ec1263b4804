"""A service's side of the public ``Idempotency-Key``: a creating call takes effect once per key.

The gateway stores the answer of a keyed ``POST``/``PATCH`` and replays it, but it cannot know
whether a call it sent committed when it died before hearing back: the client's retry, on
another gateway, would run the call again (a second look, a second export). So the gateway sends
a request key with every call made for a keyed request (``x-request-key``: derived from the user
and the key, never the raw key), and each creating handler, decorated with :func:`replayable`,
keeps a ledger in its own database:

- the call's first transaction (:func:`platformkit.db.transaction`) also inserts the ledger row
  ``(caller, request key, method)``, and that transaction stays open until the handler returned:
  its answer is written on the row and only then does everything commit. The work, the row and
  the answer commit together or not at all, so whenever the process dies, a retry either finds
  nothing (and runs) or finds the answer (and gets it again without running);
- the call's later transactions run inside that one (savepoints), so a handler that fails after
  its first transaction leaves nothing behind either;
- a call that finds the row claimed by another still running waits for it: the insert waits for
  the other transaction to end, then reads its answer.

Rows are pruned after :data:`KEEP_HOURS` (the gateway keeps keys 24 hours). Calls without a
request key (service to service, workers) run as always, one commit per transaction.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit.call_rewrites import REQUEST_KEY, metadata_value
from platformkit.errors import Conflict
from platformkit.rpc import current_principal

TABLE = "request_ledger"
KEEP_HOURS = 25


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("answer", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


# The statements below use their own copy of the table; each service declares it on its models'
# metadata (declare_request_ledger) and creates it in a migration (create_request_ledger).
_ledger = sa.Table(TABLE, sa.MetaData(), *_columns())


def declare_request_ledger(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(TABLE, metadata, *_columns())


def create_request_ledger(op) -> None:  # type: ignore[no-untyped-def]
    op.create_table(TABLE, *_columns())


def drop_request_ledger(op) -> None:  # type: ignore[no-untyped-def]
    op.drop_table(TABLE)


class AnswerLost(Conflict):
    """A ledger row without its answer (written by a version that stored the answer after the
    commit): the request was applied once, the client reads the result (409)."""


class _AlreadyClaimed(Exception):
    """Another call with the same key committed the work."""


@dataclass
class Claim:
    """The running keyed call: its ledger key, and the session whose transaction holds the ledger
    row and all the call's writes until :meth:`commit_with`."""

    key: str
    session: AsyncSession | None = None

    @asynccontextmanager
    async def transaction(self, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        """The call's first transaction claims the key and stays open; later ones are savepoints in it."""
        if self.session is not None:
            async with self.session.begin_nested():
                yield self.session
            return
        session = sessions()
        try:
            inserted = await session.execute(
                insert(_ledger).values(key=self.key).on_conflict_do_nothing().returning(_ledger.c.key)
            )
            if inserted.first() is None:
                raise _AlreadyClaimed(self.key)
            yield session
            await session.flush()
        except BaseException:
            # As a transaction of its own would: this one's writes and the claim are gone, and a
            # handler that goes on after catching the error claims again in its next transaction.
            await session.close()
            raise
        self.session = session

    async def commit_with(self, answer: bytes) -> None:
        if self.session is None:
            return  # the handler wrote nothing: nothing to remember
        await self.session.execute(sa.update(_ledger).where(_ledger.c.key == self.key).values(answer=answer))
        await self.session.commit()

    async def close(self) -> None:
        """Roll back what was not committed (the handler failed) and give the connection back."""
        if self.session is not None:
            await self.session.close()
            self.session = None


_claim: contextvars.ContextVar[Claim | None] = contextvars.ContextVar("request_claim", default=None)


def running_claim() -> Claim | None:
    """The keyed replayable call running in this task, if any (:func:`platformkit.db.transaction`)."""
    return _claim.get()


Answer = TypeVar("Answer", bound=Message)
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Answer]]


def replayable(answer_type: type[Answer]) -> Callable[[Handler[Answer]], Handler[Answer]]:
    """Decorate a servicer's creating handler (its servicer has ``ctx.sessions``): with a request
    key it runs once, and repeats get the first answer (see the module doc). Its transactions
    must be :func:`platformkit.db.transaction`s and it must not write through other sessions: the
    work commits only when the handler returned."""

    def decorate(handler: Handler[Answer]) -> Handler[Answer]:
        @functools.wraps(handler)
        async def run_once(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Answer:
            key = _ledger_key(context, handler.__qualname__)
            if key is None:
                return await handler(self, request, context)
            sessions: async_sessionmaker[AsyncSession] = self.ctx.sessions
            found, stored = await _stored(sessions, key)
            if found:
                return _replay(stored, answer_type)
            claim = Claim(key)
            token = _claim.set(claim)
            try:
                answer = await handler(self, request, context)
                await claim.commit_with(answer.SerializeToString())
                return answer
            except _AlreadyClaimed:
                # The insert waited for the other call's transaction: it committed its answer.
                return _replay((await _stored(sessions, key))[1], answer_type)
            finally:
                await claim.close()
                _claim.reset(token)

        return run_once

    return decorate


def _ledger_key(context: grpc.aio.ServicerContext, method: str) -> str | None:
    """Caller, request key (which numbers the calls of one method within the public request,
    platformkit.call_rewrites.ServedRequest) and method. Not the call's own bytes: a
    retried request may build its calls anew (an uploaded image gets a new media id) and is
    still the same request."""
    raw = metadata_value(context.invocation_metadata(), REQUEST_KEY)
    if not raw:
        return None
    request_key = raw.decode() if isinstance(raw, bytes) else str(raw)
    return f"{current_principal().user_id}/{request_key}/{method}"


async def _stored(sessions: async_sessionmaker[AsyncSession], key: str) -> tuple[bool, bytes | None]:
    async with sessions() as session:
        row = (await session.execute(sa.select(_ledger.c.answer).where(_ledger.c.key == key))).first()
    return (row is not None, row[0] if row is not None else None)


def _replay(stored: bytes | None, answer_type: type[Answer]) -> Answer:
    if stored is None:
        raise AnswerLost("This request was already applied once; its answer is not available, read the result")
    return answer_type.FromString(stored)


async def prune(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Delete ledger rows older than :data:`KEEP_HOURS`; the number deleted."""
    cutoff = sa.func.now() - sa.text(f"interval '{KEEP_HOURS} hours'")
    async with sessions() as session, session.begin():
        result = await session.execute(sa.delete(_ledger).where(_ledger.c.created_at < cutoff))
    return int(result.rowcount or 0)
