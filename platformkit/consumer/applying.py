"""Applying consumed records to a service's database, idempotently: the Kafka side (group,
fetches, offsets) is :class:`platformkit.consumer.Consumer`'s.

Each record runs in a span continuing the writer's trace; its envelope is read (an unreadable one
is logged and skipped), a record of a type the handler does not apply is passed over, and any other
is recorded in ``processed_events`` with the handler run only if that row is new, in one
transaction. Failures are retried as the consumer's module doc says (transient ones for as long as
they last, others ``max_attempts`` times, then skipped). A batch applies a partition's records in
one transaction, falling back to one record at a time from the first failure.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import ConsumerRecord
from google.protobuf.message import DecodeError
from opentelemetry import propagate, trace
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics
from platformkit.backoff import Backoff
from platformkit.db import compiled_once, transaction
from platformkit.messaging_tables import MessagingTables
from platformkit.transient import is_transient
from protos.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
# Sleeps the given seconds unless the consumer is stopping; False when it is.
Pause = Callable[[float], Awaitable[bool]]


class Stopping(Exception):
    """The consumer is stopping while an event still waits for a retry: leave it uncommitted."""


class EventApplier:
    """Applies the records of consumer ``name`` (of group ``group_id``) with ``handler``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        name: str,
        group_id: str,
        handler: Handler,
        pause: Pause,
        max_attempts: int,
        event_types: frozenset[str] | None,
    ) -> None:
        self.name = name
        self.group_id = group_id
        self._sessions = sessions
        self._handler = handler
        self._pause = pause
        self._max_attempts = max_attempts
        self._event_types = event_types
        # Compiled once: it runs for every record.
        processed = tables.processed_events
        self._record_processed = compiled_once(
            pg_insert(processed).on_conflict_do_nothing().returning(processed.c.event_id), "consumer", "event_id"
        )

    async def handle_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply one partition's records in order, as many per transaction as succeed together."""
        pending = records
        while pending:
            if len(pending) == 1:
                await self.handle(pending[0])
                return
            failed_at, error = await self._apply_together(pending)
            if error is None:
                return
            if failed_at:  # the records before the failing one rolled back with it: again, on their own
                await self.handle_batch(pending[:failed_at])
            await self.handle(pending[failed_at], first_failure=error)
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

    async def handle(self, record: ConsumerRecord[bytes, bytes], first_failure: Exception | None = None) -> None:
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
                raise Stopping from error
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
