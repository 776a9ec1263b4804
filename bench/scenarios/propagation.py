"""Scenario 5: a revision's status change until the shooting's roll-up shows it, and until the
live WebSocket (``WS /api/v1/ws`` through Envoy) delivers it, next to the broker's own
produce-to-consume latency measured in the same run.

The change is a public request (``POST /shots/{id}/revision`` through Envoy) on the only shot of a
one-look shooting, alternating between two statuses so every change moves the roll-up. The shots
service commits the shot and its ``shot.status_changed`` event together, its relay publishes it,
the shootings consumer folds it into the look and the shooting. Target 5's latency runs from the
change's commit to the roll-up's commit, both as the bench's PostgreSQL recorded them
(``track_commit_timestamp``): the answer reaches the client milliseconds after the commit (the
gateway composes it once the shots service has committed: 7-19 ms measured), so timing from the
answer, as this scenario did until 2026-12-06, left most of the way out. Beside it, from the answer
(0 when the roll-up committed before the answer arrived) and from sending the request, on the same
wall clock; and the socket's ``status_changed`` message after the answer (tests/support/live.py
stamps each arrival). Between changes the bench waits for the roll-up with a 5 ms poll: no figure
comes from the poll (a 1 ms poll, used until 2026-12-06, took CPU from the stack it measured).

Where the time goes, per change (:func:`_breakdown`): from the commit until the broker
acknowledged the event (the outbox row's ``published_at``), then until the roll-up consumer's
transaction began (its processed-event row's ``processed_at``, the transaction's ``now()``: the
broker's delivery and the fetch wait), then that transaction until its commit (recording the
event, folding the shot's state, the look and shooting recompute).

The broker baseline (target 5's denominator): a record produced (acks=all) on a one-partition topic
of the same broker and the time until a consumer with the platform's fetch wait receives it with
``getone``, one record at a time. ``getone`` asks for the next records only once it is called
again, after the next record was produced (aiokafka keeps an exhausted batch until then), so no
fetch is ever held when a record arrives: the broker's produce-to-consume without its fetch loop.
Beside it, reported only, the same with a held fetch, as the platform's consumers read
(``getmany`` while fetching continuously, the record produced at a random moment of the held
fetch): this broker reads a held fetch's partitions again at half its wait, then half the rest
(D14.27), and that wait is part of every consumer's delivery.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.scenarios.context import Context
from bench.stats import percentile
from bench.workloads import BulkBrief, create_looks, new_shooting, revision_body
from platformkit.event_types import EventType
from platformkit.settings import ProcessSettings
from tests.support.live import LiveClient

CHANGES = 200
STATUSES = ("REVIEW", "PROPOSAL")
POLL_SECONDS = 0.005
# Generous: on a loaded machine the consumers may still be digesting the seeding's events.
DEADLINE_SECONDS = 60.0
BASELINE_TOPIC = "bench.latency"
PLATFORM_FETCH_MAX_WAIT_MS = ProcessSettings().kafka_fetch_max_wait_ms


def _summary(samples_s: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples_s]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "samples_ms": [round(v, 2) for v in ms],
    }


async def broker_baseline(bootstrap: str, count: int = CHANGES, *, held_fetch: bool = False) -> dict[str, Any]:
    """Produce-to-consume latency of ``count`` records, one at a time (see the module doc)."""
    topic = f"{BASELINE_TOPIC}.held" if held_fetch else BASELINE_TOPIC
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    partition = TopicPartition(topic, 0)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=PLATFORM_FETCH_MAX_WAIT_MS)
    # Seeded: the same moments in every run.
    moments = random.Random(5)
    await producer.start()
    await consumer.start()
    try:
        consumer.assign([partition])
        await consumer.seek_to_end(partition)
        latencies = []
        for i in range(count + 10):
            if held_fetch:  # the next fetch is in flight: produce at a random moment of its wait
                await asyncio.sleep(moments.uniform(0, 2 * PLATFORM_FETCH_MAX_WAIT_MS / 1000))
            began = time.perf_counter()
            await producer.send_and_wait(topic, f"{i}".encode(), key=b"k", partition=0)
            if held_fetch:
                if not await consumer.getmany(partition, timeout_ms=int(DEADLINE_SECONDS * 1000)):
                    raise TimeoutError("the baseline's record never reached its consumer")
            else:
                await consumer.getone(partition)
            if i >= 10:  # the first few include connection set-up
                latencies.append(time.perf_counter() - began)
        return _summary(latencies)
    finally:
        await producer.stop()
        await consumer.stop()


async def _until_rollup(conn: asyncpg.Connection, shooting_id: uuid.UUID, status: str) -> None:
    deadline = time.perf_counter() + DEADLINE_SECONDS
    while True:
        if await conn.fetchval("SELECT shot_status FROM shootings WHERE id = $1", shooting_id) == status:
            return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the shooting's roll-up never showed {status}")
        await asyncio.sleep(POLL_SECONDS)


async def _until_socket(live: LiveClient, shot_id: str) -> float:
    """Arrival (perf_counter clock) of the shot's next ``status_changed`` message (``wait_for``
    consumes the messages it returns, so each change finds its own)."""

    def changed(message: dict[str, Any]) -> bool:
        return message.get("shot_id") == shot_id and message.get("event") == "status_changed"

    message = await live.wait_for(changed, DEADLINE_SECONDS)
    # LiveClient stamps arrivals with time.time(); bring it onto the perf_counter clock.
    return live.arrived_at(message) - time.time() + time.perf_counter()


async def _commit_times(
    ctx: Context, shootings: asyncpg.Connection, shot_id: str, revision_ids: list[str]
) -> list[tuple[float, float, float, float]]:
    """Per change, as the bench's PostgreSQL recorded them (wall clock, seconds): the commit of the
    shots service's transaction (the revision and its status event; ``track_commit_timestamp``),
    the broker's acknowledgement of the event (the relay stamps ``published_at`` then), the start
    of the roll-up consumer's transaction that applied it (``processed_at`` is its ``now()``) and
    that transaction's commit (the roll-up visible from then on). A transaction's ``now()`` says
    when it began, so only the consumer's start is read from one."""
    shots = await asyncpg.connect(ctx.env.dsn("shots"))
    try:
        revisions = dict(
            await shots.fetch(
                "SELECT id::text, extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM shot_revisions "
                "WHERE id = ANY($1::uuid[])",
                revision_ids,
            )
        )
        events = await shots.fetch(
            "SELECT id, extract(epoch FROM published_at) AS published "
            "FROM outbox WHERE key = $1 AND event_type = $2 ORDER BY created_at",
            shot_id,
            EventType.SHOT_STATUS_CHANGED,
        )
    finally:
        await shots.close()
    measured = events[-len(revision_ids) :]
    applied = {
        row["event_id"]: (float(row["began"]), float(row["committed"]))
        for row in await shootings.fetch(
            "SELECT event_id, extract(epoch FROM processed_at) AS began,"
            " extract(epoch FROM pg_xact_commit_timestamp(xmin)) AS committed FROM processed_events "
            "WHERE consumer = 'shootings.shot-rollups' AND event_id = ANY($1)",
            [e["id"] for e in measured],
        )
    }
    return [
        (float(revisions[revision]), float(event["published"]), *applied[event["id"]])
        for revision, event in zip(revision_ids, measured, strict=True)
    ]


