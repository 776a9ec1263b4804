"""The Kafka side of reliable messaging: one producer per process, idempotent consumers, and
detection of a broker that came back empty.

Publishing. :class:`Bus` owns one ``AIOKafkaProducer`` (``acks="all"``; no idempotence or
transactions, which the default broker does not support). Only the outbox relay
(:mod:`platformkit.outbox`) publishes: the Kafka key is the aggregate id, the value the
serialized ``events.v1.EventEnvelope``, and the W3C trace context of the writing transaction
travels as Kafka headers.

Broker epoch. The local broker keeps everything in memory: after a restart its topics,
messages and committed offsets are gone, producers reconnect silently and consumers keep
their old positions and skip what the new broker holds below them. Every broker incarnation
therefore gets an *epoch*: the first record of the one-partition topic ``_platform.epoch``.
A process that finds that topic empty writes a random id and reads the first record back, so
concurrent writers agree on whichever landed first. The bus reads the epoch at start, every
``broker_epoch_check_interval`` seconds and soon after a publish error. When it changes it
creates the topics again and tells its listeners (:meth:`Bus.add_epoch_listener`): the outbox
relay compares the epoch with the one stored in its own database (``broker_state``, so a
service restarted after a reset notices too) and re-publishes the rows inside the replay
window; each :class:`Consumer` seeks to the beginning of its partitions. Idempotent consumers
make the resulting duplicates harmless. Apache Kafka keeps its data, so the epoch never
changes there and the same code finds nothing to repair.

Measured with tansu 0.6 (see the tests): the restarted broker also forgets the consumer
groups, so aiokafka rejoins and, finding no committed offsets, starts over from the earliest
record by itself; the rewind is what repairs a consumer whose membership survives the loss.
Tansu also auto-creates any topic a client merely asks about, with 4 partitions, so after a
reset a topic may come back with 4 partitions instead of the catalogue's count if a client
asked before the bus recreated it: keys then map to other partitions, which only matters
for parallelism, not for per-key order within the new incarnation; a consumer renews its client
on an epoch change, so its group is assigned every partition the topic has now.

Consuming. :class:`Consumer` reads in a consumer group with manual commits. Per message, in
one database transaction, it records ``(consumer, event id)`` in ``processed_events`` and runs
the handler only if that row is new; then it commits the Kafka offset. A redelivered event
therefore changes nothing. Failures are handled in two ways:

- Transient ones (database or network unavailable, serialization conflicts, a handler raising
  :class:`TransientError`) are retried with capped backoff for as long as they last: the
  partition waits, and nothing is skipped.
- Any other exception is a bug or bad data that the same input will hit again. Retrying it
  forever would stall every later event of its partition, so it is retried ``max_attempts``
  times, then logged at ERROR with the event id and type and *skipped* (its offset is
  committed, no ``processed_events`` row is written). The log line is the dead letter: fix the
  cause and re-publish the event if its effect is still wanted.

Metrics (:mod:`platformkit.metrics`): per record, its processing time and outcome (processed,
duplicate, skipped, unreadable); per partition, after each batch, how far the consumer is behind
the partition's end as the last fetch saw it (no extra broker round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, TopicAlreadyExistsError
from google.protobuf.message import DecodeError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics
from platformkit.backoff import Backoff
from platformkit.db import transaction
from platformkit.messaging_tables import MessagingTables
from platformkit.settings import ProcessSettings
from platformkit.telemetry import background
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH, Topic, ensure_topics
from platformkit.transient import TransientError, is_transient
from protos.events.v1.envelope_pb2 import EventEnvelope

# Handlers raise TransientError from here; which failures are transient lives in platformkit.transient.
__all__ = ["BrokerUnavailable", "Bus", "Consumer", "TransientError", "is_transient"]

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

_EPOCH_PARTITION = TopicPartition(BROKER_EPOCH.name, 0)
# The epoch record must outlive the broker's default retention, or a durable broker would look
# reset once a week. Deploy tooling that creates this topic itself must give it the same config.
_EPOCH_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1"}

_Client = TypeVar("_Client", AIOKafkaProducer, AIOKafkaConsumer)
EpochListener = Callable[[str | None, str], None]
Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


class OutgoingRecord(Protocol):
    """What :meth:`Bus.publish` needs of a record; an ``outbox`` row has these columns."""

    @property
    def topic(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


class BrokerUnavailable(Exception):
    """The bus could not reach the broker (it keeps trying in the background)."""


class Bus:
    """The process's producer and its watch over the broker's epoch.

    ``topics`` are the topics this process needs (the whole catalogue by default); they are
    created at start and again whenever the broker comes back empty.
    """

    def __init__(
        self,
        settings: ProcessSettings,
        *,
        client_id: str,
        topics: Sequence[Topic] = ALL_TOPICS,
        request_timeout_ms: int = 10_000,
    ) -> None:
        self.settings = settings
        self.client_id = client_id
        self._topics = tuple(t for t in topics if t.name != BROKER_EPOCH.name)
        self._request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None
        self._epoch_reader: AIOKafkaConsumer | None = None
        self._epoch: str | None = None
        self._listeners: list[EpochListener] = []
        self._check_lock = asyncio.Lock()
        self._producer_lock = asyncio.Lock()
        self._check_soon = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return self.settings.kafka_bootstrap_servers

    @property
    def epoch(self) -> str | None:
        """The broker incarnation last seen, or ``None`` before the broker was first reached."""
        return self._epoch

    def add_epoch_listener(self, listener: EpochListener) -> Callable[[], None]:
        """Call ``listener(previous, current)`` whenever the observed epoch changes.

        ``previous`` is ``None`` the first time. Listeners run inside the bus's check and must
        only take note (set a flag, wake a task); returns a function that removes the listener.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def request_epoch_check(self) -> None:
        """Check the epoch now rather than at the next interval (e.g. after a publish error)."""
        self._check_soon.set()

    async def start(self) -> None:
        """Connect and read the epoch; an unreachable broker is retried in the background."""
        try:
            await self.check_epoch()
        except Exception as exc:
            log.warning(
                "broker %s not reachable at start (%s); retrying in the background", self.bootstrap_servers, exc
            )
        self._watcher = asyncio.create_task(self._watch_epoch(), name=f"bus-epoch-{self.client_id}")

    async def stop(self) -> None:
        if self._watcher:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self._close_epoch_reader()
        if self._producer:
            producer, self._producer = self._producer, None
            try:
                # stop() flushes what is still queued; a dead broker must not hang shutdown.
                async with asyncio.timeout(self._request_timeout_ms / 1000):
                    await producer.stop()
            except (TimeoutError, KafkaError) as exc:
                log.warning("producer did not flush before stopping: %s", exc)

    async def ensure_topics(self) -> list[str]:
        """Create the epoch topic (unlimited retention) and every missing topic of this process."""
        created = await self._ensure_epoch_topic()
        created += await ensure_topics(self.bootstrap_servers, self._topics)
        if created:
            log.info("created topics %s", created)
        return created

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Send the records in order and return once the broker acknowledged every one.

        Raises on any failure; some records may have been delivered anyway, so the caller
        sends them all again (consumers discard the duplicates).
        """
        if not records:
            return
        try:
            producer = await self._ensure_producer()
            async with asyncio.timeout(2 * self._request_timeout_ms / 1000):
                acks = [await self._send(producer, record) for record in records]
                await asyncio.gather(*acks)
        except Exception:
            self.request_epoch_check()
            raise

    async def check_epoch(self) -> str:
        """Read (or establish) the broker's epoch; on a change, repair topics and notify."""
        async with self._check_lock:
            try:
                epoch = await self._read_epoch()
                if epoch is None:
                    # An empty broker: recreate what it lost, then claim the epoch (first writer wins).
                    await self.ensure_topics()
                    await self._claim_epoch()
                    epoch = await self._read_epoch()
            except Exception:
                await self._close_epoch_reader()
                raise
            if epoch is None:
                raise BrokerUnavailable("the broker epoch record cannot be read back")
            if epoch != self._epoch:
                await self._adopt_epoch(epoch)
            return epoch

    async def _adopt_epoch(self, epoch: str) -> None:
        previous = self._epoch
        if previous is None:
            log.info("broker epoch is %s", epoch)
        else:
            log.warning(
                "broker epoch changed from %s to %s: the broker lost its data; recreating topics, "
                "re-publishing the outbox and rewinding consumers",
                previous,
                epoch,
            )
            # (The first time, the topics were just ensured when the epoch reader was created.)
            await self.ensure_topics()
        self._epoch = epoch
        for listener in list(self._listeners):
            try:
                listener(previous, epoch)
            except Exception:
                log.exception("broker epoch listener failed")

    async def _watch_epoch(self) -> None:
        unreachable = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._check_soon.wait(), self.settings.broker_epoch_check_interval)
            self._check_soon.clear()
            try:
                with background():
                    await self.check_epoch()
            except Exception as exc:
                # Logged once per outage: the relay's and consumers' own retries say the rest.
                log.log(logging.DEBUG if unreachable else logging.WARNING, "broker epoch check failed: %s", exc)
                unreachable = True
            else:
                if unreachable:
                    log.info("broker %s reachable again", self.bootstrap_servers)
                unreachable = False

    async def _send(self, producer: AIOKafkaProducer, record: OutgoingRecord) -> asyncio.Future[object]:
        # Send inside the writer's trace, so that a producer span (aiokafka instrumentation) joins it;
        # a fresh base context drops the relay's suppression of its own housekeeping spans.
        token = otel_context.attach(propagate.extract(dict(record.headers), context=otel_context.Context()))
        try:
            ack = await producer.send(
                record.topic,
                value=record.payload,
                key=record.key.encode(),
                headers=[(name, value.encode()) for name, value in record.headers.items()],
            )
        finally:
            otel_context.detach(token)
        # When an earlier ack fails, gather() stops looking at the others: retrieve their outcome.
        ack.add_done_callback(lambda f: f.cancelled() or f.exception())
        return ack

    async def _ensure_producer(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            if self._producer is None:
                self._producer = await self._start_producer()
            return self._producer

    async def _start_producer(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            acks="all",
            enable_idempotence=False,
            request_timeout_ms=self._request_timeout_ms,
        )
        try:
            return await _started(producer)
        except Exception as exc:
            raise BrokerUnavailable(f"cannot reach {self.bootstrap_servers}: {exc}") from exc

    async def _reader(self) -> AIOKafkaConsumer:
        if self._epoch_reader is None:
            # A broker that refuses to auto-create topics must have the epoch topic before it is read.
            await self.ensure_topics()
            reader = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                client_id=f"{self.client_id}-epoch",
                enable_auto_commit=False,
                fetch_max_wait_ms=10,
                request_timeout_ms=self._request_timeout_ms,
            )
            self._epoch_reader = await _started(reader)
            self._epoch_reader.assign([_EPOCH_PARTITION])
        return self._epoch_reader

    async def _read_epoch(self) -> str | None:
        """The first record of the epoch topic, or ``None`` when the topic is empty."""
        reader = await self._reader()
        start = (await reader.beginning_offsets([_EPOCH_PARTITION]))[_EPOCH_PARTITION]
        end = (await reader.end_offsets([_EPOCH_PARTITION]))[_EPOCH_PARTITION]
        if end <= start:
            return None
        reader.seek(_EPOCH_PARTITION, start)
        fetched = await reader.getmany(_EPOCH_PARTITION, timeout_ms=self._request_timeout_ms, max_records=1)
        records = fetched.get(_EPOCH_PARTITION)
        if not records:
            raise BrokerUnavailable("the broker epoch record could not be fetched")
        return bytes(records[0].value or b"").decode(errors="replace")

    async def _claim_epoch(self) -> None:
        producer = await self._ensure_producer()
        await producer.send_and_wait(
            _EPOCH_PARTITION.topic, value=uuid.uuid4().hex.encode(), partition=_EPOCH_PARTITION.partition
        )

    async def _close_epoch_reader(self) -> None:
        reader, self._epoch_reader = self._epoch_reader, None
        if reader:
            with contextlib.suppress(Exception):
                await reader.stop()

    async def _ensure_epoch_topic(self) -> list[str]:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, request_timeout_ms=self._request_timeout_ms
        )
        await admin.start()
        try:
            if BROKER_EPOCH.name in await admin.list_topics():
                return []
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            BROKER_EPOCH.name,
                            num_partitions=BROKER_EPOCH.partitions,
                            replication_factor=1,
                            topic_configs=_EPOCH_TOPIC_CONFIG,
                        )
                    ]
                )
            return [BROKER_EPOCH.name]
        finally:
            await admin.close()


