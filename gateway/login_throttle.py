"""Throttling failed logins, per account and per client address (OWASP API2).

An attempt is recorded before its password is checked, so guesses sent in parallel all count:
an attempt may go on only while fewer than the limit went before it in the window (per account
and per address); otherwise it is answered 429 with ``Retry-After`` (the seconds until enough
earlier attempts leave the window) and not recorded, so refused attempts never extend the wait. A
wrong password keeps the record; a right one deletes the account's records (its count resets,
the address's does not). Unknown accounts are counted exactly like real ones, so the answers
never say whether an account exists. The records live in the gateway's database: every replica
counts the same attempts.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.models import LoginAttempt
from platformkit.sliding_window import seconds_until_room

TOO_MANY_ATTEMPTS = "Too many failed login attempts; retry later"
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta


def wait_seconds(earlier: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    """None when fewer than ``limit`` attempts of ``earlier`` are inside the window ending at
    ``now``; else the whole seconds until enough of them leave it for one more attempt."""
    return seconds_until_room([(at, 1) for at in earlier], 1, limit, window, now)


def _lock_id(name: str) -> int:
    """A stable signed 64-bit advisory lock id for ``name`` (sorted before taking, so two
    attempts that need the same two locks take them in the same order)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def account_key(username: str) -> str:
    """How an account is counted: the login name as the form sent it, trimmed and lower-cased
    (as emails are stored), cut to the column's length."""
    return username.strip().lower()[:255]


@dataclass(frozen=True)
class Verdict:
    """Either an attempt that may check its password (``attempt_id``) or a refusal
    (``retry_after`` seconds)."""

    attempt_id: uuid.UUID | None
    retry_after: int | None = None


class LoginThrottle:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], limits: Limits) -> None:
        self.sessions = sessions
        self.limits = limits

    async def begin(self, account: str, address: str) -> Verdict:
        """Count the attempt, or refuse it. Attempts on one account or from one address take
        turns (a transaction-scoped advisory lock each), so parallel guesses cannot all slip in
        under the limit: each sees every attempt that went before it."""
        async with self.sessions() as session, session.begin():
            for lock in sorted(
                _lock_id(f"{kind}:{value}") for kind, value in (("account", account), ("address", address))
            ):
                await session.execute(select(func.pg_advisory_xact_lock(lock)))
            now = await session.scalar(select(func.now()))
            assert now is not None
            rows = (
                await session.execute(
                    select(LoginAttempt.account, LoginAttempt.address, LoginAttempt.attempted_at).where(
                        or_(LoginAttempt.account == account, LoginAttempt.address == address),
                        LoginAttempt.attempted_at > now - self.limits.window,
                    )
                )
            ).all()
            limits = self.limits
            waits = [
                wait_seconds(
                    [r.attempted_at for r in rows if r.account == account], limits.per_account, limits.window, now
                ),
                wait_seconds(
                    [r.attempted_at for r in rows if r.address == address], limits.per_address, limits.window, now
                ),
            ]
            retry_after = max((w for w in waits if w is not None), default=None)
            if retry_after is not None:
                return Verdict(None, retry_after)
            attempt_id = uuid.uuid4()
            session.add(LoginAttempt(id=attempt_id, account=account, address=address, attempted_at=now))
        return Verdict(attempt_id)

    async def succeeded(self, account: str) -> None:
        """The password was right: the account starts counting from zero again."""
        async with self.sessions() as session, session.begin():
            await session.execute(delete(LoginAttempt).where(LoginAttempt.account == account))


async def prune(session: AsyncSession, window: timedelta) -> int:
    """Delete attempts older than the window (they no longer count); returns how many."""
    result = await session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at <= func.now() - window).returning(LoginAttempt.id)
    )
    return len(result.all())
