"""The broker stops while users create looks and change statuses, then restarts empty: every state
change takes effect exactly once afterwards (roll-ups, proposals, generations, pushes), none lost,
none doubled.

While the broker is down the API keeps answering: each change commits with its events in the
service's outbox. The broker then comes back on the same address with nothing in it (tansu keeps
everything in memory), so the platform must notice the new epoch, recreate the topics, publish
the held rows, re-publish what the lost broker had (the replay window) and rewind its consumers;
idempotent consumers make the replayed half harmless. The test waits until the platform is
quiescent (every outbox row published, every consumer group at the end of its partitions) before
it compares, so a late duplicate cannot hide behind an early match.

The shooting's roll-up is chosen so that it only reaches its final value through events
published after the restart: its worst look is the one whose generation was requested during
the outage (PROPOSAL once rendered; PENDING until then). Should the test fail while the broker
is down, the package's ``restored`` fixture starts it again for the tests that follow.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.processes import WORKER_KINDS
from platformkit.topics import (
    BROKER_EPOCH,
    EXPORTS_EVENTS,
    OUTFITS_EVENTS,
    SHOOTINGS_EVENTS,
    SHOTS_EVENTS,
    Topic,
)
from tests.e2e.brief import post
from tests.e2e.shots_support import eventually, png_data_url
from tests.reliability.conftest import FaultStack
from tests.support.kanban import Studio

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Every consumer group of the platform and what it reads; a group the broker lists that is not
# here fails the quiescence check, so a new consumer is added to this table.
CONSUMED: dict[str, Topic] = {
    "shootings.shot-rollups": SHOTS_EVENTS,
    "shootings.outfit-rollups": OUTFITS_EVENTS,
    "outfits.looks": SHOOTINGS_EVENTS,
    "shots.shooting-access": SHOOTINGS_EVENTS,
    "shots.push-refs": EXPORTS_EVENTS,
    **{kind.group: kind.topic for kind in WORKER_KINDS},
}
SETTLE_TIMEOUT = 90.0


async def broker_epoch(bootstrap: str) -> bytes:
    """The first record of the epoch topic: the broker incarnation the platform agreed on."""
    partition = TopicPartition(BROKER_EPOCH.name, 0)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=10)
    await reader.start()
    try:
        reader.assign([partition])
        await reader.seek_to_beginning(partition)
        records = await reader.getmany(partition, timeout_ms=10_000, max_records=1)
        [first] = records[partition]
        return bytes(first.value or b"")
    finally:
        await reader.stop()


async def partition_ends(admin: AIOKafkaAdminClient, reader: AIOKafkaConsumer, topic: str) -> dict[TopicPartition, int]:
    """The next offset of each partition of ``topic``, as a fetch reports it (its high watermark).

    Not ``end_offsets``: tansu 0.6 answers ListOffsets(latest) with the base offset of the
    partition's last record batch plus one, short of the end when that batch holds several records
    (the relay sends many at once).
    """
    [description] = await admin.describe_topics([topic])
    partitions = [TopicPartition(topic, p["partition"]) for p in description["partitions"]]
    assert partitions, description
    reader.assign(partitions)
    await reader.seek_to_beginning(*partitions)
    ends: dict[TopicPartition, int] = {}
    async with asyncio.timeout(20):
        while len(ends) < len(partitions):
            await reader.getmany(*partitions, timeout_ms=100, max_records=1)
            ends |= {tp: hw for tp in partitions if (hw := reader.highwater(tp)) is not None}
    return ends


async def unpublished_outbox_rows(database_urls: dict[str, str]) -> dict[str, int]:
    """Per service database with an outbox: its rows not acknowledged by the broker yet."""
    found: dict[str, int] = {}
    for key, url in database_urls.items():
        engine = create_async_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                if await conn.scalar(sa.text("SELECT to_regclass('outbox') IS NOT NULL")):
                    found[key] = int(
                        await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0
                    )
        finally:
            await engine.dispose()
    return found


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    """Per consumer group the broker knows: records of its topic it has not committed past."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=10)
    await admin.start()
    await reader.start()
    try:
        groups = sorted(group for group, _ in await admin.list_consumer_groups())
        unknown = set(groups) - set(CONSUMED)
        assert not unknown, f"consumer groups missing from CONSUMED: {unknown}"
        lag: dict[str, int] = {}
        for group in groups:
            ends = await partition_ends(admin, reader, CONSUMED[group].name)
            committed = await admin.list_consumer_group_offsets(group, partitions=list(ends))
            lag[group] = sum(end - max(committed[tp].offset if tp in committed else 0, 0) for tp, end in ends.items())
        return lag
    finally:
        await reader.stop()
        await admin.close()


async def quiescent(faults: FaultStack, seen: list[object]) -> bool:
    """Every outbox row acknowledged and every group at the end of its topic, twice in a row (so a
    relay that had just woken up has had its turn); ``seen`` keeps the last figures."""
    wiring = faults.stack.wiring
    assert wiring is not None
    for _ in range(2):
        outbox = await unpublished_outbox_rows(dict(wiring.database_urls))
        lag = await consumer_lag(wiring.kafka_bootstrap)
        seen[:] = [{"unpublished": outbox, "lag": lag}]
        if any(outbox.values()) or any(lag.values()):
            return False
        await asyncio.sleep(1.0)  # pacing the double check, not timing an assertion
    return True


