"""The status read model fed by `shots.events`: every shot's status per look, and the look and
shooting roll-ups recomputed from it. Idempotent (versions, processed events), so replaying the
whole topic leaves the same state."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.service import ConsumerSpec, ServiceContext
from platformkit.topics import SHOTS_EVENTS
from protos.events.v1 import shots_pb2 as shot_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shootings import looks_repository as looks_repo

SHOT_EVENT_TYPES = frozenset({"shot.created", "shot.status_changed", "shot.deleted", "shot.updated"})


async def apply_shot_event(session: AsyncSession, envelope: EventEnvelope) -> None:
    if envelope.type not in SHOT_EVENT_TYPES:
        return
    state = shot_events.ShotState()
    envelope.payload.Unpack(state)
    look_id = await looks_repo.apply_shot_state(
        session,
        {
            "shot_id": uuid.UUID(state.shot_id),
            "look_id": uuid.UUID(state.production_request_id),
            "shooting_id": uuid.UUID(state.shooting_id),
            "shot_type_id": uuid.UUID(state.shot_type_id),
            "status": state.status,
            "current_revision_id": uuid.UUID(state.current_revision_id)
            if state.HasField("current_revision_id")
            else None,
            "version": state.version,
            "deleted": state.deleted,
        },
    )
    if look_id is None:
        return  # nothing newer than what we knew
    await looks_repo.recompute_looks(session, [look_id])
    await looks_repo.recompute_shooting(session, uuid.UUID(state.shooting_id))


def consumers(context: ServiceContext) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="shootings.shot-rollups",
            group_id="shootings.shot-rollups",
            topics=[SHOTS_EVENTS],
            handler=apply_shot_event,
        )
    ]
