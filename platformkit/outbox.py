"""Transactional outbox: events are rows written with the state change, published afterwards.

:func:`add_event` inserts the event in the caller's transaction, so an event exists if and only
if its state change committed. :class:`OutboxRelay` is the background task that publishes the
rows through the :class:`~platformkit.bus.Bus`, stamps ``published_at`` once the broker has
acknowledged them, and retries forever with capped backoff while the broker is away: an outage
delays events but loses none.

Latency: a commit that added events wakes the relays of this process at once (a SQLAlchemy
``after_commit`` listener, registered once for every ``Session`` in the process, reads a flag
that :func:`add_event` leaves in ``session.info``: nothing is registered per session, so
nothing accumulates). Every process that writes events runs a relay, so ``poll_interval`` only
matters for rows a process left behind when it stopped; idle, a relay looks every two seconds.
A relay that finds another one publishing (the lock below) looks again within milliseconds,
doubling up to ``poll_interval``: the other may have read its batch just before our commit.

Ordering: rows are claimed in ``created_at`` order (the insert's clock time, not the
transaction's start) with ``FOR UPDATE SKIP LOCKED``, a batch is sent in that order and marked
only after every record was acknowledged; a failed batch is sent again whole. Kafka keeps the
order per partition, hence per aggregate id. Replicas of a service can all run a relay: a
transaction-scoped advisory lock lets one of them publish at a time, because two relays sending
interleaved batches could reorder the events of one aggregate.

Broker resets: the relay stores the broker epoch it last published to in ``broker_state``.
When the bus reports another epoch (a broker that came back empty), rows published within
``outbox_replay_window_hours`` are marked unpublished and go out again; rows older than that
window are pruned periodically.

Metrics (:mod:`platformkit.metrics`): every acknowledged row counts per topic and observes its
relay lag (insert to acknowledgement); every ``backlog_interval`` seconds one indexed query
reports the unpublished rows and the age of the oldest, which is what an alert watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from opentelemetry import propagate
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from platformkit import metrics
from platformkit.backoff import Backoff
from platformkit.bus import Bus
from platformkit.db import any_of
from platformkit.event_types import ensure_contract_topic
from platformkit.messaging_tables import MessagingTables
from platformkit.telemetry import background
from platformkit.topics import Topic
from protos.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger(__name__)

BROKER_EPOCH_KEY = "broker_epoch"
# pg_try_advisory_xact_lock key held by the relay that is publishing ("outbox" in ASCII).
_RELAY_LOCK_ID = 0x6F7574626F78
_WAKE_FLAG = "platformkit.outbox.wake"
# First delay before trying again when another relay holds the publishing lock.
LOCK_BUSY_RETRY_SECONDS = 0.005
_relays: set[OutboxRelay] = set()


def build_envelope(
    *, event_id: uuid.UUID, event_type: str, aggregate_id: str, payload: Message, source: str
) -> EventEnvelope:
    """The envelope of a new event, carrying the W3C trace context that is current now."""
    envelope = EventEnvelope(id=str(event_id), type=event_type, aggregate_id=aggregate_id, source=source)
    envelope.occurred_at.GetCurrentTime()
    envelope.payload.Pack(payload)
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    envelope.trace_context.update(carrier)
    return envelope


async def add_event(
    session: AsyncSession,
    tables: MessagingTables,
    *,
    topic: Topic,
    event_type: str,
    aggregate_id: str,
    payload: Message,
    source: str,
) -> uuid.UUID:
    """Write an event into the outbox within the caller's transaction; returns the event id.

    Nothing is published if the transaction rolls back. After it commits, this process's relay
    wakes up and publishes the event.
    """
    row = _outbox_row(topic, NewEvent(event_type, aggregate_id, payload), source)
    # Insert time, not transaction start: rows of one transaction keep their write order.
    await session.execute(tables.outbox.insert().values(**row, created_at=sa.func.clock_timestamp()))
    session.info[_WAKE_FLAG] = True
    return row["id"]


@dataclass(frozen=True)
class NewEvent:
    """One event of a batch for :func:`add_events`."""

    event_type: str
    aggregate_id: str
    payload: Message


async def add_events(
    session: AsyncSession, tables: MessagingTables, *, topic: Topic, events: Sequence[NewEvent], source: str
) -> list[uuid.UUID]:
    """Write many events in one statement (a look creation emits thousands of shot events).

    Rows of one statement may share an insert time, so their relative order is only kept between
    different aggregates: use :func:`add_event` for successive events of one aggregate.
    """
    if not events:
        return []
    rows = [_outbox_row(topic, new, source) for new in events]
    await session.execute(tables.outbox.insert().values(created_at=sa.func.clock_timestamp()), rows)
    session.info[_WAKE_FLAG] = True
    return [row["id"] for row in rows]


def _outbox_row(topic: Topic, new: NewEvent, source: str) -> dict[str, Any]:
    """The outbox row of one event: its envelope, on the topic its payload's contract states."""
    ensure_contract_topic(topic, new.payload)
    event_id = uuid.uuid4()
    envelope = build_envelope(
        event_id=event_id, event_type=new.event_type, aggregate_id=new.aggregate_id, payload=new.payload, source=source
    )
    return {
        "id": event_id,
        "topic": topic.name,
        "key": new.aggregate_id,
        "event_type": new.event_type,
        "payload": envelope.SerializeToString(),
        "headers": dict(envelope.trace_context),
    }


