"""Push records: their statuses, the aggregate a revision shows, and what an answer means.

The protocol (D0.37): 200/201/204 complete a push, 202 leaves it awaiting the
receiver's signed confirmation, 5xx, 408, 429 and timeouts are retried with exponential backoff,
any other answer fails it with the reason.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from platformkit.errors import Conflict, Invalid

PENDING = "PENDING"
IN_PROGRESS = "IN_PROGRESS"
AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
COMPLETED = "COMPLETED"
FAILED = "FAILED"

# R155: the worst first; COMPLETED only when every push is.
PRIORITY = (FAILED, IN_PROGRESS, AWAITING_CONFIRMATION, PENDING, COMPLETED)
# A push in one of these states blocks a new push of the same revision to the same integration
# (E48 counts it in exports_skipped); a FAILED one may be pushed again.
BLOCKING = frozenset({PENDING, IN_PROGRESS, AWAITING_CONFIRMATION, COMPLETED})
# States a worker may (still) send from: a redelivery of a finished push sends nothing.
SENDABLE = frozenset({PENDING, IN_PROGRESS})
CONFIRMATIONS = frozenset({COMPLETED, FAILED})
MAX_ERROR = 2000


def aggregate(statuses: Iterable[str]) -> str | None:
    """R155/R156: None without pushes, else the highest-priority status among them."""
    present = set(statuses)
    return next((status for status in PRIORITY if status in present), None)


class Outcome(enum.Enum):
    COMPLETED = COMPLETED
    AWAITING_CONFIRMATION = AWAITING_CONFIRMATION
    RETRY = "RETRY"
    FAILED = FAILED


def outcome_of(status_code: int) -> Outcome:
    """What the receiver's HTTP status means for the push."""
    if status_code in (200, 201, 204):
        return Outcome.COMPLETED
    if status_code == 202:
        return Outcome.AWAITING_CONFIRMATION
    if status_code in (408, 429) or status_code >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def confirmed_status(current: str, requested: str) -> bool:
    """Whether a receiver's confirmation changes the push: True to apply it, False when it repeats
    what is already recorded (a retried callback); a conflict otherwise."""
    if current == requested:
        return False
    if current != AWAITING_CONFIRMATION:
        raise Conflict(f"The push is {current}, not awaiting confirmation")
    return True


def reason(text: str) -> str:
    """An error message as stored: bounded, so a receiver's huge body never bloats a row."""
    return text[:MAX_ERROR]


@dataclass(frozen=True)
class Confirmation:
    """A receiver's callback body: ``{push_id, status: COMPLETED|FAILED, error_message?}``."""

    push_id: uuid.UUID
    status: str
    error_message: str | None


def parse_confirmation(body: bytes) -> Confirmation:
    """The callback body, read only after its signature verified (422 at the bad field: a path into
    ``ConfirmPushRequest.body``, the JSON the receiver sent)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid.at(("body",), "JSON decode error", "json_invalid") from None
    if not isinstance(data, dict):
        raise Invalid.at(("body",), "Input should be a valid dictionary", "dict_type")
    try:
        push_id = uuid.UUID(str(data.get("push_id")))
    except ValueError:
        raise Invalid.at(("body", "push_id"), "Input should be a valid UUID", "uuid_parsing") from None
    status = data.get("status")
    if status not in CONFIRMATIONS:
        raise Invalid.at(("body", "status"), "Input should be 'COMPLETED' or 'FAILED'", "enum")
    error = data.get("error_message")
    if error is not None and not isinstance(error, str):
        raise Invalid.at(("body", "error_message"), "Input should be a valid string", "string_type")
    return Confirmation(push_id, status, reason(error) if error else None)