async def revise(studio: Studio, shot_id: str, status: str) -> dict[str, Any]:
    """A revision made by hand (an uploaded image) that sets the shot's status."""
    images = [{"source_type": "UPLOAD", "image_data": png_data_url((30, 140, 90), (64, 96))}]
    return await post(studio.client, f"/shots/{shot_id}/revision", {"shot_status": status, "images": images})


def shot_of(look: dict[str, Any]) -> str:
    [shot] = look["shots"]
    return str(shot["id"])


async def test_broker_restarted_empty_every_change_made_meanwhile_takes_effect_exactly_once(
    faults: FaultStack, new_user
) -> None:
    owner = await new_user()
    studio = await Studio.open(owner.client, faults.receiver.url("ok"))
    bootstrap = faults.broker.bootstrap

    # Before the outage: two looks rendered (their revisions are approved and exported during it).
    rendered = [shot_of(await studio.new_look()) for _ in range(2)]
    generations = {shot: await studio.generate(shot) for shot in rendered}
    for shot in rendered:
        await studio.proposed(shot)
    epoch_before = await broker_epoch(bootstrap)

    await asyncio.to_thread(faults.stop_broker)

    # During the outage: every answer is a 200 (post() asserts it); nothing waits on the broker.
    styled = [await studio.new_look(generate_outfit=True) for _ in range(3)]
    generated, reviewed, rejected = (shot_of(look) for look in styled)
    generations[generated] = await studio.generate(generated)
    await revise(studio, reviewed, "REVIEW")
    await revise(studio, reviewed, "POST_PROD")
    await studio.approve(reviewed)
    await revise(studio, rejected, "REJECTED")
    exported = [*rendered, reviewed]
    for shot in rendered:
        await studio.approve(shot)
    for shot in exported:
        answer = await studio.export((await studio.shot(shot))["current_revision_id"])
        assert answer["exports_created"] == 1, answer
    assert (await studio.client.get(f"/shootings/{studio.shooting_id}")).status_code == 200

    await asyncio.to_thread(faults.start_broker)  # empty, on the same address

    statuses = {rendered[0]: "APPROVED", rendered[1]: "APPROVED", generated: "PROPOSAL"}
    statuses |= {reviewed: "APPROVED", rejected: "REJECTED"}
    revisions = {rendered[0]: 1, rendered[1]: 1, generated: 1, reviewed: 2, rejected: 1}
    looks = {shot_of(look): look["id"] for look in styled}
    looks |= {shot: (await studio.shot(shot))["production_request_id"] for shot in rendered}

    push_ids: dict[str, list[str]] = {}

    async def observed() -> dict[str, Any]:
        state: dict[str, Any] = {"shots": {}, "looks": {}, "generations": {}, "pushes": {}, "proposals": {}}
        for shot_id, look_id in looks.items():
            shot = await studio.shot(shot_id)
            state["shots"][shot_id] = (shot["status"], len(shot["revisions"]))
            look = await studio.look(look_id)
            state["looks"][look_id] = look["shot_status"]
            state["proposals"][look_id] = [p["generation_status"] for p in look["outfit_proposals"]]
        for shot_id in generations:
            listed = (await studio.client.get("/generations/", params={"shot_id": shot_id})).json()["data"]
            state["generations"][shot_id] = [(g["id"], g["status"]) for g in listed]
        for shot_id in exported:
            pushes = await studio.pushes(shot_id)
            state["pushes"][shot_id] = [p["push_status"] for p in pushes]
            push_ids[shot_id] = [p["id"] for p in pushes]
        shooting = (await studio.client.get(f"/shootings/{studio.shooting_id}")).json()
        state["shooting"] = (shooting["status"], shooting["shot_status"])
        summary = (await studio.client.get("/shootings/summary", params={"shooting_id": studio.shooting_id})).json()
        breakdown = sorted((entry["status"], entry["count"]) for entry in summary.pop("status_breakdown"))
        state["summary"] = {**summary, "status_breakdown": breakdown}
        return state

    expected = {
        "shots": {shot: (statuses[shot], revisions[shot]) for shot in looks},
        "looks": {looks[shot]: statuses[shot] for shot in looks},
        # Only the looks created with generate_outfit have a proposal: one, styled once.
        "proposals": {looks[shot]: [] if shot in rendered else ["COMPLETED"] for shot in looks},
        "generations": {shot: [(generation, "COMPLETED")] for shot, generation in generations.items()},
        "pushes": {shot: ["COMPLETED"] for shot in exported},
        "shooting": ("PROPOSAL", "PROPOSAL"),
        "summary": {
            "total_products": 1,
            "total_production_requests": len(looks),
            "status_breakdown": sorted(Counter(statuses.values()).items()),
        },
    }

    last: list[dict[str, Any]] = []

    async def settled() -> bool:
        last[:] = [await observed()]
        return last[0] == expected

    try:
        await eventually(settled, "every change made during the outage to take effect", timeout=SETTLE_TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nobserved: {last}\nexpected: {expected}") from None
    seen: list[object] = []
    try:
        await eventually(lambda: quiescent(faults, seen), "the platform to be quiescent", timeout=SETTLE_TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {seen}") from None

    # Quiescent: whatever the replay was going to do is done. Now the exact comparison.
    assert await observed() == expected
    for shot in exported:
        [push_id] = push_ids[shot]
        assert [path for path, _ in faults.receiver.posts_of(push_id)] == ["/ok"], push_id
    assert await broker_epoch(bootstrap) != epoch_before  # it really came back empty, and was repaired
