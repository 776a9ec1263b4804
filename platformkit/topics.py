"""The Kafka topic catalogue: every topic the platform uses, keyed by aggregate id.

The names are the contract's: each event payload message states the topic it travels on (the
``events.v1.topic`` option, protos/events/v1/event_types.proto), tests/unit/test_contract_vocabulary.py
proves every stated topic is one of these and every fact or work topic is stated, and the outbox
refuses a payload on another topic than its own (``platformkit.event_types.ensure_contract_topic``). Partitions and
spreading are how this platform runs the topics, not part of the contract, so they live here.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = 3
    # Work queues: records go to the partitions in turn (platformkit.bus), not by key, so every
    # worker of the group gets the same share of a burst whatever its ids hash to. Their records
    # are independent jobs (one per id), so no order between them is lost.
    spread: bool = False


# Facts, one topic per owning context.
SHOOTINGS_EVENTS = Topic("shootings.events")
SHOTS_EVENTS = Topic("shots.events")
OUTFITS_EVENTS = Topic("outfits.events")
EXPORTS_EVENTS = Topic("exports.events")
# Work queues, consumed by worker processes in consumer groups.
# As many partitions as production gives work queues (deploy: 12): local workers split evenly.
GENERATION_REQUESTS = Topic("generation.requests", partitions=12, spread=True)
STYLING_REQUESTS = Topic("styling.requests", spread=True)
EXPORT_PUSHES = Topic("export.pushes", spread=True)
# One record per broker incarnation; lets every process notice a broker that lost its data.
BROKER_EPOCH = Topic("_platform.epoch", partitions=1)

SPREAD_TOPIC_NAMES = frozenset({GENERATION_REQUESTS.name, STYLING_REQUESTS.name, EXPORT_PUSHES.name})
ALL_TOPICS: tuple[Topic, ...] = (
    SHOOTINGS_EVENTS,
    SHOTS_EVENTS,
    OUTFITS_EVENTS,
    EXPORTS_EVENTS,
    GENERATION_REQUESTS,
    STYLING_REQUESTS,
    EXPORT_PUSHES,
    BROKER_EPOCH,
)


async def ensure_topics(bootstrap_servers: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> list[str]:
    """Create every missing topic; returns the names created (none when all exist)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            # Another process may create them first: that is the outcome we want.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t.name, num_partitions=t.partitions, replication_factor=1) for t in missing]
                )
        return [t.name for t in missing]
    finally:
        await admin.close()
