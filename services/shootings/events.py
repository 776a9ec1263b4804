"""Facts the shootings service publishes on `shootings.events`, always through the outbox."""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.outbox import add_event
from platformkit.topics import SHOOTINGS_EVENTS
from protos.events.v1 import shootings_pb2 as events_pb2
from services.shootings.convert import snapshot_event
from services.shootings.models import Shooting, messaging

SOURCE = "shootings"


async def _publish(session: AsyncSession, event_type: str, shooting: Shooting, payload: Message) -> None:
    await add_event(
        session,
        messaging,
        topic=SHOOTINGS_EVENTS,
        event_type=event_type,
        aggregate_id=str(shooting.id),
        payload=payload,
        source=SOURCE,
    )


async def shooting_created(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(session, "shooting.created", shooting, events_pb2.ShootingCreated(shooting=snapshot_event(shooting)))


async def shooting_updated(session: AsyncSession, shooting: Shooting, changed: list[str]) -> None:
    payload = events_pb2.ShootingUpdated(shooting=snapshot_event(shooting), changed_fields=sorted(changed))
    await _publish(session, "shooting.updated", shooting, payload)


async def shooting_deleted(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(session, "shooting.deleted", shooting, events_pb2.ShootingDeleted(shooting=snapshot_event(shooting)))


async def shooting_restored(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(
        session, "shooting.restored", shooting, events_pb2.ShootingRestored(shooting=snapshot_event(shooting))
    )


async def phase_changed(session: AsyncSession, shooting: Shooting, from_phase: str | None, changed_by: str) -> None:
    payload = events_pb2.ShootingPhaseChanged(
        shooting=snapshot_event(shooting), from_phase=from_phase, to_phase=shooting.phase or "", changed_by=changed_by
    )
    await _publish(session, "shooting.phase_changed", shooting, payload)
