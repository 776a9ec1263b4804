"""What the outbox relay and the consumers report to Prometheus, against the real engines.

Metrics live in the process-wide registry, so each test reads deltas of series labelled with a
topic and a consumer name of its own.
"""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.integration.messaging_support import Harness, unique_topic, wait_until


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_published_events_and_their_processing_are_counted_and_timed(harness: Harness) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    await harness.consumer(db, bus, [topic], name="metered")
    lag_before = sample("outbox_relay_lag_seconds_count")

    events = await db.write_events(topic, ["a", "b", "c"])
    await wait_until(lambda: db.has_effects("metered", events), "the events took effect")

    assert sample("outbox_published_total", topic=topic.name) == 3
    assert sample("outbox_relay_lag_seconds_count") - lag_before >= 3
    consumed = {"consumer": "metered", "topic": topic.name}
    assert sample("kafka_consumer_records_total", outcome="processed", **consumed) == 3
    assert sample("kafka_consumer_processing_seconds_count", **consumed) == 3
    partitions = {
        s.labels["partition"]: s.value
        for metric in REGISTRY.collect()
        if metric.name == "kafka_consumer_lag"
        for s in metric.samples
        if s.labels.get("topic") == topic.name
    }
    assert partitions and set(partitions.values()) == {0.0}  # caught up on every partition it read


async def test_the_backlog_is_reported_while_the_broker_is_away(harness: Harness) -> None:
    broker = harness.own_broker()
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus, backlog_interval=0.05)
    broker.stop()
    await db.write_events(topic, ["x", "y"])

    async def backlog_seen() -> bool:
        return sample("outbox_backlog") == 2 and sample("outbox_oldest_unpublished_seconds") > 0

    await wait_until(backlog_seen, "the relay reported two waiting rows")
    broker.start()

    async def drained() -> bool:
        return sample("outbox_backlog") == 0 and sample("outbox_published_total", topic=topic.name) >= 2

    await wait_until(drained, "the backlog drained once the broker came back")
