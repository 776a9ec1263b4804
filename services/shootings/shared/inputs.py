"""Input checks every catalog call shares: Pydantic errors as FastAPI-shaped violations, and the
page bounds of every list (README: ``skip`` >= 0, ``limit`` 0..1000; a limit of 0 answers only
the count). The service checks them itself because other services call it without the gateway."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, ValidationError

from platformkit.errors import Invalid, Violation

MAX_LIMIT = 1000
Skip = Annotated[int, Field(ge=0)]
Limit = Annotated[int, Field(ge=0, le=MAX_LIMIT)]


def violations_of(exc: ValidationError, loc: tuple[str, ...]) -> list[Violation]:
    """Each Pydantic error as a violation located under ``loc`` (list indexes as strings)."""
    return [Violation((*loc, *(str(part) for part in e["loc"])), e["msg"], e["type"]) for e in exc.errors()]


class Page(BaseModel):
    skip: Skip = 0
    limit: Limit = 100


def check_page(skip: int, limit: int, loc: tuple[str, ...] = ("query",)) -> Page:
    try:
        return Page(skip=skip, limit=limit)
    except ValidationError as exc:
        raise Invalid(violations_of(exc, loc)) from None
