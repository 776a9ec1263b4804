"""Reading and writing protobuf messages from the gateway's Pydantic models.

Optional scalars (``optional`` in proto3) and message fields have presence: absent means null.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

_Request = TypeVar("_Request", bound=Message)


def value(message: Message, field: str) -> Any:
    """The field's value, or None when a field with presence is unset."""
    return getattr(message, field) if message.HasField(field) else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def dt(message: Message, field: str) -> datetime | None:
    """The timestamp field as an aware UTC date-time (microseconds, the nanoseconds truncated as
    ``Timestamp.ToDatetime`` does), None when unset; arithmetic rather than ``ToDatetime``, which
    validates in Python and showed in every page's profile."""
    if not message.HasField(field):
        return None
    moment = getattr(message, field)
    # Positional (days, seconds, microseconds): a quarter cheaper than keywords, thousands per board.
    return _EPOCH + timedelta(0, moment.seconds, moment.nanos // 1000)


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


def with_organization(request: _Request, organization_id: uuid.UUID | None, field: str = "organization_id") -> _Request:
    """The request scoped to the ``organization_id`` query parameter when one is given (the
    service checks the caller's membership); ``field`` names the request's field for it."""
    if organization_id is not None:
        setattr(request, field, str(organization_id))
    return request
