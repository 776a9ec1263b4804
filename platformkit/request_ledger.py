"""A service's side of the public ``Idempotency-Key``: a creating call takes effect once per key.

The gateway stores the answer of a keyed ``POST``/``PATCH`` and replays it, but it cannot know
whether a call it sent committed when it died before hearing back: the client's retry, on
another gateway, would run the call again (a second look, a second export). So the gateway sends
a request key with every call made for a keyed request (``x-request-key``: derived from the user
and the key, never the raw key), and each creating handler, decorated with :func:`replayable`,
keeps a ledger in its own database:

- the call's first transaction (:func:`platformkit.db.transaction`) also inserts the ledger row
  ``(caller, request key, method)``: the row commits with the work or not at all;
- once the handler returned, its answer is stored on that row, and a later call with the same
  key gets that answer again without running;
- a call that finds the row claimed by another, still running or just committed, waits for its
  answer (the insert itself waits for the other transaction to end);
- a row whose answer never came (the process died between its commit and storing the answer, a
  few milliseconds) answers 409 (:class:`AnswerLost`): the work was done once, the client reads
  it back.

Rows are pruned after :data:`KEEP_HOURS` (the gateway keeps keys 24 hours). Calls without a
request key (service to service, workers) run as always.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit.client_interceptors import REQUEST_KEY, metadata_value
from platformkit.errors import Conflict, Unavailable
from platformkit.rpc import current_principal

TABLE = "request_ledger"
KEEP_HOURS = 25
# How long a call waits for the answer of the same request running elsewhere: below the callers'
# default deadline (10 s), so a request whose answer was lost gets its 409 rather than a timeout.
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.05


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
    """The request was applied once, but its answer was never stored (409)."""


class _AlreadyClaimed(Exception):
    """Another call with the same key committed (or is committing) the work."""


@dataclass
class Claim:
    """The running call's ledger row; ``inserted`` while a transaction holds it or after it committed."""

    key: str
    inserted: bool = False

    def rolled_back(self) -> None:
        self.inserted = False


_claim: contextvars.ContextVar[Claim | None] = contextvars.ContextVar("request_claim", default=None)


async def claim_in(session: AsyncSession) -> Claim | None:
    """Insert the running call's ledger row in ``session``'s transaction, in the call's first
    transaction (called by :func:`platformkit.db.transaction`, which reports a rollback to the
    claim it got); nothing to do outside a keyed, replayable call."""
    claim = _claim.get()
    if claim is None or claim.inserted:
        return None
    inserted = await session.execute(
        insert(_ledger).values(key=claim.key).on_conflict_do_nothing().returning(_ledger.c.key)
    )
    if inserted.first() is None:
        raise _AlreadyClaimed(claim.key)
    claim.inserted = True
    return claim


Answer = TypeVar("Answer", bound=Message)
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Answer]]


def replayable(answer_type: type[Answer]) -> Callable[[Handler[Answer]], Handler[Answer]]:
    """Decorate a servicer's creating handler (its servicer has ``ctx.sessions``): with a request
    key it runs once, and repeats get the first answer (see the module doc)."""

    def decorate(handler: Handler[Answer]) -> Handler[Answer]:
        @functools.wraps(handler)
        async def run_once(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Answer:
            key = _ledger_key(context, handler.__qualname__)
            if key is None:
                return await handler(self, request, context)
            sessions: async_sessionmaker[AsyncSession] = self.ctx.sessions
            found, stored = await _stored(sessions, key)
            if found:
                return await _replay(sessions, key, stored, answer_type)
            claim = Claim(key)
            token = _claim.set(claim)
            try:
                answer = await handler(self, request, context)
            except _AlreadyClaimed:
                return await _replay(sessions, key, None, answer_type)
            except BaseException:
                if claim.inserted:  # committed, and the call failed afterwards: a repeat runs again
                    await _release(sessions, key)
                raise
            finally:
                _claim.reset(token)
            if claim.inserted:
                await _store(sessions, key, answer.SerializeToString())
            return answer

        return run_once

    return decorate


def _ledger_key(context: grpc.aio.ServicerContext, method: str) -> str | None:
    """Caller, request key (which numbers the calls of one method within the public request,
    platformkit.client_interceptors.ServedRequest) and method. Not the call's own bytes: a
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


async def _replay(
    sessions: async_sessionmaker[AsyncSession], key: str, stored: bytes | None, answer_type: type[Answer]
) -> Answer:
    deadline = time.monotonic() + WAIT_SECONDS
    while stored is None:
        if time.monotonic() > deadline:
            raise AnswerLost("This request was already applied once; its answer is not available, read the result")
        await asyncio.sleep(POLL_SECONDS)
        found, stored = await _stored(sessions, key)
        if not found:  # the other call failed and released its claim: send it again
            raise Unavailable("An earlier attempt of this request failed meanwhile; send it again")
    return answer_type.FromString(stored)


async def _store(sessions: async_sessionmaker[AsyncSession], key: str, answer: bytes) -> None:
    async with sessions() as session, session.begin():
        await session.execute(sa.update(_ledger).where(_ledger.c.key == key).values(answer=answer))


async def _release(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(sa.delete(_ledger).where(_ledger.c.key == key, _ledger.c.answer.is_(None)))


async def prune(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Delete ledger rows older than :data:`KEEP_HOURS`; the number deleted."""
    cutoff = sa.func.now() - sa.text(f"interval '{KEEP_HOURS} hours'")
    async with sessions() as session, session.begin():
        result = await session.execute(sa.delete(_ledger).where(_ledger.c.created_at < cutoff))
    return int(result.rowcount or 0)
