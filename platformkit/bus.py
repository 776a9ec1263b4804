"""The Kafka side of reliable messaging: one producer per process, idempotent consumers, and
detection of a broker that came back empty.

Publishing. :class:`Bus` owns one ``AIOKafkaProducer`` (``acks="all"``; no idempotence or
transactions, which the default broker does not support). Only the outbox relay
(:mod:`platformkit.outbox`) publishes: the Kafka key is the aggregate id, the value the
serialized ``events.v1.EventEnvelope``, and the W3C trace context of the writing transaction
travels as Kafka headers. Facts go to the partition of their key (per-aggregate order); work
queues (``Topic.spread``) take the partitions in turn, so a burst of jobs splits evenly over the
workers (by key, 48 generation ids once split 28/20 between two workers).

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

Consuming: :mod:`platformkit.consumer` (idempotent consumers over this bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from platformkit.settings import ProcessSettings
from platformkit.telemetry import background
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH, SPREAD_TOPIC_NAMES, Topic, ensure_topics

__all__ = ["BrokerUnavailable", "Bus"]

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

_EPOCH_PARTITION = TopicPartition(BROKER_EPOCH.name, 0)
# The epoch record must outlive the broker's default retention, or a durable broker would look
# reset once a week. Deploy tooling that creates this topic itself must give it the same config.
_EPOCH_TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1"}

_Client = TypeVar("_Client", AIOKafkaProducer, AIOKafkaConsumer)
EpochListener = Callable[[str | None, str], None]


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
        self._spread = {t.name for t in topics if t.spread} | SPREAD_TOPIC_NAMES
        self._turns: dict[str, int] = {}
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
        partition = await self._turn(producer, record.topic) if record.topic in self._spread else None
        token = otel_context.attach(propagate.extract(dict(record.headers), context=otel_context.Context()))
        try:
            ack = await producer.send(
                record.topic,
                value=record.payload,
                key=record.key.encode(),
                partition=partition,
                headers=[(name, value.encode()) for name, value in record.headers.items()],
            )
        finally:
            otel_context.detach(token)
        # When an earlier ack fails, gather() stops looking at the others: retrieve their outcome.
        ack.add_done_callback(lambda f: f.cancelled() or f.exception())
        return ack

    async def _turn(self, producer: AIOKafkaProducer, topic: str) -> int:
        """The next partition of a work queue, in turn (the partitions the broker has now)."""
        partitions = sorted(await producer.partitions_for(topic))
        turn = self._turns.get(topic, 0)
        self._turns[topic] = turn + 1
        return partitions[turn % len(partitions)]

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
            # An assigned partition is fetched continuously in the background; this one is read a
            # record at a time every few seconds, so it stays paused in between (idle, dozens of
            # empty fetches per second per process kept the broker busy).
            self._epoch_reader.pause(_EPOCH_PARTITION)
        return self._epoch_reader

    async def _read_epoch(self) -> str | None:
        """The first record of the epoch topic, or ``None`` when the topic is empty."""
        reader = await self._reader()
        start = (await reader.beginning_offsets([_EPOCH_PARTITION]))[_EPOCH_PARTITION]
        end = (await reader.end_offsets([_EPOCH_PARTITION]))[_EPOCH_PARTITION]
        if end <= start:
            return None
        reader.seek(_EPOCH_PARTITION, start)
        reader.resume(_EPOCH_PARTITION)
        try:
            fetched = await reader.getmany(_EPOCH_PARTITION, timeout_ms=self._request_timeout_ms, max_records=1)
        finally:
            reader.pause(_EPOCH_PARTITION)
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