def _breakdown(commits: list[tuple[float, float, float, float]], answered_at: list[float]) -> dict[str, dict[str, Any]]:
    """Where each change spent its time: from its commit until the broker acknowledged its event
    (the relay woke, read the row and produced it with acks=all), then until the roll-up consumer's
    transaction began (the broker's delivery and the fetch wait), then that transaction (record,
    fold, recompute, commit); and, beside them, when the request's answer reached the client."""
    parts: dict[str, list[float]] = {
        "relay to the broker's ack": [],
        "broker delivery and fetch wait": [],
        "consumer transaction": [],
        "answer": [],
    }
    for (committed, acknowledged, began, applied), answered in zip(commits, answered_at, strict=True):
        parts["relay to the broker's ack"].append(acknowledged - committed)
        parts["broker delivery and fetch wait"].append(began - acknowledged)
        parts["consumer transaction"].append(applied - began)
        parts["answer"].append(answered - committed)
    return {name: {k: v for k, v in _summary(samples).items() if k != "samples_ms"} for name, samples in parts.items()}


async def run(ctx: Context, brief: BulkBrief, changes: int = CHANGES) -> dict[str, Any]:
    shooting = await new_shooting(ctx.client, "Propagation")
    one = (brief.product_ids[:1], brief.subject_ids[:1], brief.shot_type_ids[:1])
    [look] = await create_looks(ctx.client, shooting, *one)
    shot_id = look["shots"][0]["id"]
    conn = await asyncpg.connect(ctx.env.dsn("shootings"))
    socket, sent_at, answered_at, revision_ids = [], [], [], []
    wall = time.time() - time.perf_counter()  # perf_counter readings -> the database's (wall) clock
    try:
        async with LiveClient.connect(ctx.env.public_url, token=ctx.token) as live:
            await live.subscribe(shooting)
            for i in range(changes + 5):
                status = STATUSES[i % 2]
                sent = time.perf_counter()
                answer = await ctx.client.post(f"/shots/{shot_id}/revision", json=revision_body(status))
                answered = time.perf_counter()
                answer.raise_for_status()
                _, arrived = await asyncio.gather(
                    _until_rollup(conn, uuid.UUID(shooting), status), _until_socket(live, shot_id)
                )
                if i >= 5:  # warm-up changes
                    socket.append(arrived - answered)
                    sent_at.append(sent + wall)
                    answered_at.append(answered + wall)
                    revision_ids.append(str(answer.json()["id"]))
        commits = await _commit_times(ctx, conn, shot_id, revision_ids)
    finally:
        await conn.close()
    baseline = await broker_baseline(ctx.env.stack.config.backends.kafka_bootstrap)
    held = await broker_baseline(ctx.env.stack.config.backends.kafka_bootstrap, held_fetch=True)
    result = {
        "breakdown": _breakdown(commits, answered_at),
        # Target 5: from the change's commit to the roll-up's, both as PostgreSQL recorded them.
        "after_commit": _summary([applied - committed for committed, _, _, applied in commits]),
        # The roll-up's commit after the answer reached the client (0: it committed first), and
        # after the request was sent.
        "after_answer": _summary(
            [max(applied - answered, 0.0) for (*_, applied), answered in zip(commits, answered_at, strict=True)]
        ),
        "after_send": _summary([applied - sent for (*_, applied), sent in zip(commits, sent_at, strict=True)]),
        "websocket_after_commit": _summary(socket),
        "broker": baseline,
        "broker_held_fetch": held,
    }
    print(
        f"  status change -> roll-up: p50 {result['after_commit']['p50_ms']} ms, p99 {result['after_commit']['p99_ms']}"
        f" ms from commit to commit (p50 {result['after_answer']['p50_ms']}, p99 {result['after_answer']['p99_ms']} ms"
        f" after the answer); WebSocket after the answer p50 {result['websocket_after_commit']['p50_ms']} ms, p99"
        f" {result['websocket_after_commit']['p99_ms']} ms; broker produce->consume p99 {baseline['p99_ms']} ms",
        flush=True,
    )
    return result
