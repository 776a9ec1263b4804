"""Errors that domain code raises and the gRPC layer turns into statuses.

Services speak their own contract: :mod:`platformkit.rich_status` sends each kind as a gRPC code
with the standard ``google.rpc`` details, and the gateway alone gives them their HTTP meaning
(:mod:`gateway.errors`). The kinds: NotFound, PermissionDenied, Invalid (field violations),
Conflict (a rule or the resource's state refuses), BadRequest (a business rule the public API
answers as a bad request rather than a conflict), TooLarge (content over a size limit),
TooManyRequests (over a quota, with the seconds to wait), Unavailable (a dependency is down).

A violation's ``loc`` is a field path (:mod:`platformkit.field_paths`): in a service, a path into
the request message it serves (``("specs", 0, "shot_id")``); in the gateway, which speaks REST,
a FastAPI location (``("body", "generations", "0", "shot_id")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from platformkit.field_paths import FieldPath


@dataclass
class Violation:
    loc: FieldPath
    msg: str
    type: str = "value_error"


class DomainError(Exception):
    """Base of every expected business failure. ``reason`` names the few kinds that travel with a
    gRPC code they share with another kind (as a ``google.rpc.ErrorInfo`` reason), so a caller
    can tell them apart."""

    reason: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class Conflict(DomainError):
    pass


class BadRequest(DomainError):
    """A business rule refuses the request as such (not the resource's state): the public API
    answers these with 400."""

    reason = "RULE_VIOLATED"


class TooLarge(DomainError):
    """Content over a size limit (413)."""

    reason = "TOO_LARGE"


class TooManyRequests(DomainError):
    """Over a budget (a quota): the caller may try again after ``retry_after`` seconds (429)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (another service, the database) does not answer: the caller may retry (503)."""


@dataclass
class Invalid(DomainError):
    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("; ".join(v.msg for v in self.violations) or "invalid input")

    @classmethod
    def at(cls, loc: FieldPath, msg: str, type_: str = "value_error") -> Invalid:
        return cls([Violation(loc, msg, type_)])
