"""Models and field types every resource shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator


class Message(BaseModel):
    message: str


def _reject_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


# For PATCH bodies: a key may be left out (unchanged) but never sent as null when the column
# cannot be empty. The validator does not run on the default, so absence stays allowed.
NotNull = BeforeValidator(_reject_null)
