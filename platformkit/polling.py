"""Fetching from Kafka without spinning while nothing happens.

The default broker (tansu 0.6) answers a fetch when its wait expires, not when a record arrives
(measured on a group of three partitions: with ``fetch_max_wait_ms`` 100 a record waited 28 ms at
p50, with 20 5.2 ms and up to 13.7, with 5 2.8 ms and up to 5.5; docs/decisions.md D14.12).
Consumers therefore fetch with a short wait to see records within milliseconds, which idle means
hundreds of fetches per second per consumer for nothing: on an idle stack the broker alone used a
third of a core answering them.

So a consumer that has seen no record for ``idle_after`` seconds keeps its partitions paused (the
background fetcher then sends nothing) and, after a delay that doubles from ``first_delay`` up to
``max_delay``, asks the broker for the partitions' end offsets: one short request, which the
broker answers at once. Only when a partition has records beyond the consumer's position does it
resume and fetch (the broker then answers at once too, the records being there). The first record
puts it back to fetching continuously. Under load nothing changes; after a quiet spell the first
record waits at most ``max_delay`` more. (A fetch with a long wait instead would cost the broker
CPU all along: it keeps checking for records while it holds a fetch.)

Apache Kafka answers a waiting fetch as soon as a record arrives (long polling): there a long
``fetch_max_wait_ms`` costs nothing in latency and ``max_delay`` 0 (never pause) is the setting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError

from platformkit.settings import ProcessSettings

Batches = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
# What getmany waits for records while fetching continuously (a stop request is seen this often).
BUSY_TIMEOUT_MS = 200


@dataclass
class IdlePacer:
    """When to pause between fetches (pure logic: the clock is injected)."""

    idle_after: float
    first_delay: float
    max_delay: float
    clock: Callable[[], float] = time.monotonic
    _last_record: float = field(init=False)
    _delay: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._last_record = self.clock()

    @classmethod
    def from_settings(cls, settings: ProcessSettings, fetch_max_wait_ms: int | None = None) -> IdlePacer:
        """``fetch_max_wait_ms``: the consumer's own fetch wait (default: the interactive one)."""
        return cls(
            idle_after=settings.kafka_idle_after_seconds,
            first_delay=(fetch_max_wait_ms or settings.kafka_fetch_max_wait_ms) / 1000,
            max_delay=settings.kafka_idle_poll_max_ms / 1000,
        )

    @property
    def pacing(self) -> bool:
        return self._delay > 0

    def records_seen(self, count: int) -> None:
        if count:
            self._last_record = self.clock()
            self._delay = 0.0

    def next_delay(self) -> float:
        """Seconds to keep the partitions paused before the next fetch; 0 while busy."""
        if self.max_delay <= 0 or self.clock() - self._last_record < self.idle_after:
            self._delay = 0.0
        else:
            self._delay = min(max(self._delay * 2, self.first_delay), self.max_delay)
        return self._delay


async def fetch(kafka: AIOKafkaConsumer, pacer: IdlePacer, stopping: asyncio.Event, *, max_records: int) -> Batches:
    """The next records of ``kafka``'s assignment, paced by ``pacer`` (see the module doc).

    Records a partition had in flight when it was paused are dropped by aiokafka without moving
    its position, so they come with the next fetch.
    """
    delay = pacer.next_delay()
    if delay:
        paused = kafka.assignment()
        kafka.pause(*paused)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        if not await _records_waiting(kafka, paused & kafka.assignment()):
            return {}
        kafka.resume(*(kafka.paused() & kafka.assignment()))
    batches = await kafka.getmany(timeout_ms=BUSY_TIMEOUT_MS, max_records=max_records)
    pacer.records_seen(sum(len(records) for records in batches.values()))
    return batches


async def _records_waiting(kafka: AIOKafkaConsumer, partitions: set[TopicPartition]) -> bool:
    """Whether any of ``partitions`` holds records past the consumer's position (one request);
    when the broker cannot say, True: a normal fetch then deals with the broker as it always does."""
    if not partitions:
        return True
    try:
        ends = await kafka.end_offsets(list(partitions))
        positions = {tp: await kafka.position(tp) for tp in partitions}
    except (KafkaError, IllegalStateError):
        return True
    return any(ends[tp] > positions[tp] for tp in partitions)
