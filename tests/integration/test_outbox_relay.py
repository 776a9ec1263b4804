"""The transactional outbox and its relay against real PostgreSQL and a real broker.

Tests that stop or restart the broker run their own broker (``Harness.own_broker``), so the
session broker other modules share is never disturbed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from google.protobuf.wrappers_pb2 import StringValue

from platformkit.db import transaction
from platformkit.outbox import _RELAY_LOCK_ID as RELAY_LOCK_ID
from platformkit.outbox import OutboxRelay, add_event
from tests.integration.messaging_support import (
    EVENT_TYPE,
    Harness,
    ServiceDb,
    crash,
    holds_events,
    published_ids,
    read_topic,
    unique_topic,
    wait_until,
)


async def test_committed_event_is_published_and_handled_once_and_rolled_back_event_is_not(harness: Harness) -> None:
    """Only committed transactions publish; the relay wakes up on commit, not on its poll."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    # A poll far longer than the waits below: once idle, only the after-commit wake-up publishes in time.
    await harness.relay(db, bus, poll_interval=3600)
    await harness.consumer(db, bus, [topic])
    [first] = await db.write_events(topic, ["agg-1"])
    await wait_until(lambda: db.has_effects("counter", [first]), "the first event took effect")

    with pytest.raises(RuntimeError, match="abort"):
        async with transaction(db.sessions) as session:
            await add_event(
                session,
                db.tables,
                topic=topic,
                event_type=EVENT_TYPE,
                aggregate_id="agg-1",
                payload=StringValue(value="never"),
                source="tests",
            )
            raise RuntimeError("abort")
    [committed] = await db.write_events(topic, ["agg-1"])

    await wait_until(lambda: db.has_effects("counter", [committed]), "the committed event took effect")
    assert await db.effect_counts("counter") == {first: 1, committed: 1}
    assert await published_ids(harness.bootstrap, topic) == [first, committed]
    rows = await db.outbox_rows()
    assert [(row.id, row.published_at is not None, row.attempts) for row in rows] == [
        (first, True, 0),
        (committed, True, 0),
    ]


async def test_published_at_is_when_the_broker_acknowledged_the_row(harness: Harness) -> None:
    """``published_at`` says when the broker acknowledged the row (what a lag or a latency breakdown
    reads), not when the relay's transaction began: a slow acknowledgement shows."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    publish = bus.publish
    acknowledged: list[datetime] = []

    async def slow_publish(rows: Sequence[Any]) -> None:
        await asyncio.sleep(0.3)
        await publish(rows)
        acknowledged.append(datetime.now(UTC))

    bus.publish = slow_publish  # type: ignore[method-assign]
    await harness.relay(db, bus)
    [event] = await db.write_events(topic, ["agg-1"])

    async def published() -> bool:
        return all(r.published_at is not None for r in await db.outbox_rows())

    await wait_until(published, "the event was published")
    [row] = await db.outbox_rows()
    assert row.id == event and acknowledged
    # PostgreSQL and Python read the same clock; a millisecond covers the rounding of either.
    assert row.published_at >= acknowledged[0] - timedelta(milliseconds=1)


async def test_events_written_while_broker_is_down_are_published_when_it_returns_and_take_effect_once(
    harness: Harness,
) -> None:
    """A broker outage delays events (failed attempts are recorded) but loses and doubles none."""
    broker = harness.own_broker()
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic], request_timeout_ms=500)
    await harness.relay(db, bus)
    await harness.consumer(db, bus, [topic])
    before = await db.write_events(topic, [f"agg-{i}" for i in range(5)])
    await wait_until(lambda: db.has_effects("counter", before), "the events before the outage took effect")

    crash(broker)
    during = await db.write_events(topic, [f"agg-{i}" for i in range(10)])

    async def failure_recorded() -> bool:
        rows = [r for r in await db.outbox_rows() if r.id in during]
        return any(r.attempts > 0 and r.last_error for r in rows)

    await wait_until(failure_recorded, "the relay recorded a failed attempt")
    assert all(r.published_at is None for r in await db.outbox_rows() if r.id in during)

    broker.start()  # an empty broker on the same address
    await wait_until(lambda: db.has_effects("counter", before + during), "every event took effect", timeout=60)
    assert await db.effect_counts("counter") == dict.fromkeys(before + during, 1)
    assert all(r.published_at is not None for r in await db.outbox_rows())


async def test_processes_started_before_the_broker_publish_and_consume_once_it_is_up(harness: Harness) -> None:
    """A service may start while the broker is still down: nothing waits on it, nothing is lost."""
    broker = harness.own_broker()
    crash(broker)
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    await harness.consumer(db, bus, [topic])
    events = await db.write_events(topic, [f"agg-{i}" for i in range(5)])
    assert bus.epoch is None

    broker.start()
    await wait_until(lambda: db.has_effects("counter", events), "the events took effect")
    assert await db.effect_counts("counter") == dict.fromkeys(events, 1)


async def test_events_published_but_unconsumed_when_broker_restarts_empty_take_effect_exactly_once(
    harness: Harness,
) -> None:
    """After an empty restart the outbox replays: lost events arrive, seen ones change nothing.

    ``live`` keeps running through the restart and had applied everything; ``late`` was down
    while the second batch was published, so that batch only exists in the lost broker.
    """
    broker = harness.own_broker()
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    await harness.consumer(db, bus, [topic], name="live")
    late = await harness.consumer(db, bus, [topic], name="late")

    first = await db.write_events(topic, [f"agg-{i}" for i in range(6)])
    await wait_until(lambda: db.has_effects("late", first), "late applied the first batch")
    await harness.stop(late)
    second = await db.write_events(topic, [f"agg-{i}" for i in range(6)])
    await wait_until(lambda: db.has_effects("live", second), "live applied the second batch")
    assert set(await published_ids(harness.bootstrap, topic)) == set(first + second)

    crash(broker)
    broker.start()  # empty
    await harness.consumer(db, bus, [topic], name="late")
    await wait_until(lambda: db.has_effects("late", second), "late applied the batch the broker lost")
    # The replay really happened: the new broker holds the old events again.
    await wait_until(
        lambda: holds_events(harness.bootstrap, topic, first + second), "the outbox was re-published", timeout=10
    )
    third = await db.write_events(topic, [f"agg-{i}" for i in range(3)])
    await wait_until(lambda: db.has_effects("live", third), "live still consumes after the restart")
    await wait_until(lambda: db.has_effects("late", third), "late still consumes after the restart")

    everything = dict.fromkeys(first + second + third, 1)
    assert await db.effect_counts("live") == everything
    assert await db.effect_counts("late") == everything


async def test_two_relays_on_one_database_publish_each_event_once_in_write_order(harness: Harness) -> None:
    """Replicas share the outbox safely: no event twice, one aggregate's events in order."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus, batch_size=7)
    await harness.relay(db, bus, batch_size=7)

    written = []
    for _ in range(8):
        written += await db.write_events(topic, ["one-aggregate"] * 8)

    await wait_until(lambda: holds_events(harness.bootstrap, topic, written), "every event was published")
    assert await published_ids(harness.bootstrap, topic) == written


