"""Events the shots service consumes: the shootings facts it scopes every call by."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.service import ConsumerSpec, ServiceContext
from platformkit.topics import SHOOTINGS_EVENTS
from protos.events.v1 import looks_pb2 as look_events
from protos.events.v1 import shootings_pb2 as shooting_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shots import push_refs
from services.shots.models import LookProjection, ShootingAccess

# Every shooting event carries the snapshot after the change.
_SNAPSHOT_EVENTS = {
    EventType.SHOOTING_CREATED: shooting_events.ShootingCreated,
    EventType.SHOOTING_UPDATED: shooting_events.ShootingUpdated,
    EventType.SHOOTING_DELETED: shooting_events.ShootingDeleted,
    EventType.SHOOTING_RESTORED: shooting_events.ShootingRestored,
    EventType.SHOOTING_PHASE_CHANGED: shooting_events.ShootingPhaseChanged,
}


# Look events: each carries the look's snapshot after the change.
_LOOK_EVENTS = {
    EventType.LOOK_CREATED: look_events.LookCreated,
    EventType.LOOK_UPDATED: look_events.LookChanged,
    EventType.LOOK_DELETED: look_events.LookChanged,
    EventType.LOOK_RESTORED: look_events.LookChanged,
}


async def _upsert_newer(
    session: AsyncSession, model: type[LookProjection] | type[ShootingAccess], key: str, values: dict[str, Any]
) -> None:
    """Insert or update a projection row, unless the row holds a newer snapshot already."""
    statement = insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[key],
        set_={k: statement.excluded[k] for k in values if k != key},
        where=model.source_updated_at <= statement.excluded.source_updated_at,
    )
    await session.execute(statement)


async def project_look(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep `look_projection` (product, deletion) in step; older snapshots never win."""
    event = _LOOK_EVENTS[envelope.type]()
    envelope.payload.Unpack(event)
    look = event.look
    values = {
        "look_id": uuid.UUID(look.id),
        "shooting_id": uuid.UUID(look.shooting_id),
        "product_id": uuid.UUID(look.product_id) if look.HasField("product_id") else None,
        "deleted": look.HasField("deleted_at"),
        "source_updated_at": look.updated_at.ToDatetime(tzinfo=UTC),
    }
    await _upsert_newer(session, LookProjection, "look_id", values)


async def project_shooting_access(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep `shooting_access` (and `look_projection`) in step with the shootings context; older
    snapshots never win."""
    if envelope.type in _LOOK_EVENTS:
        await project_look(session, envelope)
        return
    event_class = _SNAPSHOT_EVENTS.get(envelope.type)
    if event_class is None:
        return
    event = event_class()
    envelope.payload.Unpack(event)
    snapshot = event.shooting
    values = {
        "shooting_id": uuid.UUID(snapshot.id),
        "owner_id": uuid.UUID(snapshot.owner_id),
        "organization_id": uuid.UUID(snapshot.organization_id) if snapshot.HasField("organization_id") else None,
        "deleted": snapshot.HasField("deleted_at"),
        "source_updated_at": snapshot.updated_at.ToDatetime(tzinfo=UTC),
    }
    await _upsert_newer(session, ShootingAccess, "shooting_id", values)


def consumers(context: ServiceContext) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="shots.shooting-access",
            group_id="shots.shooting-access",
            topics=[SHOOTINGS_EVENTS],
            handler=project_shooting_access,
        ),
        push_refs.CONSUMER,
    ]
