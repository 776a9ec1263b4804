"""Fetching from Kafka without spinning while nothing happens.

The default broker (tansu 0.6) does not answer a held fetch when a record arrives: it reads the
fetch's partitions again after half the wait, then half of what is left, and so on, and answers
when it finds records or the wait expires (measured on a one-partition topic, 2026-12-06: with a
50 ms wait a record produced in the fetch's first 10 ms waited 21 ms at p50, one produced in its
last 10 ms 2.7 ms; docs/decisions.md D14.12, D14.27). Consumers therefore fetch with a short wait
to see records within milliseconds, which means hundreds of fetches per second per consumer for
nothing while no record comes: on an idle stack the broker alone used a third of a core answering
them.

So a consumer that finds no record paces itself in proportion to how long it has found none: once
``quiet_fraction`` of the quiet spell (the time since it came back for more after its last
records) reaches ``first_delay`` (its fetch wait: a shorter pause saves nothing), its partitions
stay paused (the background fetcher then sends nothing) for that fraction of the spell, at most
``max_delay``, and it then asks the broker for the partitions' end offsets: one short request,
which the broker answers at once. Only when a partition has records beyond the consumer's
position does it resume and fetch (the broker then answers at once too, the records being there).
A record after a quiet spell thus waits at most that fraction of the spell (and ``max_delay``):
records that come often are fetched continuously, a consumer that heard nothing for a second
asks ten times a second or less. The spell starts when the consumer comes back, not at its last
record, so a worker busy on a long job does not pause before taking the next one. (A fetch with a
long wait instead would cost the broker CPU all along: it keeps reading while it holds a fetch.)

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

    quiet_fraction: float
    first_delay: float
    max_delay: float
    clock: Callable[[], float] = time.monotonic
    # When the consumer came back for more and found nothing since (None: it has records in hand).
    _quiet_since: float | None = field(init=False, default=None)
    _delay: float = field(init=False, default=0.0)

    @classmethod
    def from_settings(cls, settings: ProcessSettings, fetch_max_wait_ms: int | None = None) -> IdlePacer:
        """``fetch_max_wait_ms``: the consumer's own fetch wait (default: the interactive one)."""
        return cls(
            quiet_fraction=settings.kafka_idle_wait_fraction,
            first_delay=(fetch_max_wait_ms or settings.kafka_fetch_max_wait_ms) / 1000,
            max_delay=settings.kafka_idle_poll_max_ms / 1000,
        )

    @property
    def pacing(self) -> bool:
        return self._delay > 0

    def records_seen(self, count: int) -> None:
        if count:
            self._quiet_since = None
            self._delay = 0.0

    def next_delay(self) -> float:
        """Seconds to keep the partitions paused before the next fetch; 0 while busy."""
        now = self.clock()
        if self._quiet_since is None:
            self._quiet_since = now
        delay = min(self.quiet_fraction * (now - self._quiet_since), self.max_delay)
        self._delay = delay if self.max_delay > 0 and delay >= self.first_delay else 0.0
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
