"""Idempotency keys in the gateway's database, so every gateway replica sees the same keys.

Every time is the database's (``now()``), so replicas with drifting clocks agree on leases and
expiry. A claim is one upsert: it inserts the key, or takes over an expired key or a running
one whose lease ran out (its gateway died mid-request), and says which attempt owns it; a claim
that owns nothing reads the row to say why (another request, still running, or an answer).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.models import IdempotencyRecord

RUNNING = "running"
DONE = "done"
# A key released between our upsert and our read is claimed again, at most this often.
_CLAIM_ROUNDS = 3


class Outcome(enum.Enum):
    OWNED = "owned"  # run the request; its answer is stored under ``attempt``
    REPLAY = "replay"  # answer with the stored response
    IN_PROGRESS = "in_progress"  # the first request still runs: 409
    MISMATCH = "mismatch"  # the key names another request: 422


@dataclass(frozen=True)
class Request:
    user_id: uuid.UUID
    key: str
    fingerprint: bytes
    method: str
    path: str


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    attempt: uuid.UUID | None = None
    answer: StoredAnswer | None = None


async def claim(
    sessions: async_sessionmaker[AsyncSession], request: Request, *, lease: timedelta, ttl: timedelta
) -> Claim:
    for _ in range(_CLAIM_ROUNDS):
        async with sessions() as session, session.begin():
            attempt = uuid.uuid4()
            owned = await session.scalar(_upsert(request, attempt, lease, ttl))
            if owned == attempt:
                return Claim(Outcome.OWNED, attempt=attempt)
            row = await session.get(IdempotencyRecord, (request.user_id, request.key))
            if row is not None:
                return _why_not_owned(row, request)
    # Claimed and released by others three times in a row: as busy as a running request.
    return Claim(Outcome.IN_PROGRESS)


def _upsert(request: Request, attempt: uuid.UUID, lease: timedelta, ttl: timedelta):  # type: ignore[no-untyped-def]
    values = {
        "user_id": request.user_id,
        "key": request.key,
        "fingerprint": request.fingerprint,
        "method": request.method,
        "path": request.path,
        "state": RUNNING,
        "attempt": attempt,
        "locked_until": func.now() + lease,
        "status_code": None,
        "response_headers": None,
        "response_body": None,
        "created_at": func.now(),
        "expires_at": func.now() + ttl,
    }
    statement = insert(IdempotencyRecord).values(**values)
    table = IdempotencyRecord.__table__.c
    takeover = (table.expires_at <= func.now()) | (
        (table.state == RUNNING)
        & (table.locked_until <= func.now())
        & (table.fingerprint == statement.excluded.fingerprint)
    )
    return statement.on_conflict_do_update(
        index_elements=[table.user_id, table.key],
        set_={name: statement.excluded[name] for name in values if name not in ("user_id", "key")},
        where=takeover,
    ).returning(table.attempt)


def _why_not_owned(row: IdempotencyRecord, request: Request) -> Claim:
    if row.fingerprint != request.fingerprint:
        return Claim(Outcome.MISMATCH)
    if row.state != DONE or row.status_code is None:
        return Claim(Outcome.IN_PROGRESS)
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in row.response_headers or []]
    return Claim(Outcome.REPLAY, answer=StoredAnswer(row.status_code, headers, row.response_body or b""))


async def finish(
    sessions: async_sessionmaker[AsyncSession], request: Request, attempt: uuid.UUID, answer: StoredAnswer
) -> None:
    """Store the answer for repeats (only if this attempt still owns the key)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(IdempotencyRecord)
            .where(*_owned_by(request, attempt))
            .values(
                state=DONE,
                locked_until=None,
                status_code=answer.status,
                response_headers=[[n.decode("latin-1"), v.decode("latin-1")] for n, v in answer.headers],
                response_body=answer.body,
            )
        )


async def renew(
    sessions: async_sessionmaker[AsyncSession], request: Request, attempt: uuid.UUID, lease: timedelta
) -> None:
    """Extend a running attempt's lease (its gateway is alive and still working on it)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(IdempotencyRecord)
            .where(*_owned_by(request, attempt), IdempotencyRecord.state == RUNNING)
            .values(locked_until=func.now() + lease)
        )


async def release(sessions: async_sessionmaker[AsyncSession], request: Request, attempt: uuid.UUID) -> None:
    """Forget the key (the request failed in a way a repeat should retry)."""
    async with sessions() as session, session.begin():
        await session.execute(delete(IdempotencyRecord).where(*_owned_by(request, attempt)))


def _owned_by(request: Request, attempt: uuid.UUID) -> tuple:  # type: ignore[type-arg]
    return (
        IdempotencyRecord.user_id == request.user_id,
        IdempotencyRecord.key == request.key,
        IdempotencyRecord.attempt == attempt,
    )


async def prune(session: AsyncSession) -> int:
    """Delete expired keys; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= func.now()).returning(IdempotencyRecord.key)
    )
    return len(result.all())