@event.listens_for(Session, "after_commit")
def _wake_relays_after_commit(session: Session) -> None:
    if session.info.pop(_WAKE_FLAG, False):
        for relay in tuple(_relays):
            relay.wake()


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_events(session: Session, transaction: SessionTransaction) -> None:
    # A rollback or a close without commit: the next transaction of this session starts clean.
    if transaction.parent is None:
        session.info.pop(_WAKE_FLAG, None)


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


def _count_published(rows: Sequence[sa.Row[Any]]) -> None:
    now = datetime.now(UTC)
    for row in rows:
        metrics.outbox_published(row.topic).inc()
        metrics.OUTBOX_RELAY_LAG.observe(max((now - row.created_at).total_seconds(), 0.0))


class OutboxPublishError(Exception):
    """A batch was not acknowledged by the broker; its rows stay unpublished for the next try."""


class OutboxRelay:
    """Publishes one service database's outbox through the bus (see the module docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: MessagingTables,
        bus: Bus,
        *,
        batch_size: int = 200,
        poll_interval: float = 2.0,
        prune_interval: float = 600.0,
        backlog_interval: float = 5.0,
    ) -> None:
        # Every statement of the relay is Core: it runs on the engine's connections, without an ORM
        # session around them (publishing is on the way from every commit to the broker).
        self._engine = engine
        self._outbox = tables.outbox
        self._broker_state = tables.broker_state
        self._bus = bus
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._prune_interval = prune_interval
        self._replay_window = timedelta(hours=bus.settings.outbox_replay_window_hours)
        self._synced_epoch: str | None = None
        self._next_prune = 0.0
        self._backlog_interval = backlog_interval
        self._next_backlog = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch_query = self._unpublished_batch()
        self._remove_listener: Callable[[], None] | None = None

    async def start(self) -> None:
        self._stopping.clear()
        self._loop = asyncio.get_running_loop()
        _relays.add(self)
        # The bus's listener only wakes us: the epoch is compared with the database in our own task.
        self._remove_listener = self._bus.add_epoch_listener(lambda previous, current: self.wake())
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch in hand, then stop (a batch cut short is simply sent again later)."""
        _relays.discard(self)
        self._stopping.set()
        self.wake()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout)
            except TimeoutError:
                log.warning("outbox relay did not stop within %.0fs; cancelled", timeout)
            self._task = None
        if self._remove_listener:
            self._remove_listener()
            self._remove_listener = None

    def wake(self) -> None:
        """Look for rows now instead of at the next poll (safe from any thread)."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        backoff = Backoff()
        busy = Backoff(initial=LOCK_BUSY_RETRY_SECONDS, cap=self._poll_interval)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                with background():
                    sent = await self._step()
            except Exception as exc:
                delay = backoff.next_delay()
                log.warning("outbox relay: %s; retrying in %.1fs", exc, delay)
                # Commits do not cut a backoff short (only stop() does): an outage is not hammered.
                await _wait(self._stopping, delay)
                continue
            backoff.reset()
            if sent is None:
                await _wait(self._wake, busy.next_delay())
                continue
            busy.reset()
            if sent < self._batch_size:
                await _wait(self._wake, self._poll_interval)

    async def _step(self) -> int | None:
        """One round of work: the rows sent (a full batch: more may be waiting), or ``None``
        when another relay holds the publishing lock."""
        if time.monotonic() >= self._next_backlog:
            # First, broker or not: a backlog that grows while the broker is away is the point.
            await self._measure_backlog()
            self._next_backlog = time.monotonic() + self._backlog_interval
        epoch = self._bus.epoch
        if epoch is None:
            return 0  # the broker has not been reached yet; its first epoch wakes us
        if epoch != self._synced_epoch:
            await self._sync_epoch(epoch)
            self._synced_epoch = epoch
        if time.monotonic() >= self._next_prune:
            await self._prune()
            self._next_prune = time.monotonic() + self._prune_interval
        return await self._publish_batch()

    async def _measure_backlog(self) -> None:
        outbox = self._outbox
        async with self._engine.connect() as connection:
            count, oldest = (
                await connection.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.coalesce(sa.func.extract("epoch", sa.func.now() - sa.func.min(outbox.c.created_at)), 0),
                    ).where(outbox.c.published_at.is_(None))
                )
            ).one()
        metrics.OUTBOX_BACKLOG.set(count)
        metrics.OUTBOX_OLDEST.set(max(float(oldest), 0.0))

    async def _sync_epoch(self, epoch: str) -> None:
        """Re-publish the replay window if the broker is not the one this database last saw."""
        state = self._broker_state
        async with self._engine.begin() as connection:
            await connection.execute(pg_insert(state).values(key=BROKER_EPOCH_KEY, value="").on_conflict_do_nothing())
            stored = await connection.scalar(
                sa.select(state.c.value).where(state.c.key == BROKER_EPOCH_KEY).with_for_update()
            )
            if stored == epoch:
                return
            outbox = self._outbox
            replayed = await connection.execute(
                sa.update(outbox)
                .where(outbox.c.published_at > sa.func.now() - self._replay_window)
                .values(published_at=None)
            )
            await connection.execute(
                sa.update(state).where(state.c.key == BROKER_EPOCH_KEY).values(value=epoch, updated_at=sa.func.now())
            )
        if stored:
            log.warning("broker epoch %s replaced %s: re-publishing %d outbox rows", epoch, stored, replayed.rowcount)
        else:
            log.info("broker epoch %s recorded (%d outbox rows re-published)", epoch, replayed.rowcount)

    def _unpublished_batch(self) -> sa.Select[Any]:
        """The relay's lock and the oldest unpublished rows, in one round trip (it is on the way from
        every commit to the broker): one row per outbox row, each saying the lock is held, or a
        single row of nulls saying whether it is (another replica is publishing when it is not)."""
        outbox = self._outbox
        held = sa.select(sa.func.pg_try_advisory_xact_lock(_RELAY_LOCK_ID).label("held")).subquery("relay_lock")
        rows = (
            sa.select(
                outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload, outbox.c.headers, outbox.c.created_at
            )
            .where(held.c.held, outbox.c.published_at.is_(None))
            .order_by(outbox.c.created_at)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
            .lateral("unpublished")
        )
        query = sa.select(held.c.held, *rows.c).select_from(held.outerjoin(rows, sa.true()))
        return query.order_by(rows.c.created_at)

    async def _publish_batch(self) -> int | None:
        """The rows published, or ``None`` when another relay holds the lock."""
        outbox = self._outbox
        failure: Exception | None = None
        async with self._engine.begin() as connection:
            found = (await connection.execute(self._batch_query)).all()
            if not found[0].held:
                return None  # another replica is publishing
            rows = [row for row in found if row.id is not None]
            if not rows:
                return 0
            batch = sa.update(outbox).where(any_of(outbox.c.id, [row.id for row in rows]))
            try:
                await self._bus.publish(rows)
            except Exception as exc:
                failure = exc
                error = f"{type(exc).__name__}: {exc}"[:2000]
                await connection.execute(batch.values(attempts=outbox.c.attempts + 1, last_error=error))
            else:
                # The instant of the acknowledgement, not the transaction's start (now()), which
                # came before the rows were even read.
                await connection.execute(batch.values(published_at=sa.func.clock_timestamp(), last_error=None))
        if failure is not None:
            raise OutboxPublishError(f"{len(rows)} outbox rows not acknowledged ({failure})") from failure
        _count_published(rows)
        return len(rows)

    async def _prune(self) -> None:
        outbox = self._outbox
        async with self._engine.begin() as connection:
            pruned = await connection.execute(
                sa.delete(outbox).where(outbox.c.published_at < sa.func.now() - self._replay_window)
            )
        if pruned.rowcount:
            log.info("pruned %d published outbox rows older than the replay window", pruned.rowcount)