async def _started(client: _Client) -> _Client:
    """Start an aiokafka client; if that fails, release what it opened before re-raising."""
    try:
        await client.start()
    except Exception:
        with contextlib.suppress(Exception):
            await client.stop()
        raise
    return client


class _Stopping(Exception):
    """The consumer is stopping while an event still waits for a retry: leave it uncommitted."""


class _Renew(Exception):
    """The broker was reset: leave the group and join again with a new client (fresh metadata)."""


class Consumer:
    """An idempotent consumer of ``topics`` in the consumer group ``group_id``.

    ``name`` identifies the logical consumer in ``processed_events``: replicas of one worker
    share it (and the group); two different reactions to the same event use two names.
    """

    def __init__(
        self,
        settings: ProcessSettings,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        name: str,
        group_id: str,
        topics: Sequence[Topic],
        handler: Handler,
        bus: Bus,
        max_attempts: int = 5,
        max_batch: int = 100,
    ) -> None:
        self.name = name
        self.group_id = group_id
        self._settings = settings
        self._sessions = sessions
        self._tables = tables
        self._topics = [t.name for t in topics]
        self._handler = handler
        self._bus = bus
        self._max_attempts = max_attempts
        self._max_batch = max_batch
        self._kafka: AIOKafkaConsumer | None = None
        self._rewind = False
        self._renew = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_listener: Callable[[], None] | None = None

    @property
    def assignment(self) -> frozenset[TopicPartition]:
        """The partitions this consumer currently owns (empty while joining or stopped)."""
        return frozenset(self._kafka.assignment()) if self._kafka else frozenset()

    async def start(self) -> None:
        """Join the group in the background (an unreachable broker is retried)."""
        self._stopping.clear()
        self._remove_listener = self._bus.add_epoch_listener(self._on_epoch_change)
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the event in hand, leave the group (its partitions go to the others)."""
        self._stopping.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout)
            except TimeoutError:
                log.warning("consumer %s did not stop within %.0fs; cancelled", self.name, timeout)
            self._task = None
        if self._remove_listener:
            self._remove_listener()
            self._remove_listener = None

    def _on_epoch_change(self, previous: str | None, current: str) -> None:
        # The bus has just made sure the topics exist; a client made before may still hold the lost
        # broker's metadata (the same topics with the catalogue's partition count), while a topic
        # that some client's request auto-created on the new broker may have more partitions: a
        # group assigned from the old view never reads those (until a metadata refresh, minutes
        # later). So the consumer renews its client, then rewinds.
        if previous is not None:
            self._renew = True
            self._rewind = True

    async def _run(self) -> None:
        backoff = Backoff()
        while not self._stopping.is_set():
            kafka = AIOKafkaConsumer(
                *self._topics,
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=f"{self._bus.client_id}-{self.name}",
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self._settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
                fetch_max_wait_ms=20,
            )
            try:
                await kafka.start()
                self._kafka = kafka
                await self._consume(kafka, backoff)
            except _Stopping:
                break
            except _Renew:
                log.info("consumer %s: joining again after the broker reset", self.name)
            except Exception as exc:
                delay = backoff.next_delay()
                log.warning("consumer %s: %s; reconnecting in %.1fs", self.name, exc, delay)
                await self._pause(delay)
            finally:
                self._kafka = None
                with contextlib.suppress(Exception):
                    await kafka.stop()

    async def _consume(self, kafka: AIOKafkaConsumer, backoff: Backoff) -> None:
        while not self._stopping.is_set():
            if self._renew:
                self._renew = False
                raise _Renew
            if self._rewind and kafka.assignment():
                self._rewind = False
                log.warning(
                    "consumer %s: the broker was reset; re-reading %s from the beginning",
                    self.name,
                    sorted(map(str, kafka.assignment())),
                )
                await kafka.seek_to_beginning()
            batches = await kafka.getmany(timeout_ms=200, max_records=self._max_batch)
            backoff.reset()
            for partition, records in batches.items():
                for record in records:
                    if self._stopping.is_set():
                        return
                    await self._handle(record)
                    if not await self._commit(kafka, partition, record.offset + 1):
                        break  # partition revoked: its new owner resumes from the last commit
                self._note_lag(kafka, partition, records[-1].offset + 1)

    async def _commit(self, kafka: AIOKafkaConsumer, partition: TopicPartition, offset: int) -> bool:
        try:
            await kafka.commit({partition: offset})
        except KafkaError as exc:
            # Usually a rebalance took the partition away (expected); otherwise the broker is in trouble.
            revoked = isinstance(exc, CommitFailedError | IllegalStateError)
            log.log(
                logging.INFO if revoked else logging.WARNING,
                "consumer %s: offset of %s not committed (%s); it will be redelivered",
                self.name,
                partition,
                exc,
            )
            return False
        return True

    def _note_lag(self, kafka: AIOKafkaConsumer, partition: TopicPartition, position: int) -> None:
        end = kafka.highwater(partition)
        if end is not None:
            metrics.consumer_lag(self.name, partition.topic, str(partition.partition)).set(max(end - position, 0))

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Process one record (timed, its outcome counted) inside a span continuing the writer's trace."""
        began = time.perf_counter()
        outcome = await self._handle_traced(record)
        metrics.consumer_processing(self.name, record.topic).observe(time.perf_counter() - began)
        metrics.consumer_records(self.name, record.topic, outcome).inc()

    async def _handle_traced(self, record: ConsumerRecord[bytes, bytes]) -> str:
        # Last value wins: a producer span injected after the writer's own context is the nearest hop.
        headers = {name: bytes(value or b"").decode(errors="replace") for name, value in record.headers}
        attributes = {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": record.topic,
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
            "messaging.consumer.group.name": self.group_id,
        }
        with _tracer.start_as_current_span(
            f"process {record.topic}",
            context=propagate.extract(headers),
            kind=trace.SpanKind.CONSUMER,
            attributes=attributes,
        ) as span:
            envelope = self._parse(record)
            if envelope is None:
                span.set_status(trace.Status(trace.StatusCode.ERROR, "unreadable envelope"))
                return "unreadable"
            span.set_attributes({"messaging.message.id": envelope.id, "platform.event.type": envelope.type})
            return await self._apply_with_retries(envelope, span)

    def _parse(self, record: ConsumerRecord[bytes, bytes]) -> EventEnvelope | None:
        try:
            envelope = EventEnvelope.FromString(record.value or b"")
            uuid.UUID(envelope.id)
        except (DecodeError, ValueError) as exc:
            log.error(
                "consumer %s: skipping unreadable message at %s[%d]@%d: %s",
                self.name,
                record.topic,
                record.partition,
                record.offset,
                exc,
            )
            return None
        return envelope

    async def _apply_with_retries(self, envelope: EventEnvelope, span: trace.Span) -> str:
        """Apply until done; the outcome: ``processed``, ``duplicate`` or ``skipped``."""
        backoff = Backoff()
        failures = 0
        while True:
            try:
                applied = await self._apply(envelope)
            except Exception as exc:
                span.record_exception(exc)
                transient = is_transient(exc)
                if not transient:
                    failures += 1
                if failures >= self._max_attempts:
                    span.set_status(trace.Status(trace.StatusCode.ERROR, "skipped after repeated failures"))
                    log.error(
                        "consumer %s: skipping event %s (%s) after %d failed attempts",
                        self.name,
                        envelope.id,
                        envelope.type,
                        failures,
                        exc_info=exc,
                        extra={"event_id": envelope.id, "event_type": envelope.type},
                    )
                    return "skipped"
                delay = backoff.next_delay()
                log.warning(
                    "consumer %s: event %s (%s) failed (%s: %s); %s retry in %.1fs",
                    self.name,
                    envelope.id,
                    envelope.type,
                    type(exc).__name__,
                    exc,
                    "transient," if transient else f"attempt {failures}/{self._max_attempts},",
                    delay,
                )
                if not await self._pause(delay):
                    raise _Stopping from exc
            else:
                span.set_attribute("platform.event.duplicate", not applied)
                return "processed" if applied else "duplicate"

    async def _apply(self, envelope: EventEnvelope) -> bool:
        """Record the event and run the handler in one transaction; False if already processed."""
        processed = self._tables.processed_events
        async with transaction(self._sessions) as session:
            inserted = await session.scalar(
                pg_insert(processed)
                .values(consumer=self.name, event_id=uuid.UUID(envelope.id))
                .on_conflict_do_nothing()
                .returning(processed.c.event_id)
            )
            if inserted is None:
                return False
            await self._handler(session, envelope)
        return True

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless asked to stop; returns False when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()
