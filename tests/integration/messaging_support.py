"""Shared pieces of the messaging integration tests (real PostgreSQL and a real broker).

A :class:`ServiceDb` is a fresh database holding the messaging tables plus ``effects``: one
row per (consumer, event) with a counter that a second application would raise to 2, so a
test can assert that every event took effect exactly once. A :class:`Harness` starts buses,
relays, consumers and private brokers for one test and stops them all at the end.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from devstack.engines import EmbeddedBroker
from devstack.ports import free_port
from platformkit.bus import Bus
from platformkit.consumer import Consumer, Handler
from platformkit.db import create_engine, new_metadata, session_factory, transaction
from platformkit.messaging_tables import MessagingTables, messaging_tables
from platformkit.outbox import OutboxRelay, add_event
from platformkit.settings import ProcessSettings
from platformkit.topics import Topic
from protos.events.v1.envelope_pb2 import EventEnvelope

EVENT_TYPE = "test.happened"
_Component = TypeVar("_Component", Bus, OutboxRelay, Consumer)


def unique_topic() -> Topic:
    """A topic of its own, so tests sharing the session broker never read each other's events."""
    return Topic(f"test.{uuid.uuid4().hex[:12]}")


def fast_settings(bootstrap: str, **overrides: Any) -> ProcessSettings:
    """Short group timings and epoch checks, so that joins and repairs take about a second."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "broker_epoch_check_interval": 0.3,
        "kafka_session_timeout_ms": 1000,
        "kafka_heartbeat_interval_ms": 200,
    }
    return ProcessSettings(**(values | overrides))


async def wait_until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0) -> None:
    """Poll ``check`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting until {what}")
        await asyncio.sleep(0.05)


@dataclass
class ServiceDb:
    """One service's database: outbox, processed events, broker state and test effects."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    effects: sa.Table

    async def write_events(
        self, topic: Topic, aggregate_ids: Iterable[str], text: str = "", event_type: str = EVENT_TYPE
    ) -> list[uuid.UUID]:
        """Add one event per aggregate id (payload ``text``), in one committed transaction, in order."""
        async with transaction(self.sessions) as session:
            return [
                await add_event(
                    session,
                    self.tables,
                    topic=topic,
                    event_type=event_type,
                    aggregate_id=aggregate_id,
                    payload=StringValue(value=text),
                    source="tests",
                )
                for aggregate_id in aggregate_ids
            ]

    def counting_handler(
        self, consumer: str, worker: str = "", fail: Callable[[EventEnvelope], None] | None = None
    ) -> Handler:
        """A handler that counts each application of an event (``fail`` may raise first)."""
        effects = self.effects

        async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
            if fail:
                fail(envelope)
            insert = pg_insert(effects).values(
                consumer=consumer, event_id=uuid.UUID(envelope.id), worker=worker, count=1
            )
            await session.execute(
                insert.on_conflict_do_update(
                    index_elements=[effects.c.consumer, effects.c.event_id], set_={"count": effects.c.count + 1}
                )
            )

        return handle

    async def effect_counts(self, consumer: str) -> dict[uuid.UUID, int]:
        async with self.sessions() as session:
            rows = await session.execute(
                sa.select(self.effects.c.event_id, self.effects.c.count).where(self.effects.c.consumer == consumer)
            )
            return {row.event_id: row.count for row in rows}

    async def workers(self, consumer: str) -> dict[uuid.UUID, str]:
        """Which worker (consumer instance) applied each event."""
        async with self.sessions() as session:
            rows = await session.execute(
                sa.select(self.effects.c.event_id, self.effects.c.worker).where(self.effects.c.consumer == consumer)
            )
            return {row.event_id: row.worker for row in rows}

    async def has_effects(self, consumer: str, event_ids: Iterable[uuid.UUID]) -> bool:
        return set(event_ids) <= set(await self.effect_counts(consumer))

    async def processed_event_ids(self) -> set[uuid.UUID]:
        """The events some consumer recorded as processed (``processed_events``)."""
        async with self.sessions() as session:
            return set(await session.scalars(sa.select(self.tables.processed_events.c.event_id)))

    async def outbox_rows(self) -> list[sa.Row[Any]]:
        outbox = self.tables.outbox
        async with self.sessions() as session:
            return list(await session.execute(sa.select(outbox).order_by(outbox.c.created_at)))


async def open_service_db(url: str) -> ServiceDb:
    metadata = new_metadata()
    tables = messaging_tables(metadata)
    effects = sa.Table(
        "effects",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("worker", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    engine = create_engine(url, pool_size=5)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return ServiceDb(engine, session_factory(engine), tables, effects)


async def read_topic(bootstrap: str, topic: Topic) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record the broker holds in ``topic``, partition by partition."""
    partitions = [TopicPartition(topic.name, p) for p in await _partition_ids(bootstrap, topic)]
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=10)
    await reader.start()
    try:
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
        await reader.seek_to_beginning(*partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        async with asyncio.timeout(20):
            while len(records) < sum(ends.values()):
                for batch in (await reader.getmany(timeout_ms=200)).values():
                    records.extend(batch)
        return records
    finally:
        await reader.stop()


async def _partition_ids(bootstrap: str, topic: Topic) -> list[int]:
    """Asked of the broker, not taken from ``topic``: tansu auto-creates a missing topic that a
    client merely asks about, with its own partition count (4)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic.name])
        return sorted(p["partition"] for p in description["partitions"])
    finally:
        await admin.close()


async def published_ids(bootstrap: str, topic: Topic) -> list[uuid.UUID]:
    """The event ids the broker holds in ``topic`` (with repeats, if any)."""
    return [uuid.UUID(EventEnvelope.FromString(r.value).id) for r in await read_topic(bootstrap, topic)]


async def holds_events(bootstrap: str, topic: Topic, event_ids: Iterable[uuid.UUID]) -> bool:
    """Whether the broker holds every one of ``event_ids`` in ``topic``."""
    return set(event_ids) <= set(await published_ids(bootstrap, topic))


@dataclass
class Harness:
    """Starts the real components one test needs, and stops all of them (last first) at the end.

    Use it as ``async with Harness(new_database, bootstrap) as harness:``.
    """

    new_database: Callable[[str], str]
    bootstrap: str
    _running: list[Any] = field(default_factory=list)

    def own_broker(self) -> EmbeddedBroker:
        """A private broker for tests that stop or restart it; later components use it."""
        broker = EmbeddedBroker(free_port())
        broker.start()
        self._running.append(broker)
        self.bootstrap = broker.bootstrap
        return broker

    def settings(self, **overrides: Any) -> ProcessSettings:
        return fast_settings(self.bootstrap, **overrides)

    async def service_db(self, prefix: str = "messaging") -> ServiceDb:
        db = await open_service_db(self.new_database(prefix))
        self._running.append(db.engine)
        return db

    async def bus(self, topics: Sequence[Topic], *, request_timeout_ms: int = 2000, **settings: Any) -> Bus:
        bus = Bus(self.settings(**settings), client_id="tests", topics=topics, request_timeout_ms=request_timeout_ms)
        return await self._start(bus)

    async def relay(self, db: ServiceDb, bus: Bus, **options: Any) -> OutboxRelay:
        return await self._start(OutboxRelay(db.engine, db.tables, bus, **options))

    async def consumer(
        self,
        db: ServiceDb,
        bus: Bus,
        topics: Sequence[Topic],
        *,
        name: str = "counter",
        worker: str = "",
        handler: Handler | None = None,
        **options: Any,
    ) -> Consumer:
        consumer = Consumer(
            bus.settings,
            db.sessions,
            db.tables,
            name=name,
            group_id=f"{name}@{topics[0].name}",
            topics=topics,
            handler=handler or db.counting_handler(name, worker),
            bus=bus,
            **options,
        )
        return await self._start(consumer)

    async def stop(self, component: Any) -> None:
        """Stop one component now (a process shutting down)."""
        self._running.remove(component)
        await _stop(component)

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        while self._running:
            await _stop(self._running.pop())

    async def _start(self, component: _Component) -> _Component:
        await component.start()
        self._running.append(component)
        return component


def crash(broker: EmbeddedBroker) -> None:
    """Kill the broker at once: its memory, hence every topic, record and offset, is gone.

    ``EmbeddedBroker.stop`` waits up to 5 s for tansu to close client connections, blocking the
    event loop the components under test run on; a crash is both faster and the harsher case.
    """
    if broker.process is not None:
        broker.process.kill()
        broker.process.wait()
        broker.process = None


async def _stop(component: Any) -> None:
    if isinstance(component, AsyncEngine):
        await component.dispose()
    elif isinstance(component, EmbeddedBroker):
        crash(component)
    else:
        await component.stop()
