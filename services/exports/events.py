"""What the exports service publishes, always through the outbox in the caller's transaction:

- on ``export.pushes`` one ``push.requested`` work item per new push (the push workers consume
  it; the push id is the key and the idempotency key);
- on ``exports.events`` ``push.created`` and ``push.status_changed`` with the push's state (the
  shots service keeps its revision push references from them, A59).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.outbox import NewEvent, add_event, add_events
from platformkit.topics import EXPORT_PUSHES, EXPORTS_EVENTS
from protos.events.v1 import exports_pb2 as events_pb2
from services.exports.convert import push_state
from services.exports.models import PushRecord, messaging

# The envelope source of every event the exports service publishes.
SOURCE = "exports"


async def announce_new_pushes(session: AsyncSession, pushes: Sequence[PushRecord]) -> None:
    """Queue the pushes for the workers and tell the other contexts they exist."""
    if not pushes:
        return
    work = [NewEvent(EventType.PUSH_REQUESTED, str(p.id), events_pb2.PushRequested(push_id=str(p.id))) for p in pushes]
    await add_events(session, messaging, topic=EXPORT_PUSHES, events=work, source=SOURCE)
    facts = [NewEvent(EventType.PUSH_CREATED, str(p.id), push_state(p)) for p in pushes]
    await add_events(session, messaging, topic=EXPORTS_EVENTS, events=facts, source=SOURCE)


async def announce_status(session: AsyncSession, push: PushRecord) -> None:
    await add_event(
        session,
        messaging,
        topic=EXPORTS_EVENTS,
        event_type=EventType.PUSH_STATUS_CHANGED,
        aggregate_id=str(push.id),
        payload=push_state(push),
        source=SOURCE,
    )
