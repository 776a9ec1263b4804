"""From a ``shots.events`` record to the socket message clients receive.

Shot facts carry ``events.v1.ShotState``, generation progress ``events.v1.GenerationState``
(protos/events/v1/shots.proto). Types the socket does not announce (``shot.updated``, anything
added later) translate to nothing and are skipped, as every consumer skips unknown types.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.schemas.live import GenerationMessage, ShotMessage
from platformkit.event_types import EventType
from protos.events.v1 import shots_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope

SHOT_EVENTS = {
    EventType.SHOT_CREATED: "created",
    EventType.SHOT_STATUS_CHANGED: "status_changed",
    EventType.SHOT_REVISION_CREATED: "revision_created",
    EventType.SHOT_REVISION_DELETED: "revision_deleted",
    EventType.SHOT_DELETED: "deleted",
}
GENERATION_EVENTS = {
    EventType.GENERATION_QUEUED: "queued",
    EventType.GENERATION_PROCESSING: "processing",
    EventType.GENERATION_COMPLETED: "completed",
    EventType.GENERATION_FAILED: "failed",
}


@dataclass(frozen=True)
class LiveEvent:
    """One event ready for fan-out: serialized once, whatever the number of subscribers."""

    event_id: str
    shooting_id: uuid.UUID
    occurred_at: datetime
    text: str


def _optional_uuid(message: events_pb2.ShotState | events_pb2.GenerationState, field: str) -> uuid.UUID | None:
    return uuid.UUID(getattr(message, field)) if message.HasField(field) else None


def _shot(envelope: EventEnvelope, event: str, occurred_at: datetime) -> ShotMessage:
    state = events_pb2.ShotState()
    envelope.payload.Unpack(state)
    return ShotMessage(
        event=event,  # type: ignore[arg-type]
        event_id=uuid.UUID(envelope.id),
        shooting_id=uuid.UUID(state.shooting_id),
        production_request_id=uuid.UUID(state.look_id),
        shot_id=uuid.UUID(state.shot_id),
        status=state.status,
        current_revision_id=_optional_uuid(state, "current_revision_id"),
        revision_id=_optional_uuid(state, "revision_id"),
        occurred_at=occurred_at,
    )


def _generation(envelope: EventEnvelope, event: str, occurred_at: datetime) -> GenerationMessage:
    state = events_pb2.GenerationState()
    envelope.payload.Unpack(state)
    return GenerationMessage(
        event=event,  # type: ignore[arg-type]
        event_id=uuid.UUID(envelope.id),
        generation_id=uuid.UUID(state.generation_id),
        shot_id=uuid.UUID(state.shot_id),
        production_request_id=uuid.UUID(state.look_id),
        shooting_id=uuid.UUID(state.shooting_id),
        status=state.status,  # type: ignore[arg-type]
        error=state.error if state.HasField("error") else None,
        revision_id=_optional_uuid(state, "revision_id"),
        occurred_at=occurred_at,
    )


def live_event(envelope: EventEnvelope) -> LiveEvent | None:
    """The message announcing ``envelope``, or None for a type the socket does not carry.

    Raises ``ValueError`` (or ``DecodeError``) for a payload that does not parse.
    """
    occurred_at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
    if envelope.type in SHOT_EVENTS:
        message: ShotMessage | GenerationMessage = _shot(envelope, SHOT_EVENTS[envelope.type], occurred_at)
    elif envelope.type in GENERATION_EVENTS:
        message = _generation(envelope, GENERATION_EVENTS[envelope.type], occurred_at)
    else:
        return None
    return LiveEvent(str(message.event_id), message.shooting_id, occurred_at, message.model_dump_json())


def parse_record(value: bytes | None) -> EventEnvelope:
    """A record's envelope; raises ``DecodeError`` or ``ValueError`` when it is not one."""
    envelope = EventEnvelope.FromString(value or b"")
    uuid.UUID(envelope.id)
    return envelope
