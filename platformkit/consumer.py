"""Idempotent Kafka consumers over the :class:`platformkit.bus.Bus` of their process.

Consuming. :class:`Consumer` reads in a consumer group with manual commits. Per message it
records ``(consumer, event id)`` in ``processed_events`` and runs the handler only if that row is
new, in the same database transaction; then it commits the Kafka offset. A redelivered event
therefore changes nothing.

A ``batched`` consumer (projections whose handler only writes its own database: the roll-ups)
applies the records one fetch brought of a partition in order in one transaction, with one offset
commit (a burst of events then costs a fraction of the round trips); when one of them fails, the
records before it are applied again on their own and the failing one takes the per-record path
below. Work queues stay one record per transaction: their handlers call the outside world (a model,
a receiver), which a rolled-back batch would call again. Failures are handled in two ways:

- Transient ones (database or network unavailable, serialization conflicts, a handler raising
  :class:`TransientError`) are retried with capped backoff for as long as they last: the
  partition waits, and nothing is skipped.
- Any other exception is a bug or bad data that the same input will hit again. Retrying it
  forever would stall every later event of its partition, so it is retried ``max_attempts``
  times, then logged at ERROR with the event id and type and *skipped* (its offset is
  committed, no ``processed_events`` row is written). The log line is the dead letter: fix the
  cause and re-publish the event if its effect is still wanted.

Idle, the consumer paces its fetches (:mod:`platformkit.polling`): the default broker answers a
fetch only when its wait expires, so short waits and continuous fetching would keep it busy.

Metrics (:mod:`platformkit.metrics`): per record, its processing time (its share of the
transaction: the insert and the handler) and outcome (processed, duplicate, ignored, skipped, unreadable);
per partition, after each batch, how far the consumer is behind the partition's end as the last
fetch saw it (no extra broker round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from google.protobuf.message import DecodeError
from opentelemetry import propagate, trace
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics, polling
from platformkit.backoff import Backoff
from platformkit.bus import Bus
from platformkit.db import compiled_once, transaction
from platformkit.messaging_tables import MessagingTables
from platformkit.settings import ProcessSettings
from platformkit.topics import Topic
from platformkit.transient import is_transient
from protos.events.v1.envelope_pb2 import EventEnvelope

__all__ = ["Consumer", "Handler"]

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


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
        batched: bool = False,
        event_types: frozenset[str] | None = None,
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
        self._batched = batched
        self._event_types = event_types
        self._kafka: AIOKafkaConsumer | None = None
        self._rewind = False
        self._renew = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_listener: Callable[[], None] | None = None
        self._pacer = polling.IdlePacer.from_settings(settings)
        # Compiled once: it runs for every record.
        processed = tables.processed_events
        self._record_processed = compiled_once(
            pg_insert(processed).on_conflict_do_nothing().returning(processed.c.event_id), "consumer", "event_id"
        )

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
                fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
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
            batches = await polling.fetch(
                kafka,
                self._pacer,
                self._stopping,
                max_records=self._max_batch,
            )
            backoff.reset()
            for partition, records in batches.items():
                if self._stopping.is_set():
                    return
                # When not committed, the partition was revoked: its new owner resumes from the last commit.
                if self._batched:
                    await self._handle_batch(records)
                    committed = await self._commit(kafka, partition, records[-1].offset + 1)
                else:
                    committed = await self._one_by_one(kafka, partition, records)
                if committed:
                    self._note_lag(kafka, partition, records[-1].offset + 1)

    async def _one_by_one(
        self, kafka: AIOKafkaConsumer, partition: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> bool:
        """Each record in its own transaction, its offset committed after it (work queues)."""
        for record in records:
            if self._stopping.is_set():
                return False
            await self._handle(record)
            if not await self._commit(kafka, partition, record.offset + 1):
                return False
        return True

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

    async def _handle_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply one partition's records in order, as many per transaction as succeed together."""
        pending = records
        while pending:
            if len(pending) == 1:
                await self._handle(pending[0])
                return
            failed_at, error = await self._apply_together(pending)
            if error is None:
                return
            if failed_at:  # the records before the failing one rolled back with it: again, on their own
                await self._handle_batch(pending[:failed_at])
            await self._handle(pending[failed_at], first_failure=error)
            pending = pending[failed_at + 1 :]

    async def _apply_together(self, records: list[ConsumerRecord[bytes, bytes]]) -> tuple[int, Exception | None]:
        """All ``records`` in one transaction; on a failure, the index of the record that failed
        (nothing committed) and the error."""
        done: list[tuple[ConsumerRecord[bytes, bytes], str, float]] = []
        try:
            async with transaction(self._sessions) as session:
                for record in records:
                    began = time.perf_counter()
                    with self._span(record) as span:
                        envelope = self._parse(record, span)
                        outcome = "unreadable" if envelope is None else await self._record(session, envelope, span)
                    done.append((record, outcome, time.perf_counter() - began))
        except Exception as exc:
            # A failed commit is charged to the last record: it is retried on its own.
            return min(len(done), len(records) - 1), exc
        for record, outcome, seconds in done:
            self._count(record, outcome, seconds)
        return len(records), None

    async def _handle(self, record: ConsumerRecord[bytes, bytes], first_failure: Exception | None = None) -> None:
        """Process one record on its own (timed, its outcome counted) inside a span continuing
        the writer's trace; ``first_failure``: its failed attempt within a batch."""
        began = time.perf_counter()
        with self._span(record) as span:
            envelope = self._parse(record, span)
            outcome = (
                "unreadable" if envelope is None else await self._apply_with_retries(envelope, span, first_failure)
            )
        self._count(record, outcome, time.perf_counter() - began)

    def _count(self, record: ConsumerRecord[bytes, bytes], outcome: str, seconds: float) -> None:
        metrics.consumer_processing(self.name, record.topic).observe(seconds)
        metrics.consumer_records(self.name, record.topic, outcome).inc()

    def _span(self, record: ConsumerRecord[bytes, bytes]) -> contextlib.AbstractContextManager[trace.Span]:
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
        return _tracer.start_as_current_span(
            f"process {record.topic}",
            context=propagate.extract(headers),
            kind=trace.SpanKind.CONSUMER,
            attributes=attributes,
        )

    def _parse(self, record: ConsumerRecord[bytes, bytes], span: trace.Span) -> EventEnvelope | None:
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
            span.set_status(trace.Status(trace.StatusCode.ERROR, "unreadable envelope"))
            return None
        span.set_attributes({"messaging.message.id": envelope.id, "platform.event.type": envelope.type})
        return envelope

    async def _apply_with_retries(
        self, envelope: EventEnvelope, span: trace.Span, first_failure: Exception | None = None
    ) -> str:
        """Apply until done; the outcome: ``processed``, ``duplicate`` or ``skipped``."""
        backoff = Backoff()
        failures = 0
        error = first_failure
        while True:
            if error is None:
                try:
                    async with transaction(self._sessions) as session:
                        return await self._record(session, envelope, span)
                except Exception as exc:
                    error = exc
            span.record_exception(error)
            transient = is_transient(error)
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
                    exc_info=error,
                    extra={"event_id": envelope.id, "event_type": envelope.type},
                )
                return "skipped"
            delay = backoff.next_delay()
            log.warning(
                "consumer %s: event %s (%s) failed (%s: %s); %s retry in %.1fs",
                self.name,
                envelope.id,
                envelope.type,
                type(error).__name__,
                error,
                "transient," if transient else f"attempt {failures}/{self._max_attempts},",
                delay,
            )
            if not await self._pause(delay):
                raise _Stopping from error
            error = None

    async def _record(self, session: AsyncSession, envelope: EventEnvelope, span: trace.Span) -> str:
        """Record the event and run the handler in ``session``'s transaction: ``processed``, or
        ``duplicate`` (already processed: nothing runs), or ``ignored`` (a type the handler does
        not apply: no statement runs, so a batch of only such records opens no transaction)."""
        if self._event_types is not None and envelope.type not in self._event_types:
            return "ignored"
        inserted = await session.scalar(
            self._record_processed, {"consumer": self.name, "event_id": uuid.UUID(envelope.id)}
        )
        if inserted is not None:
            await self._handler(session, envelope)
        span.set_attribute("platform.event.duplicate", inserted is None)
        return "duplicate" if inserted is None else "processed"

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless asked to stop; returns False when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()
