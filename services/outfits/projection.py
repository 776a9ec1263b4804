"""What the outfits service takes from `shootings.events`: the looks it serves (with their
shooting's owner and organization), and the outfit work a new look asks for.

look.created brings THE outfit when the request gave one (``has_outfit``; its MediaInput references
resolved for the look's owner where they resolve, kept as given otherwise) and, with
``generate_outfit``, one PENDING proposal plus its styling job, all in the consumer's
transaction: processed events make a redelivery change nothing, so the work is done whether or
not the look was already recorded (see :mod:`services.outfits.look_source`).
"""

from __future__ import annotations

import uuid
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.service import ConsumerSpec, ServiceContext
from platformkit.topics import SHOOTINGS_EVENTS
from protos.events.v1 import looks_pb2 as look_events
from protos.events.v1 import shootings_pb2 as shooting_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.outfits.v1 import outfits_pb2 as pb
from services.outfits import events
from services.outfits import repository as repo
from services.outfits.convert import outfit_values, owner_principal
from services.outfits.domain.outfits import PENDING
from services.outfits.media import MediaRegistry

_SHOOTING_EVENTS = {
    EventType.SHOOTING_CREATED: shooting_events.ShootingCreated,
    EventType.SHOOTING_UPDATED: shooting_events.ShootingUpdated,
    EventType.SHOOTING_DELETED: shooting_events.ShootingDeleted,
    EventType.SHOOTING_RESTORED: shooting_events.ShootingRestored,
    EventType.SHOOTING_PHASE_CHANGED: shooting_events.ShootingPhaseChanged,
}
_LOOK_CHANGES = frozenset({EventType.LOOK_UPDATED, EventType.LOOK_DELETED, EventType.LOOK_RESTORED})


def _optional_uuid(message: object, name: str) -> uuid.UUID | None:
    return uuid.UUID(getattr(message, name)) if message.HasField(name) else None  # type: ignore[attr-defined]


async def _apply_shooting(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = _SHOOTING_EVENTS[envelope.type]()
    envelope.payload.Unpack(event)
    snapshot = event.shooting
    await repo.update_shooting_scope(
        session,
        uuid.UUID(snapshot.id),
        uuid.UUID(snapshot.owner_id),
        _optional_uuid(snapshot, "organization_id"),
        snapshot.HasField("deleted_at"),
    )


async def _record_look(session: AsyncSession, snapshot: look_events.LookSnapshot) -> None:
    """Keep the look's snapshot (one without its owner cannot introduce a look, and only ever
    follows the look's creation)."""
    if not snapshot.HasField("owner_id"):
        return
    await repo.upsert_look(
        session,
        {
            "id": uuid.UUID(snapshot.id),
            "shooting_id": uuid.UUID(snapshot.shooting_id),
            "owner_id": uuid.UUID(snapshot.owner_id),
            "organization_id": _optional_uuid(snapshot, "organization_id"),
            "product_id": _optional_uuid(snapshot, "product_id"),
            "subject_id": _optional_uuid(snapshot, "subject_id"),
            "deleted": snapshot.HasField("deleted_at"),
            "source_updated_at": snapshot.updated_at.ToDatetime(tzinfo=UTC),
        },
    )


async def _apply_look_created(session: AsyncSession, envelope: EventEnvelope, media: MediaRegistry) -> None:
    event = look_events.LookCreated()
    envelope.payload.Unpack(event)
    await _record_look(session, event.look)
    look = await repo.get_look(session, uuid.UUID(event.look.id), for_update=True)
    if look is None:
        return
    changes = []
    # The request's outfit, unless a client chose one since (the look can be named before this arrives).
    if event.has_outfit and look.outfit_id is None:
        given = pb.OutfitFields(
            outfit_product_ids=event.outfit_product_ids, outfit_ref_imgs_urls=event.outfit_ref_imgs_urls
        )
        if event.HasField("outfit_instruction"):
            given.outfit_instruction = event.outfit_instruction
        values = outfit_values(given, ())
        values["outfit_ref_imgs"] = await media.resolve_what_resolves(
            look, values["outfit_ref_imgs"], owner_principal(look)
        )
        outfit = await repo.add_outfit(session, look, **values)
        look.outfit_id = outfit.id
        changes += [(EventType.OUTFIT_CREATED, outfit), (EventType.OUTFIT_SELECTED, outfit)]
    if event.generate_outfit:
        proposal = await repo.add_outfit(session, look, generation_status=PENDING)
        changes.append((EventType.OUTFIT_CREATED, proposal))
        await events.request_styling(session, [proposal])
    if changes:
        await events.announce(session, look, changes)


async def apply_shootings_event(session: AsyncSession, envelope: EventEnvelope, media: MediaRegistry) -> None:
    if envelope.type in _SHOOTING_EVENTS:
        await _apply_shooting(session, envelope)
    elif envelope.type == EventType.LOOK_CREATED:
        await _apply_look_created(session, envelope, media)
    elif envelope.type in _LOOK_CHANGES:
        event = look_events.LookChanged()
        envelope.payload.Unpack(event)
        await _record_look(session, event.look)


def consumers(context: ServiceContext) -> list[ConsumerSpec]:
    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        await apply_shootings_event(session, envelope, MediaRegistry(context.channel("shots")))

    # Background: a look named before its event arrived is read from its owner (look_source).
    return [
        ConsumerSpec(
            name="outfits.looks", group_id="outfits.looks", topics=[SHOOTINGS_EVENTS], handler=handle, background=True
        )
    ]
