"""Conversions every service needs between protobuf messages and Python values.

Optional fields (proto3 ``optional`` and message fields) have presence: absent means null.
Ids travel as strings; a malformed one is the caller's input error (422 at its location).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
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


# What a protobuf Timestamp (and a Python datetime) holds.
OUT_OF_RANGE_MOMENT = "Input should be a date-time between 0001-01-01 and 9999-12-31 in UTC"


def from_timestamp(message: Any, field: str, loc: FieldPath | None = None) -> datetime | None:
    """The field as an aware UTC datetime, or None when unset; a Timestamp outside what a date-time
    holds (a caller's own message may carry any seconds) is a violation at ``loc`` (the field)."""
    if not message.HasField(field):
        return None
    try:
        return getattr(message, field).ToDatetime(tzinfo=UTC)
    except ValueError:
        raise Invalid.at(loc or (field,), OUT_OF_RANGE_MOMENT, "datetime_range") from None


def parse_uuid(value: str, loc: FieldPath) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid.at(loc, "Input should be a valid UUID", "uuid_parsing") from None


# What asyncpg's uuid codec reads from text (32 hex digits, hyphens optional between groups).
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def uuid_texts(values: Sequence[str], loc: FieldPath) -> list[str]:
    """``values`` checked as UUIDs and left as text, for statements that take hundreds of them as
    one array parameter: the driver reads text into UUIDs in C, four times faster than building
    ``uuid.UUID`` objects here. The first value that is none is refused as :func:`parse_uuid` does."""
    for index, value in enumerate(values):
        if _UUID_TEXT.fullmatch(value) is None:
            raise Invalid.at((*loc, index), "Input should be a valid UUID", "uuid_parsing")
    return list(values)


def optional_uuid(message: Any, field: str, loc: FieldPath) -> uuid.UUID | None:
    return parse_uuid(getattr(message, field), loc) if message.HasField(field) else None


def text(value: object | None) -> str | None:
    """Ids and other values as the text of an optional string field."""
    return None if value is None else str(value)


def enum_names(enum: Any) -> tuple[str, ...]:
    """A contract enum's value names in their declared order, without the zero ``*_UNSPECIFIED``
    value and without the prefix its values share (``SHOT_STATUS_PENDING`` -> ``PENDING``): the
    vocabulary as messages and the public API spell it."""
    return tuple(_named_values(enum))


def enum_number(enum: Any, name: str) -> int:
    """The number of a contract enum's value named as :func:`enum_names` names it (``MAIN``)."""
    return enum.Value(_prefix(enum) + name)


def enum_name(enum: Any, number: int) -> str | None:
    """The name :func:`enum_names` gives the value ``number``; None for the unspecified zero."""
    return enum.Name(number).removeprefix(_prefix(enum)) if number else None


def value_enum(name: str, values: Iterable[str], doc: str | None = None) -> type[StrEnum]:
    """A Python enumeration whose members are their own values, e.g. a contract enum's names
    (``value_enum("ViewAngle", enum_names(common_pb2.ViewAngle))``): what pydantic models and
    domain rules compare against, with ``doc`` as the public schema's description."""
    enum = StrEnum(name, {v: v for v in values})  # type: ignore[misc]
    enum.__doc__ = doc
    return enum


def enum_option_values(enum: Any, option: Any) -> dict[str, str]:
    """A contract enum's value names (as :func:`enum_names` gives them) with what each value's
    custom ``option`` (a generated extension, e.g. ``event_types_pb2.type_name``) holds; every
    value but the zero one must set it."""
    values = {name: value.GetOptions().Extensions[option] for name, value in _named_values(enum).items()}
    unset = [name for name, set_to in values.items() if not set_to]
    assert not unset, f"{enum.DESCRIPTOR.full_name} values without {option.full_name}: {unset}"
    return values


def _prefix(enum: Any) -> str:
    """What a contract enum's value names share: its zero value's name without ``UNSPECIFIED``."""
    unspecified = enum.DESCRIPTOR.values[0]
    assert unspecified.number == 0 and unspecified.name.endswith("UNSPECIFIED"), unspecified.name
    return unspecified.name.removesuffix("UNSPECIFIED")


def _named_values(enum: Any) -> dict[str, Any]:
    prefix = _prefix(enum)
    return {value.name.removeprefix(prefix): value for value in enum.DESCRIPTOR.values[1:]}
