"""Errors that domain code raises and the gRPC layer turns into statuses.

Each carries the HTTP meaning the gateway will give it, so the mapping lives in one place:
NotFound 404, PermissionDenied 403, Invalid 422 (with FastAPI-shaped violations),
Conflict 409, BadRequest 400 (the few rules the reference answers with 400), TooLarge 413
(content over a size limit), TooManyRequests 429 with ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class Violation:
    loc: tuple[str, ...]
    msg: str
    type: str = "value_error"


class DomainError(Exception):
    """Base of every expected business failure. ``http_status`` is set by the few kinds whose HTTP
    status differs from their gRPC status's usual one (they travel as FAILED_PRECONDITION)."""

    http_status: ClassVar[int | None] = None

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
    http_status = 400


class TooLarge(DomainError):
    """Content over a size limit (413)."""

    http_status = 413


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
    def at(cls, loc: tuple[str, ...], msg: str, type_: str = "value_error") -> Invalid:
        return cls([Violation(loc, msg, type_)])
