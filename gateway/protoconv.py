"""Reading and writing protobuf messages from the gateway's Pydantic models.

Optional scalars (``optional`` in proto3) and message fields have presence: absent means null.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp


def value(message: Message, field: str) -> Any:
    """The field's value, or None when a field with presence is unset."""
    return getattr(message, field) if message.HasField(field) else None


def dt(message: Message, field: str) -> datetime | None:
    return getattr(message, field).ToDatetime(tzinfo=UTC) if message.HasField(field) else None


def timestamp(moment: datetime | None) -> Timestamp | None:
    """A protobuf timestamp; a naive date-time is taken as UTC."""
    if moment is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return ts


def text(value: object | None) -> str | None:
    """UUIDs and other ids as their text form for proto string fields."""
    return None if value is None else str(value)
