"""The exports context's push records, as far as the shots service needs them (A59): which
revisions have been pushed somewhere, so a restore never deletes one.

Fed by ``push.created`` on ``exports.events``. A push of a revision deleted meanwhile finds no row
to reference and is dropped (the foreign key would refuse it); a redelivery inserts nothing twice.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.service import ConsumerSpec
from platformkit.topics import EXPORTS_EVENTS
from protos.events.v1 import exports_pb2 as export_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shots.models import Revision, RevisionPushRef


async def record_push(session: AsyncSession, envelope: EventEnvelope) -> None:
    if envelope.type != EventType.PUSH_CREATED:
        return
    event = export_events.PushChanged()
    envelope.payload.Unpack(event)
    revision_id, push_id = uuid.UUID(event.push.revision_id), uuid.UUID(event.push.push_id)
    existing = sa.select(sa.literal(revision_id), sa.literal(push_id)).where(
        sa.exists().where(Revision.id == revision_id)
    )
    await session.execute(
        insert(RevisionPushRef).from_select(["revision_id", "push_id"], existing).on_conflict_do_nothing()
    )


CONSUMER = ConsumerSpec(
    name="shots.push-refs", group_id="shots.push-refs", topics=[EXPORTS_EVENTS], handler=record_push, background=True
)
