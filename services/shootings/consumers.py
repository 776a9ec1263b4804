"""What the shootings service consumes (``events.py`` is what it publishes): the status read model
fed by `shots.events` (every shot's status per look, and the look and shooting roll-ups
recomputed from it) and what `outfits.events` say of each look's outfits (THE outfit's id,
proposals still being styled). Idempotent (versions, processed events), so replaying the whole
topics leaves the same state."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.service import ConsumerSpec, ServiceContext
from platformkit.topics import OUTFITS_EVENTS, SHOTS_EVENTS
from protos.events.v1 import outfits_pb2 as outfit_events
from protos.events.v1 import shots_pb2 as shot_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shootings.looks import repository as looks_repo
from services.shootings.models import Look

SHOT_EVENT_TYPES = frozenset(
    {EventType.SHOT_CREATED, EventType.SHOT_STATUS_CHANGED, EventType.SHOT_DELETED, EventType.SHOT_UPDATED}
)


def shot_state_values(state: shot_events.ShotState) -> dict[str, Any]:
    """A shot's state as the read model's row (``looks_repo.apply_shot_state``) takes it."""
    return {
        "shot_id": uuid.UUID(state.shot_id),
        "look_id": uuid.UUID(state.look_id),
        "shooting_id": uuid.UUID(state.shooting_id),
        "shot_type_id": uuid.UUID(state.shot_type_id),
        "status": state.status,
        "current_revision_id": uuid.UUID(state.current_revision_id) if state.HasField("current_revision_id") else None,
        "version": state.version,
        "deleted": state.deleted,
    }


async def apply_shot_event(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Fold one of SHOT_EVENT_TYPES (the consumer passes the others over) into the read model."""
    state = shot_events.ShotState()
    envelope.payload.Unpack(state)
    look_id = await looks_repo.apply_shot_state(session, shot_state_values(state))
    if look_id is None:
        return  # nothing newer than what we knew
    await looks_repo.recompute_look_and_shooting(session, look_id, uuid.UUID(state.shooting_id))


OUTFIT_EVENT_TYPES = frozenset(
    {EventType.OUTFIT_CREATED, EventType.OUTFIT_UPDATED, EventType.OUTFIT_SELECTED, EventType.OUTFIT_DELETED}
)


async def apply_outfit_event(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep a look's ``outfit_id`` and pending proposals as the outfits context last stated them
    (OUTFIT_EVENT_TYPES only: the consumer passes the others over)."""
    event = outfit_events.OutfitChanged()
    envelope.payload.Unpack(event)
    state = event.look
    await session.execute(
        sa.update(Look)
        .where(
            Look.id == uuid.UUID(state.look_id),
            Look.outfit_version < state.version,
        )
        .values(
            outfit_id=uuid.UUID(state.outfit_id) if state.HasField("outfit_id") else None,
            outfit_pending_proposals=state.pending_proposals,
            outfit_version=state.version,
        )
    )


def consumers(context: ServiceContext) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="shootings.shot-rollups",
            group_id="shootings.shot-rollups",
            topics=[SHOTS_EVENTS],
            handler=apply_shot_event,
            batched=True,
            event_types=SHOT_EVENT_TYPES,
        ),
        ConsumerSpec(
            name="shootings.outfit-rollups",
            group_id="shootings.outfit-rollups",
            topics=[OUTFITS_EVENTS],
            handler=apply_outfit_event,
            batched=True,
            event_types=OUTFIT_EVENT_TYPES,
        ),
    ]
