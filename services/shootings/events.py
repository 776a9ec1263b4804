"""Facts the shootings service publishes on `shootings.events`, always through the outbox."""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.outbox import NewEvent, add_event, add_events
from platformkit.topics import SHOOTINGS_EVENTS
from protos.events.v1 import looks_pb2 as look_events_pb2
from protos.events.v1 import productions_pb2 as production_events_pb2
from protos.events.v1 import shootings_pb2 as events_pb2
from services.shootings.looks.convert import look_snapshot
from services.shootings.models import Look, Production, Shooting, messaging
from services.shootings.productions.convert import production_snapshot
from services.shootings.shootings.convert import snapshot_event

SOURCE = "shootings"


async def _publish(session: AsyncSession, event_type: EventType, shooting: Shooting, payload: Message) -> None:
    await _publish_keyed(session, event_type, str(shooting.id), payload)


async def _publish_keyed(session: AsyncSession, event_type: EventType, shooting_id: str, payload: Message) -> None:
    """Every event of this context is keyed by its shooting, so one partition keeps them in order."""
    await add_event(
        session,
        messaging,
        topic=SHOOTINGS_EVENTS,
        event_type=event_type,
        aggregate_id=shooting_id,
        payload=payload,
        source=SOURCE,
    )


async def shooting_created(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(
        session, EventType.SHOOTING_CREATED, shooting, events_pb2.ShootingCreated(shooting=snapshot_event(shooting))
    )


async def shooting_updated(session: AsyncSession, shooting: Shooting, changed: list[str]) -> None:
    payload = events_pb2.ShootingUpdated(shooting=snapshot_event(shooting), changed_fields=sorted(changed))
    await _publish(session, EventType.SHOOTING_UPDATED, shooting, payload)


async def shooting_deleted(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(
        session, EventType.SHOOTING_DELETED, shooting, events_pb2.ShootingDeleted(shooting=snapshot_event(shooting))
    )


async def shooting_restored(session: AsyncSession, shooting: Shooting) -> None:
    await _publish(
        session, EventType.SHOOTING_RESTORED, shooting, events_pb2.ShootingRestored(shooting=snapshot_event(shooting))
    )


async def phase_changed(session: AsyncSession, shooting: Shooting, from_phase: str | None, changed_by: str) -> None:
    payload = events_pb2.ShootingPhaseChanged(
        shooting=snapshot_event(shooting), from_phase=from_phase, to_phase=shooting.phase or "", changed_by=changed_by
    )
    await _publish(session, EventType.SHOOTING_PHASE_CHANGED, shooting, payload)


async def production_created(session: AsyncSession, production: Production, created_by: str) -> None:
    payload = production_events_pb2.ProductionCreated(production=production_snapshot(production), created_by=created_by)
    await _publish_keyed(session, EventType.PRODUCTION_CREATED, str(production.shooting_id), payload)


async def production_updated(session: AsyncSession, production: Production, changed: list[str]) -> None:
    payload = production_events_pb2.ProductionUpdated(
        production=production_snapshot(production), changed_fields=sorted(changed)
    )
    await _publish_keyed(session, EventType.PRODUCTION_UPDATED, str(production.shooting_id), payload)


async def production_deleted(session: AsyncSession, production: Production) -> None:
    payload = production_events_pb2.ProductionDeleted(production=production_snapshot(production))
    await _publish_keyed(session, EventType.PRODUCTION_DELETED, str(production.shooting_id), payload)


async def look_changed(
    session: AsyncSession,
    event_type: EventType,
    shooting: Shooting,
    look: Look,
    changed: list[str],
    *,
    auto_generate: bool = False,
    created_shot_ids: list[str] | None = None,
) -> None:
    """look.updated, look.deleted or look.restored, keyed by the shooting like its other events."""
    payload = look_events_pb2.LookChanged(
        look=look_snapshot(shooting, look),
        changed_fields=sorted(changed),
        auto_generate=auto_generate,
        created_shot_ids=created_shot_ids or [],
    )
    await _publish(session, event_type, shooting, payload)


async def looks_changed(session: AsyncSession, event_type: EventType, shooting: Shooting, looks: list[Look]) -> None:
    """look.deleted or look.restored for every look a cascade took or revived, in one statement:
    contexts that project looks (shots, outfits) learn of them as of a look deleted on its own."""
    await add_events(
        session,
        messaging,
        topic=SHOOTINGS_EVENTS,
        source=SOURCE,
        events=[
            NewEvent(
                event_type,
                str(shooting.id),
                look_events_pb2.LookChanged(look=look_snapshot(shooting, look), changed_fields=["deleted_at"]),
            )
            for look in looks
        ],
    )
