"""Models and field types every resource shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from platformkit.protoconv import OUT_OF_RANGE_MOMENT


class Message(BaseModel):
    message: str


def _reject_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


# For PATCH bodies: a key may be left out (unchanged) but never sent as null when the column
# cannot be empty. The validator does not run on the default, so absence stays allowed.
NotNull = BeforeValidator(_reject_null)


# Text limits a mature API sets where the reference is silent (README "Decisions"): names and
# short labels up to 255 characters, descriptions and prompts up to 10,000.
Name = Annotated[str, Field(min_length=1, max_length=255)]
Label = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=10_000)]

# Integers the services carry as int32 (and PostgreSQL stores as integer): any value in that range
# (RULES A55 for the rework counters), 422 beyond it rather than a failed conversion (a 500).
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def _representable(moment: datetime) -> datetime:
    # Services carry date-times as protobuf Timestamps, 0001-01-01 to 9999-12-31 in UTC: an offset
    # can carry a date at either end out of that range (0001-01-01T00:00+01:00 is year 0 in UTC).
    if moment.tzinfo is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE_MOMENT) from None
    return moment


# A date-time in a request body (naive is UTC): 422 when it has no UTC form, not a failed conversion.
Moment = Annotated[datetime, AfterValidator(_representable)]
