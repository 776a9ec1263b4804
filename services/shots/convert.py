"""Translations between shots rows and the shots/v1 and events/v1 messages."""

from __future__ import annotations

import uuid
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from platformkit.errors import Invalid
from protos.events.v1 import shots_pb2 as events_pb2
from protos.shots.v1 import shots_pb2 as pb
from services.shots.models import Shot


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def parse_uuid(value: str, loc: tuple[str, ...]) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid.at(loc, "Input should be a valid UUID", "uuid_parsing") from None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def shot_to_pb(row: Shot) -> pb.Shot:
    return pb.Shot(
        id=str(row.id),
        production_request_id=str(row.production_request_id),
        shooting_id=str(row.shooting_id),
        shot_type_id=str(row.shot_type_id),
        pose_preset_id=_opt(row.pose_preset_id),
        rework_available=row.rework_available,
        rework_used=row.rework_used,
        status=row.status,
        current_revision_id=_opt(row.current_revision_id),
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
    )


def shot_state(row: Shot, *, deleted: bool = False) -> events_pb2.ShotState:
    """The event payload for the shot as it is now (a deletion counts as one more change)."""
    return events_pb2.ShotState(
        shot_id=str(row.id),
        production_request_id=str(row.production_request_id),
        shooting_id=str(row.shooting_id),
        shot_type_id=str(row.shot_type_id),
        status=row.status,
        current_revision_id=_opt(row.current_revision_id),
        version=row.version + 1 if deleted else row.version,
        deleted=deleted,
        occurred_at=timestamp(row.updated_at),
    )
