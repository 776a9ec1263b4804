"""This gateway process's own reading of ``shots.events``, handed to its hub.

Why not :class:`platformkit.consumer.Consumer`: it is built for effects on a database (a consumer
group shares the work, offsets are committed, every event id is recorded in
``processed_events`` in the effect's transaction). The effect here is a message on sockets that
live in this process only, so:

- every gateway must see every event: no group shares them out. The consumer has no group at
  all: aiokafka then assigns it every partition of the topic itself and follows partition
  changes. It is identified by its client id, ``gateway-live-<host>-<pid>``. A group per
  process would buy nothing but a join (seconds on the local broker) and one dead group left on
  the broker by every restart;
- a restarted gateway has no client to catch up: no committed offsets, it starts at the end of
  the topic, and the replay buffer (in memory) serves reconnecting clients;
- a duplicate costs a dictionary lookup in the replay buffer, not a database row.

Broker resets: the same :class:`platformkit.bus.Bus` every process runs watches the broker's
epoch. When it changes, the hub tells every subscription to resync and drops what occurred
before (the services re-publish their outbox windows), and the consumer re-reads the new
incarnation from its beginning, so nothing published since the reset is skipped. A consumer
that had to be rebuilt (its position lost) makes the hub do the same, without the drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from google.protobuf.message import DecodeError

from gateway.live import metrics
from gateway.live.events import parse_record
from gateway.live.hub import LiveHub
from platformkit import polling
from platformkit.backoff import Backoff
from platformkit.bus import Bus
from platformkit.settings import ProcessSettings
from platformkit.tasks import cancel
from platformkit.topics import SHOTS_EVENTS

log = logging.getLogger(__name__)

# How long the consumer may take to learn the topic's partitions and their end offsets.
POSITION_TIMEOUT_SECONDS = 30.0


def live_client_id() -> str:
    """This process's identity on the broker."""
    return f"gateway-live-{socket.gethostname()}-{os.getpid()}"


class LiveFeed:
    def __init__(self, settings: ProcessSettings, hub: LiveHub, *, client_id: str | None = None) -> None:
        self._settings = settings
        self._hub = hub
        self.client_id = client_id or live_client_id()
        self._bus = Bus(settings, client_id=self.client_id, topics=[SHOTS_EVENTS])
        self._rewind = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_listener = self._bus.add_epoch_listener(self._on_epoch)
        self._pacer = polling.IdlePacer.from_settings(settings)
        # Set while positioned and reading (tests and health wait on it).
        self.reading = asyncio.Event()

    async def start(self) -> None:
        """Read in the background: an unreachable broker never delays the gateway's start."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="live-feed")

    async def stop(self) -> None:
        self._stopping.set()
        await cancel(self._task)
        self._task = None
        self._remove_listener()
        await self._bus.stop()

    def _on_epoch(self, previous: str | None, current: str) -> None:
        if previous is not None:
            self._rewind = True

    async def _run(self) -> None:
        await self._bus.start()
        backoff = Backoff()
        first = True
        while not self._stopping.is_set():
            kafka = AIOKafkaConsumer(
                SHOTS_EVENTS.name,
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=self.client_id,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
            )
            try:
                await kafka.start()
                await _positioned(kafka)
                if first:
                    self._hub.stream_started()
                else:
                    self._hub.stream_interrupted("the event stream was interrupted")
                first = False
                self.reading.set()
                backoff.reset()
                await self._consume(kafka)
            except Exception as exc:
                delay = backoff.next_delay()
                log.warning("live feed: %s; reconnecting in %.1fs", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
            finally:
                self.reading.clear()
                with contextlib.suppress(Exception):
                    await kafka.stop()

    async def _consume(self, kafka: AIOKafkaConsumer) -> None:
        while not self._stopping.is_set():
            if self._rewind:
                self._rewind = False
                log.warning("live feed: the broker was reset; subscriptions resync, re-reading from the beginning")
                self._hub.broker_reset()
                await kafka.seek_to_beginning()
            batches = await polling.fetch(
                kafka,
                self._pacer,
                self._stopping,
                max_records=500,
            )
            for records in batches.values():
                for record in records:
                    metrics.EVENTS.labels(self._publish(record)).inc()
                    # Let the sockets' writers run between records: a send queue then holds what
                    # its client's network cannot take yet, never a whole broker batch (a bulk
                    # look creation puts hundreds of events in one), which would disconnect
                    # clients that read perfectly well.
                    await asyncio.sleep(0)

    def _publish(self, record: ConsumerRecord[bytes, bytes]) -> str:
        try:
            envelope = parse_record(record.value)
        except (DecodeError, ValueError) as exc:
            log.error(
                "live feed: unreadable record at %s[%d]@%d: %s", record.topic, record.partition, record.offset, exc
            )
            return "unreadable"
        return self._hub.publish(envelope)


async def _positioned(kafka: AIOKafkaConsumer) -> None:
    """Wait for the partitions aiokafka assigns itself and resolve their end offsets, so that
    every event published from now on is read."""
    async with asyncio.timeout(POSITION_TIMEOUT_SECONDS):
        # aiokafka has no public way to await the assignment it makes for itself.
        while not kafka.assignment():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        for partition in kafka.assignment():
            await kafka.position(partition)
