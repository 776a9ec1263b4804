"""Conversions every service needs between protobuf messages and Python values.

Optional fields (proto3 ``optional`` and message fields) have presence: absent means null.
Ids travel as strings; a malformed one is the caller's input error (422 at its location).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def timestamp(value: datetime | None) -> Timestamp | None:
    """The moment as a protobuf timestamp (a naive one is UTC, as ``Timestamp.FromDatetime`` reads
    it). Plain arithmetic: ``FromDatetime`` validates in Python and showed in every page's profile."""
    if value is None:
        return None
    delta = value - (_NAIVE_EPOCH if value.tzinfo is None else _EPOCH)
    return Timestamp(seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000)


def from_timestamp(message: Any, field: str) -> datetime | None:
    """The field as an aware UTC datetime, or None when unset."""
    return getattr(message, field).ToDatetime(tzinfo=UTC) if message.HasField(field) else None


def parse_uuid(value: str, loc: FieldPath) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid.at(loc, "Input should be a valid UUID", "uuid_parsing") from None


def optional_uuid(message: Any, field: str, loc: FieldPath) -> uuid.UUID | None:
    return parse_uuid(getattr(message, field), loc) if message.HasField(field) else None


def text(value: object | None) -> str | None:
    """Ids and other values as the text of an optional string field."""
    return None if value is None else str(value)


def enum_names(enum: Any) -> tuple[str, ...]:
    """A contract enum's value names in their declared order, without the zero ``*_UNSPECIFIED``
    value and without the prefix its values share (``SHOT_STATUS_PENDING`` -> ``PENDING``): the
    vocabulary as messages and the public API spell it."""
    values = enum.DESCRIPTOR.values
    unspecified = values[0].name
    assert values[0].number == 0 and unspecified.endswith("UNSPECIFIED"), unspecified
    prefix = unspecified.removesuffix("UNSPECIFIED")
    return tuple(value.name.removeprefix(prefix) for value in values[1:])
