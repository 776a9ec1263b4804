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

Quiet, the consumer paces its fetches (:mod:`platformkit.polling`): the default broker does not
answer a held fetch when a record arrives, so short waits and continuous fetching would keep it busy.

The Kafka side (group, fetches, offsets, the broker's resets) is here; applying records to the
database (the processed-event row, the handler, retries, batches, spans) is
:mod:`platformkit.consumer.applying`.

Metrics (:mod:`platformkit.metrics`): per record, its processing time (its share of the
transaction: the insert and the handler) and outcome (processed, duplicate, ignored, skipped, unreadable);
per partition, after each batch, how far the consumer is behind the partition's end as the last
fetch saw it (no extra broker round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics, polling
from platformkit.backoff import Backoff
from platformkit.bus import Bus
from platformkit.consumer.applying import EventApplier, Handler, Stopping
from platformkit.messaging_tables import MessagingTables
from platformkit.settings import ProcessSettings
from platformkit.topics import Topic

__all__ = ["Consumer", "Handler"]

log = logging.getLogger(__name__)

# A stopping process has the supervisor's grace (10 s locally, Kubernetes' 30) before it is
# killed: the event in hand gets STOP_SECONDS, leaving the group LEAVE_SECONDS (a process stops its
# consumers together, platformkit.service). aiokafka's stop
# waits for a group join in progress, which a worker stopped while still joining (or during a
# rebalance) could wait out past the grace: killed, it stayed in the group until its session expired.
STOP_SECONDS = 5.0
LEAVE_SECONDS = 2.0


class _Renew(Exception):
    """The broker was reset: leave the group and join again with a new client (fresh metadata)."""


class _AssignmentLog(ConsumerRebalanceListener):  # type: ignore[misc]
    """Says which partitions the consumer holds after every rebalance: a member that joins and
    never gets any (or never finishes joining) shows in its process's log."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def on_partitions_revoked(self, revoked: object) -> None:
        """Nothing to do: offsets are committed record by record or batch by batch."""

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        held = sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned)
        log.info("consumer %s holds %s", self.name, ", ".join(held) or "no partition")


class Consumer:
    """An idempotent consumer of ``topics`` in the consumer group ``group_id``.

    ``name`` identifies the logical consumer in ``processed_events``: replicas of one worker
    share it (and the group); two different reactions to the same event use two names.
    ``background``: no read waits on its next record, so it fetches with the longer wait; a
    consumer of work queues only (spread topics: jobs for workers) always is.
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
        background: bool = False,
    ) -> None:
        self.name = name
        background = background or (bool(topics) and all(topic.spread for topic in topics))
        self._fetch_max_wait_ms = (
            settings.kafka_background_fetch_max_wait_ms if background else settings.kafka_fetch_max_wait_ms
        )
        self.group_id = group_id
        self._settings = settings
        self._topics = [t.name for t in topics]
        self._bus = bus
        self._max_batch = max_batch
        self._batched = batched
        self._kafka: AIOKafkaConsumer | None = None
        self._rewind = False
        self._renew = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_listener: Callable[[], None] | None = None
        self._pacer = polling.IdlePacer.from_settings(settings, self._fetch_max_wait_ms)
        self._applier = EventApplier(
            sessions,
            tables,
            name=name,
            group_id=group_id,
            handler=handler,
            pause=self._pause,
            max_attempts=max_attempts,
            event_types=event_types,
        )

    @property
    def fetch_max_wait_ms(self) -> int:
        return self._fetch_max_wait_ms

    @property
    def pacing(self) -> bool:
        """Whether it has found no record for a while and pauses between fetches (polling)."""
        return self._pacer.pacing

    @property
    def assignment(self) -> frozenset[TopicPartition]:
        """The partitions this consumer currently owns (empty while joining or stopped)."""
        return frozenset(self._kafka.assignment()) if self._kafka else frozenset()

    async def start(self) -> None:
        """Join the group in the background (an unreachable broker is retried)."""
        self._stopping.clear()
        self._remove_listener = self._bus.add_epoch_listener(self._on_epoch_change)
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")

    async def stop(self, timeout: float = STOP_SECONDS) -> None:
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
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=f"{self._bus.client_id}-{self.name}",
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self._settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=self._settings.kafka_heartbeat_interval_ms,
                fetch_max_wait_ms=self._fetch_max_wait_ms,
            )
            kafka.subscribe(list(self._topics), listener=_AssignmentLog(self.name))
            try:
                await kafka.start()
                self._kafka = kafka
                await self._consume(kafka, backoff)
            except Stopping:
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
                    await asyncio.wait_for(kafka.stop(), LEAVE_SECONDS)

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
                    await self._applier.handle_batch(records)
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
            await self._applier.handle(record)
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

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless asked to stop; returns False when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()
