"""Idempotent consumers against real PostgreSQL and a real broker.

Tests that restart the broker run their own broker (``Harness.own_broker``), so the session
broker other modules share is never disturbed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from platformkit.transient import TransientError
from protos.events.v1.envelope_pb2 import EventEnvelope
from tests.integration.messaging_support import (
    EVENT_TYPE,
    Harness,
    crash,
    holds_events,
    published_ids,
    read_topic,
    unique_topic,
    wait_until,
)


@pytest.fixture(scope="module")
def finished_spans() -> Iterator[InMemorySpanExporter]:
    """Spans of this process (OpenTelemetry's SDK exporter; the engines stay real)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays registered but drops everything from now on


async def test_same_envelope_delivered_twice_has_one_effect(harness: Harness) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.consumer(db, bus, [topic])
    twice, after = await db.write_events(topic, ["agg-1", "agg-1"])
    rows = {row.id: row for row in await db.outbox_rows()}

    # Same key, same partition: once `after` took effect, both copies have been processed.
    await bus.publish([rows[twice], rows[twice], rows[after]])
    await wait_until(lambda: db.has_effects("counter", [after]), "the last event took effect")

    assert (await published_ids(harness.bootstrap, topic)).count(twice) == 2
    assert await db.effect_counts("counter") == {twice: 1, after: 1}


async def test_two_consumers_in_a_group_split_partitions_and_the_survivor_takes_over(harness: Harness) -> None:
    """Work-queue replicas share the partitions; the one left gets them all and every job runs once."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    first = await harness.consumer(db, bus, [topic], name="worker", worker="first")
    second = await harness.consumer(db, bus, [topic], name="worker", worker="second")

    async def split() -> bool:
        a, b = first.assignment, second.assignment
        return bool(a) and bool(b) and not a & b and len(a | b) == topic.partitions

    await wait_until(split, "both consumers own partitions")
    first_partitions = {tp.partition for tp in first.assignment}
    shared = await db.write_events(topic, [f"job-{i}" for i in range(30)])
    await wait_until(lambda: db.has_effects("worker", shared), "the shared jobs ran")
    assert set((await db.workers("worker")).values()) == {"first", "second"}

    in_flight = await db.write_events(topic, [f"job-{i}" for i in range(30, 45)])
    await harness.stop(first)
    after_stop = await db.write_events(topic, [f"job-{i}" for i in range(45, 60)])
    await wait_until(lambda: db.has_effects("worker", in_flight + after_stop), "the remaining jobs ran")

    assert len(second.assignment) == topic.partitions
    assert await db.effect_counts("worker") == dict.fromkeys(shared + in_flight + after_stop, 1)
    workers = await db.workers("worker")
    assert {workers[job] for job in after_stop} == {"second"}
    partition_of = {
        uuid.UUID(EventEnvelope.FromString(r.value).id): r.partition for r in await read_topic(harness.bootstrap, topic)
    }
    assert any(partition_of[job] in first_partitions for job in after_stop), "no job landed on the stopped one's share"


async def test_processing_span_continues_the_trace_current_at_add_event(
    harness: Harness, finished_spans: InMemorySpanExporter
) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    await harness.consumer(db, bus, [topic])

    with trace.get_tracer("tests").start_as_current_span("request") as request:
        [event_id] = await db.write_events(topic, ["agg-1"])

    def processing_spans() -> list[ReadableSpan]:
        return [
            span
            for span in finished_spans.get_finished_spans()
            if span.kind is trace.SpanKind.CONSUMER
            and (span.attributes or {}).get("messaging.message.id") == str(event_id)
        ]

    async def processed() -> bool:
        return bool(processing_spans())

    await wait_until(processed, "the processing span ended")
    [span] = processing_spans()
    assert span.context.trace_id == request.get_span_context().trace_id
    assert span.parent is not None
    [record] = await read_topic(harness.bootstrap, topic)
    assert "traceparent" in dict(record.headers), "the trace context travels in Kafka headers"


def _payload_text(envelope: EventEnvelope) -> str:
    value = StringValue()
    envelope.payload.Unpack(value)
    return value.value


def poison_rejecter() -> tuple[list[str], Callable[[EventEnvelope], None]]:
    """A handler failure for events whose text is "poison", and the ids of every attempt at them."""
    attempts: list[str] = []

    def reject_poison(envelope: EventEnvelope) -> None:
        if _payload_text(envelope) == "poison":
            attempts.append(envelope.id)
            raise ValueError("cannot handle this")

    return attempts, reject_poison


async def test_poison_event_is_retried_a_bounded_number_of_times_then_logged_and_skipped(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    attempts, reject_poison = poison_rejecter()
    handler = db.counting_handler("counter", fail=reject_poison)
    await harness.consumer(db, bus, [topic], handler=handler, max_attempts=3)
    [poison] = await db.write_events(topic, ["agg-1"], text="poison")
    [healthy] = await db.write_events(topic, ["agg-1"])  # same partition, behind the poison

    with caplog.at_level(logging.ERROR, logger="platformkit.consumer"):
        await wait_until(lambda: db.has_effects("counter", [healthy]), "the event behind the poison took effect")

    assert await db.effect_counts("counter") == {healthy: 1}
    assert attempts == [str(poison)] * 3
    assert any(r.levelno == logging.ERROR and str(poison) in r.getMessage() for r in caplog.records)
    assert await db.processed_event_ids() == {healthy}


async def test_transient_failures_are_retried_beyond_the_attempt_limit_until_they_pass(harness: Harness) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.relay(db, bus)
    attempts: list[str] = []

    def unavailable_four_times(envelope: EventEnvelope) -> None:
        attempts.append(envelope.id)
        if len(attempts) <= 4:
            raise TransientError("dependency unavailable")

    handler = db.counting_handler("counter", fail=unavailable_four_times)
    await harness.consumer(db, bus, [topic], handler=handler, max_attempts=2)
    [event_id] = await db.write_events(topic, ["agg-1"])

    await wait_until(lambda: db.has_effects("counter", [event_id]), "the event took effect")
    assert await db.effect_counts("counter") == {event_id: 1}
    assert attempts == [str(event_id)] * 5


async def test_service_restarted_after_an_empty_broker_restart_replays_and_every_event_takes_effect_once(
    harness: Harness,
) -> None:
    """Service A publishes, then is down while the broker restarts empty; service B publishes to
    the new broker; A comes back, learns from its own database that the epoch changed, and
    re-publishes. The consumer, running throughout, applies every event exactly once.
    """
    broker = harness.own_broker()
    topic = unique_topic()
    db_a, db_b, db_consumer = [await harness.service_db(name) for name in ("svc_a", "svc_b", "svc_c")]
    await harness.consumer(db_consumer, await harness.bus([topic]), [topic])
    keys = [f"order-{i}" for i in range(12)]

    bus_a = await harness.bus([topic])
    relay_a = await harness.relay(db_a, bus_a)
    from_a = await db_a.write_events(topic, keys)
    await wait_until(lambda: db_consumer.has_effects("counter", from_a), "A's events took effect")
    await harness.stop(relay_a)
    await harness.stop(bus_a)

    crash(broker)
    broker.start()
    await harness.relay(db_b, await harness.bus([topic]))
    from_b = await db_b.write_events(topic, keys)
    await wait_until(lambda: db_consumer.has_effects("counter", from_b), "B's events took effect")

    await harness.relay(db_a, await harness.bus([topic]))
    await wait_until(lambda: holds_events(harness.bootstrap, topic, from_a), "A re-published its events")
    latest = await db_a.write_events(topic, keys)
    await wait_until(lambda: db_consumer.has_effects("counter", latest), "A's latest events took effect")
    assert await db_consumer.effect_counts("counter") == dict.fromkeys(from_a + from_b + latest, 1)


async def test_consumer_rereads_its_partitions_from_the_beginning_when_the_epoch_changes(
    harness: Harness, finished_spans: InMemorySpanExporter
) -> None:
    """The rewind hook on its own: re-read events are recognised as duplicates, not re-applied.

    (After a real restart, tansu also forgets the group, and aiokafka's rejoin resets positions
    too; the rewind is what repairs a consumer whose membership survived, so it is driven here
    through the bus's change notification on a broker that did not restart.)
    """
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    await harness.consumer(db, bus, [topic])
    events = await db.write_events(topic, [f"agg-{i}" for i in range(6)])
    await bus.publish(await db.outbox_rows())  # no relay: it would re-publish on the change too
    await wait_until(lambda: db.has_effects("counter", events), "the events took effect")

    await bus._adopt_epoch(uuid.uuid4().hex)  # what check_epoch does when it reads a new epoch

    def reread() -> set[str]:
        return {
            str((span.attributes or {}).get("messaging.message.id"))
            for span in finished_spans.get_finished_spans()
            if (span.attributes or {}).get("platform.event.duplicate") is True
        }

    async def all_reread() -> bool:
        return {str(e) for e in events} <= reread()

    await wait_until(all_reread, "every event was read again")
    assert await db.effect_counts("counter") == dict.fromkeys(events, 1)


async def test_a_batched_consumer_applies_a_fetch_in_one_transaction_in_order(harness: Harness) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    events = await db.write_events(topic, ["agg-1"] * 12)  # one key: one partition, in order
    await bus.publish(await db.outbox_rows())  # all on the topic before the consumer's first fetch
    seen: list[str] = []
    counting = db.counting_handler("counter")

    async def handler(session, envelope: EventEnvelope) -> None:  # type: ignore[no-untyped-def]
        seen.append(envelope.id)
        await counting(session, envelope)

    await harness.consumer(db, bus, [topic], handler=handler, batched=True)
    await wait_until(lambda: db.has_effects("counter", events), "every event took effect")

    assert seen == [str(e) for e in events]
    assert await db.effect_counts("counter") == dict.fromkeys(events, 1)
    async with db.sessions() as session:
        transactions = await session.scalar(
            sa.select(sa.func.count(sa.distinct(db.tables.processed_events.c.processed_at)))
        )
    assert transactions < len(events), "the events of one fetch were not applied together"


async def test_a_quiet_consumer_pacing_its_fetches_applies_every_record_published_meanwhile(harness: Harness) -> None:
    """While it paces, its partitions stay paused and it asks only for their end offsets: records
    published then are fetched after the next ask, none lost, none applied twice."""
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    consumer = await harness.consumer(db, bus, [topic])
    first, *later = await db.write_events(topic, ["agg-1", "agg-1", "agg-2", "agg-3", "agg-4"])
    rows = {row.id: row for row in await db.outbox_rows()}
    await bus.publish([rows[first]])
    await wait_until(lambda: db.has_effects("counter", [first]), "the first event took effect")

    async def pacing() -> bool:
        return consumer.pacing

    await wait_until(pacing, "the quiet consumer paces its fetches")
    await bus.publish([rows[event] for event in later])
    await wait_until(lambda: db.has_effects("counter", later), "every later event took effect")

    assert await db.effect_counts("counter") == dict.fromkeys([first, *later], 1)


@pytest.mark.parametrize("batched", [False, True])
async def test_events_of_types_the_handler_does_not_apply_are_passed_over_without_a_trace(
    harness: Harness, batched: bool
) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    events: list[uuid.UUID] = []
    for event_type in ("other.type", EVENT_TYPE, "other.type", EVENT_TYPE):  # one key: one partition, in order
        events += await db.write_events(topic, ["agg-1"], event_type=event_type)
    await bus.publish(await db.outbox_rows())
    await harness.consumer(db, bus, [topic], batched=batched, event_types=frozenset({EVENT_TYPE}))
    applied = events[1::2]
    await wait_until(lambda: db.has_effects("counter", applied), "the applied types took effect")

    assert await db.effect_counts("counter") == dict.fromkeys(applied, 1)
    assert await db.processed_event_ids() == set(applied)  # no idempotency row for what was never applied


async def test_a_poison_event_in_a_batch_is_skipped_alone_after_its_attempts(harness: Harness) -> None:
    db = await harness.service_db()
    topic = unique_topic()
    bus = await harness.bus([topic])
    before = await db.write_events(topic, ["agg-1", "agg-1"])
    [poison] = await db.write_events(topic, ["agg-1"], text="poison")
    after = await db.write_events(topic, ["agg-1", "agg-1"])
    await bus.publish(await db.outbox_rows())
    attempts, reject_poison = poison_rejecter()
    handler = db.counting_handler("counter", fail=reject_poison)
    await harness.consumer(db, bus, [topic], handler=handler, max_attempts=3, batched=True)
    await wait_until(lambda: db.has_effects("counter", after), "the events behind the poison took effect")

    assert attempts == [str(poison)] * 3  # its failure within the batch is its first attempt
    assert await db.effect_counts("counter") == dict.fromkeys(before + after, 1)
    assert await db.processed_event_ids() == set(before + after)
