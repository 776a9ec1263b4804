"""After an empty restart a topic may come back with more partitions than the catalogue says
(tansu auto-creates a topic any client merely asks about, with 4): consumers still read every
partition of it, at once rather than at their next metadata refresh minutes later.

Found on the fault stack: a push requested during a broker outage was published, once the broker
was back, into a partition the push workers' group had not been assigned (its clients held the
lost broker's three-partition view), and stayed PENDING.
"""

from __future__ import annotations

import asyncio
import threading

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.integration.messaging_support import Harness, crash, unique_topic, wait_until

AUTO_CREATED_PARTITIONS = 4


async def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def test_a_topic_back_with_more_partitions_after_a_reset_is_consumed_whole(harness: Harness) -> None:
    broker = harness.own_broker()
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    consumer = await harness.consumer(db, bus, [topic])
    before = await db.write_events(topic, [f"agg-{i}" for i in range(6)])
    await wait_until(lambda: db.has_effects("counter", before), "the events before the reset took effect")
    assert {tp.partition for tp in consumer.assignment} == set(range(topic.partitions))

    crash(broker)
    # Written while the broker is away: the relay's failing sends make its producer look again.
    after = await db.write_events(topic, [f"key-{i}" for i in range(40)])
    await asyncio.sleep(1.0)  # letting the relay fail a few sends, not timing an assertion
    # Back empty, and the topic made by "another client" before anything here runs again: the
    # event loop is held meanwhile (a thread of its own makes the topic).
    broker.start()
    maker = threading.Thread(
        target=asyncio.run, args=(create_topic(harness.bootstrap, topic.name, AUTO_CREATED_PARTITIONS),)
    )
    maker.start()
    maker.join()

    async def reads_every_partition() -> bool:
        return {tp.partition for tp in consumer.assignment} == set(range(AUTO_CREATED_PARTITIONS))

    # Well before a metadata refresh (aiokafka: every five minutes) would have found the partition.
    await wait_until(reads_every_partition, "the group to be assigned every partition", timeout=30)
    await wait_until(lambda: db.has_effects("counter", before + after), "every event took effect", timeout=30)
    assert set((await db.effect_counts("counter")).values()) == {1}
