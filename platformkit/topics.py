"""The Kafka topic catalogue: every topic the platform uses, keyed by aggregate id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = 3


# Facts, one topic per owning context.
SHOOTINGS_EVENTS = Topic("shootings.events")
SHOTS_EVENTS = Topic("shots.events")
OUTFITS_EVENTS = Topic("outfits.events")
EXPORTS_EVENTS = Topic("exports.events")
# Work queues, consumed by worker processes in consumer groups.
GENERATION_REQUESTS = Topic("generation.requests")
STYLING_REQUESTS = Topic("styling.requests")
EXPORT_PUSHES = Topic("export.pushes")
# One record per broker incarnation; lets every process notice a broker that lost its data.
BROKER_EPOCH = Topic("_platform.epoch", partitions=1)

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
