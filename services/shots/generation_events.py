"""Generation progress as facts on ``shots.events``: what the gateway's live stream tells clients.

A generation moves PENDING -> PROCESSING -> COMPLETED | FAILED (D0.1); each move is
announced in the transaction that makes it (the start, the worker's claim, its completion or
failure), so an event exists if and only if the move committed. The events are keyed by the
SHOT id, not the generation's: a completion appends a revision and moves the shot's status in
the same transaction, and one key keeps ``shot.status_changed``, ``shot.revision_created`` and
``generation.completed`` of a shot in one partition, in commit order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.outbox import NewEvent, add_events
from platformkit.protoconv import timestamp
from platformkit.topics import SHOTS_EVENTS
from protos.events.v1 import shots_pb2 as events_pb2
from services.shots.events import SOURCE
from services.shots.models import Generation, Shot, messaging

# Event type per generation status.
EVENT_TYPES = {
    "PENDING": EventType.GENERATION_QUEUED,
    "PROCESSING": EventType.GENERATION_PROCESSING,
    "COMPLETED": EventType.GENERATION_COMPLETED,
    "FAILED": EventType.GENERATION_FAILED,
}


def progress_event(
    generation: Generation,
    shooting_id: uuid.UUID,
    *,
    error: str | None = None,
    revision_id: uuid.UUID | None = None,
) -> NewEvent:
    """The event announcing ``generation``'s current status (its ``attempts`` must be loaded)."""
    state = events_pb2.GenerationState(
        generation_id=str(generation.id),
        shot_id=str(generation.shot_id),
        look_id=str(generation.production_request_id),
        shooting_id=str(shooting_id),
        status=generation.status,
        error=error,
        revision_id=str(revision_id) if revision_id else None,
        attempts=generation.attempts,
        occurred_at=timestamp(datetime.now(UTC)),
    )
    return NewEvent(EVENT_TYPES[generation.status], str(generation.shot_id), state)


async def announce_progress(session: AsyncSession, events: Sequence[NewEvent]) -> None:
    """Write progress events into the outbox within the caller's transaction.

    One statement for a whole start: the rows may share an insert time, which only matters
    between events of one generation, and a start announces each generation once.
    """
    await add_events(session, messaging, topic=SHOTS_EVENTS, events=events, source=SOURCE)


async def announce_status(
    session: AsyncSession, generation: Generation, *, error: str | None = None, revision_id: uuid.UUID | None = None
) -> None:
    """Announce one generation's new status (the worker's moves); its shot gives the shooting."""
    shot = await session.get(Shot, generation.shot_id)
    assert shot is not None  # a generation goes with its shot (cascade)
    await announce_progress(
        session, [progress_event(generation, shot.shooting_id, error=error, revision_id=revision_id)]
    )
