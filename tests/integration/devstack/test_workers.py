"""N processes of one worker kind (``<KIND>_WORKERS``) share the partitions of its work queue.

The real workers do not exist yet; a fake of the same shape (a consumer-group member) proves the
supervisor's side: ``WorkerKind.processes(3)`` starts three processes that one consumer group
spreads a topic's partitions over, and each processes a share of the records.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from devstack.processes import WorkerKind
from devstack.stack import Stack
from platformkit.topics import Topic, ensure_topics
from tests.integration.devstack.conftest import FAKE_GATEWAY, FAKES, Lines, wait_for

RECORDS = 60


def last_assignment(lines: Lines, name: str) -> list[int] | None:
    assigned = [json.loads(line)["assigned"] for line in lines.of(name) if line.startswith('{"assigned"')]
    return assigned[-1] if assigned else None


def processed(lines: Lines, name: str) -> list[str]:
    return [json.loads(line)["processed"] for line in lines.of(name) if line.startswith('{"processed"')]


async def produce(bootstrap: str, topic: Topic) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for n in range(RECORDS):
            await producer.send_and_wait(topic.name, str(n).encode(), partition=n % topic.partitions)
    finally:
        await producer.stop()


def test_three_workers_of_a_kind_share_one_topic(make_stack: Callable[..., Stack], engines) -> None:  # type: ignore[no-untyped-def]
    topic = Topic(f"test.work.{uuid.uuid4().hex[:8]}", partitions=3)
    asyncio.run(ensure_topics(engines.broker.bootstrap, (topic,)))
    kind = WorkerKind("fake", f"{FAKES}.group_worker", "alpha", f"group-{topic.name}", topic)
    workers = kind.processes(3)
    stack = make_stack((*workers, FAKE_GATEWAY), extra_env={"FAKE_TOPIC": topic.name, "FAKE_GROUP": kind.group})
    stack.start()
    lines = stack.sink
    assert isinstance(lines, Lines)
    names = [w.name for w in workers]
    assert names == ["fake-worker-1", "fake-worker-2", "fake-worker-3"]

    def balanced() -> bool:
        assignments = [last_assignment(lines, name) for name in names]
        return all(assignments) and sorted(p for a in assignments for p in a or []) == [0, 1, 2]

    wait_for(balanced, "the group gave each worker one partition", timeout=60)
    asyncio.run(produce(engines.broker.bootstrap, topic))
    wait_for(lambda: sum(len(processed(lines, n)) for n in names) >= RECORDS, "every record processed", timeout=60)

    shares = {name: processed(lines, name) for name in names}
    assert all(shares.values()), {name: len(share) for name, share in shares.items()}
    assert sorted(int(v) for share in shares.values() for v in share) == list(range(RECORDS))
