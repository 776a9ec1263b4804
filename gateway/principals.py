"""Who is calling, without a database round trip on the hot path.

Every API call turns its bearer token into the caller's identity: their account (active or not,
admin or not, email) and the organizations they belong to, which travel to the services as the
call's principal. Reading those from the identity database cost two statements per request, so
each gateway keeps them in memory per user (:class:`PrincipalCache`), and PostgreSQL tells every
replica the moment they change:

- triggers on ``users`` and ``organization_members`` (migration 0002) send
  ``NOTIFY identity_changed, '<user id>'`` from the writing transaction. PostgreSQL delivers a
  notification at commit, to every session listening, whatever wrote the row (an API call on any
  replica, a migration, an operator's SQL);
- each gateway listens on a connection of its own and forgets that user's entry when told;
- the replica that makes a change commits it through :meth:`PrincipalCache.commit_change`: the
  transaction also sends the notification itself (so a change no trigger sees, or an idempotent
  one, still announces itself), the replica forgets the entry right after its commit, and it
  answers only once the notification came back to its own listener (at most
  ``CONFIRM_SECONDS``). PostgreSQL signals every listening session at the same moment, so by
  the time the client reads the answer the other replicas have been handed it too (a replica
  whose own process is starved of CPU reads it as soon as it runs again).

So deactivating a user or removing a membership applies to the next request on every replica
once PostgreSQL has handed the notification to it: well under a millisecond on one machine, and
the changing request itself waits for that hand-over before it answers.

Safety nets: while the listening connection is down nothing is cached or served from the cache
(every request reads the database, as before), and the cache is emptied whenever listening
starts again, since changes may have been missed meanwhile; a read that raced with a change is
not stored (a generation counter, bumped by every notification); and no entry is trusted
longer than ``ttl_seconds`` anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
from prometheus_client import Counter
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.models import OrganizationMember, User
from platformkit.backoff import Backoff
from platformkit.tasks import cancel
from protos.common.v1 import common_pb2

log = logging.getLogger(__name__)

CHANNEL = "identity_changed"
# A notification that empties every replica's cache (e.g. sent by hand after a bulk change).
EVERYONE = "*"
# How often the listening connection is checked (a silently dropped connection is noticed).
LIVENESS_SECONDS = 15.0
# How long a change's answer waits for its own notification to come back (a bound, not a delay:
# the round trip is well under a millisecond when PostgreSQL is healthy).
CONFIRM_SECONDS = 2.0

LOOKUPS = Counter("principal_cache_lookups_total", "Principals resolved, by outcome (hit, miss)", ["outcome"])
INVALIDATIONS = Counter("principal_cache_invalidations_total", "Identity changes PostgreSQL announced")
for _outcome in ("hit", "miss"):
    LOOKUPS.labels(_outcome)


@dataclass(frozen=True)
class Identity:
    """What a request needs to know of its caller."""

    user_id: uuid.UUID
    email: str
    is_active: bool
    is_superuser: bool
    organization_ids: tuple[uuid.UUID, ...]

    def principal(self) -> common_pb2.Principal:
        return common_pb2.Principal(
            user_id=str(self.user_id),
            is_superuser=self.is_superuser,
            organization_ids=[str(i) for i in self.organization_ids],
            email=self.email,
        )


async def load_identity(session: AsyncSession, user_id: uuid.UUID) -> Identity | None:
    """The user's identity from the database (one statement), or None for no such user."""
    organization_ids = (
        select(array_agg(aggregate_order_by(OrganizationMember.organization_id, OrganizationMember.organization_id)))
        .where(OrganizationMember.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    statement = select(User.email, User.is_active, User.is_superuser, organization_ids).where(User.id == user_id)
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    email, active, superuser, organizations = row
    return Identity(user_id, email, active, superuser, tuple(organizations or ()))


class PrincipalCache:
    """Identities by user id, kept while PostgreSQL says nothing changed (see the module doc)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dsn: str,
        *,
        ttl_seconds: float = 300.0,
        max_entries: int = 10_000,
    ) -> None:
        self._sessions = sessions
        self._dsn = dsn
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[uuid.UUID, tuple[Identity, float]] = OrderedDict()
        self._generation = 0
        # Changes this replica committed, waiting for their notification to come back.
        self._awaited: dict[uuid.UUID, list[asyncio.Future[None]]] = {}
        self._listening = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Set whenever the listening connection is up (tests and health may wait on it).
        self.listening = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    async def start(self) -> None:
        if self.enabled:
            self._stopping.clear()
            self._task = asyncio.create_task(self._listen(), name="principal-cache-listener")

    async def stop(self) -> None:
        self._stopping.set()
        await cancel(self._task)
        self._task = None

    async def identity(self, user_id: uuid.UUID) -> Identity | None:
        """The user's identity: from memory when it is known and trusted, else from the database."""
        cached = self._entries.get(user_id) if self._listening else None
        if cached is not None and time.monotonic() - cached[1] < self._ttl:
            LOOKUPS.labels("hit").inc()
            return cached[0]
        LOOKUPS.labels("miss").inc()
        generation = self._generation
        async with self._sessions() as session:
            found = await load_identity(session, user_id)
        # Stored only if no change was announced while we read (the read may predate it).
        if found is not None and self._listening and generation == self._generation:
            self._store(found)
        return found

    async def commit_change(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Commit ``session``, which changed ``user_id``'s identity, and return once every replica
        has been told: the notification goes out with the commit and is awaited back here."""
        echo: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._listening:
            self._awaited.setdefault(user_id, []).append(echo)
        try:
            await session.execute(select(func.pg_notify(CHANNEL, str(user_id))))
            await session.commit()
            self.forget(user_id)
            if self._listening and not echo.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(echo), CONFIRM_SECONDS)
        finally:
            waiting = self._awaited.get(user_id, [])
            if echo in waiting:
                waiting.remove(echo)
            if not waiting:
                self._awaited.pop(user_id, None)

    def forget(self, user_id: uuid.UUID | None = None) -> None:
        """Drop one user's entry (every entry for None) and refuse reads that raced with it."""
        self._generation += 1
        if user_id is None:
            self._entries.clear()
        else:
            self._entries.pop(user_id, None)

    def _store(self, identity: Identity) -> None:
        self._entries[identity.user_id] = (identity, time.monotonic())
        self._entries.move_to_end(identity.user_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def _on_notification(self, connection: object, pid: int, channel: str, payload: str) -> None:
        INVALIDATIONS.inc()
        try:
            user_id = None if payload == EVERYONE else uuid.UUID(payload)
        except ValueError:
            log.warning("principal cache: unreadable identity notification %r; forgetting everyone", payload)
            user_id = None
        self.forget(user_id)
        awaited = self._awaited.values() if user_id is None else [self._awaited.get(user_id, [])]
        for echo in [echo for waiting in awaited for echo in waiting]:
            if not echo.done():
                echo.set_result(None)

    def _set_listening(self, listening: bool) -> None:
        # Either way, what we knew may be stale: starting to listen follows a gap, stopping starts one.
        self._listening = listening
        self.forget()
        if listening:
            self.listening.set()
        else:
            self.listening.clear()

    async def _listen(self) -> None:
        backoff = Backoff()
        while not self._stopping.is_set():
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _, closed=lost: closed.set())
                await connection.add_listener(CHANNEL, self._on_notification)
                self._set_listening(True)
                backoff.reset()
                await self._watch(connection, lost)
            except Exception as exc:
                log.warning("principal cache: not listening to identity changes (%s); reading the database", exc)
            finally:
                if self._listening:
                    self._set_listening(False)
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff.next_delay())

    async def _watch(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Until the connection is lost or fails a liveness check (or the cache stops)."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), LIVENESS_SECONDS)
            if lost.is_set():
                raise ConnectionError("the listening connection was closed")
            await connection.fetchval("SELECT 1", timeout=5)