async def test_a_relay_publishes_nothing_while_another_holds_the_lock_then_all_in_write_order(harness: Harness) -> None:
    """The relay takes its lock and reads its batch in one statement: while another replica holds
    the lock it reads no row and says so; once the lock is free it publishes every row, oldest first."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    relay = OutboxRelay(db.engine, db.tables, bus, batch_size=3)
    written = await db.write_events(topic, ["one-aggregate"] * 5)

    async with db.engine.connect() as other_replica, other_replica.begin():
        await other_replica.execute(sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK_ID)))
        assert await relay._publish_batch() is None
    assert [row.published_at for row in await db.outbox_rows()] == [None] * 5

    assert [await relay._publish_batch() for _ in range(3)] == [3, 2, 0]
    await wait_until(lambda: holds_events(harness.bootstrap, topic, written), "every event was published")
    assert await published_ids(harness.bootstrap, topic) == written


async def test_relay_prunes_published_rows_older_than_the_replay_window(harness: Harness) -> None:
    """Published rows past the window are deleted; recent and unpublished rows stay."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic], outbox_replay_window_hours=1)
    old, recent = await db.write_events(topic, ["agg-1", "agg-2"])
    async with transaction(db.sessions) as session:
        outbox = db.tables.outbox
        await session.execute(
            sa.update(outbox).where(outbox.c.id == old).values(published_at=sa.func.now() - timedelta(hours=2))
        )

    await harness.relay(db, bus, prune_interval=0.1)
    await wait_until(lambda: _published_rows_are(db, [recent]), "the old row was pruned and the recent one published")
    assert await published_ids(harness.bootstrap, topic) == [recent]


async def _published_rows_are(db: ServiceDb, event_ids: list[uuid.UUID]) -> bool:
    rows = await db.outbox_rows()
    return [r.id for r in rows] == event_ids and all(r.published_at is not None for r in rows)


async def test_a_work_queue_takes_its_partitions_in_turn_whatever_the_keys(harness: Harness) -> None:
    """Jobs split evenly over the partitions, hence over a group's workers, even when their keys
    would all hash to one partition."""
    db = await harness.service_db()
    topic = dataclasses.replace(unique_topic(), spread=True)
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    jobs = await db.write_events(topic, ["the-same-key"] * (4 * topic.partitions))
    await wait_until(lambda: holds_events(harness.bootstrap, topic, jobs), "every job was published")

    per_partition = Counter(record.partition for record in await read_topic(harness.bootstrap, topic))
    assert per_partition == dict.fromkeys(range(topic.partitions), 4)
