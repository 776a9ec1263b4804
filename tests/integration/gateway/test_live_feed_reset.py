"""The gateway's live feed across an empty broker restart (gateway/live/feed.py), on a broker of
its own: subscribers are told to resync, and every event published into the new incarnation
from then on reaches them, including events in a partition the topic did not have before (tansu
auto-creates a topic any client asks about, with four partitions; the catalogue says three).
Events that occurred before the gateway noticed the reset are the resync's business, by design
(gateway/live/hub.py ``broker_reset``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from gateway.live.feed import LiveFeed
from gateway.live.hub import LiveHub
from gateway.live.settings import LiveSettings
from platformkit.topics import SHOTS_EVENTS
from tests.integration.messaging_support import Harness, crash, fast_settings, wait_until
from tests.unit.gateway.test_live import shot_envelope

AUTO_CREATED_PARTITIONS = 4
SHOOTING = uuid.uuid4()


class Recorder:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    def deliver(self, text: str) -> None:
        self.messages.append(json.loads(text))

    def shot_ids(self) -> set[str]:
        return {m["shot_id"] for m in self.messages if m["type"] == "shot"}


async def publish_to_every_partition(bootstrap: str, partitions: int) -> set[str]:
    """One ``shot.status_changed`` per partition; the shot ids sent."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    sent = set()
    try:
        for partition in range(partitions):
            envelope = shot_envelope(shooting_id=SHOOTING)
            await producer.send_and_wait(SHOTS_EVENTS.name, envelope.SerializeToString(), partition=partition)
            sent.add(envelope.aggregate_id)
    finally:
        await producer.stop()
    return sent


def make_topic(bootstrap: str, partitions: int) -> None:
    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(SHOTS_EVENTS.name, num_partitions=partitions, replication_factor=1)])
        finally:
            await admin.close()

    # On a thread of its own, holding the test's event loop: the topic exists before the feed looks.
    maker = threading.Thread(target=asyncio.run, args=(create(),))
    maker.start()
    maker.join()


async def test_after_an_empty_restart_subscribers_resync_and_get_every_new_event(harness: Harness) -> None:
    broker = harness.own_broker()
    bootstrap = harness.bootstrap
    make_topic(bootstrap, SHOTS_EVENTS.partitions)
    hub = LiveHub(LiveSettings(reset_margin_seconds=0))
    feed = LiveFeed(fast_settings(bootstrap), hub, client_id=f"test-live-{uuid.uuid4().hex[:8]}")
    subscriber = Recorder()
    hub.subscribe(SHOOTING, subscriber)
    await feed.start()
    try:
        await asyncio.wait_for(feed.reading.wait(), 60)
        before = await publish_to_every_partition(bootstrap, SHOTS_EVENTS.partitions)

        async def received(ids: set[str]) -> bool:
            return ids <= subscriber.shot_ids()

        await wait_until(lambda: received(before), "the events before the reset")

        crash(broker)
        broker.start()
        make_topic(bootstrap, AUTO_CREATED_PARTITIONS)

        async def resynced() -> bool:
            return any(m["type"] == "resync_required" for m in subscriber.messages)

        # What happened before the gateway noticed the reset is the resync's business (the client
        # reloads over REST); what happens from then on is streamed.
        await wait_until(resynced, "the subscription to be told to resync")
        after = await publish_to_every_partition(bootstrap, AUTO_CREATED_PARTITIONS)
        # Every partition of the new incarnation, the fourth too, long before aiokafka's own
        # metadata refresh (five minutes) would have found it.
        await wait_until(lambda: received(after), "the events after the reset, from every partition")
        assert len(subscriber.shot_ids()) == len(before) + len(after)
    finally:
        await feed.stop()
