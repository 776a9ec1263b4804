"""Input checks the service's calls share: Pydantic errors as FastAPI-shaped violations, and the
page bounds of every list (README: ``skip`` >= 0, ``limit`` 0..1000; a limit of 0 answers only
the count): ``check_page`` for the catalog's calls, ``page_bounds`` for a ``PageRequest``. The
service checks them itself because other services call it without the gateway."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, ValidationError

from platformkit.errors import Invalid, Violation
from platformkit.field_paths import FieldPath
from protos.common.v1 import common_pb2

MAX_LIMIT = 1000
Skip = Annotated[int, Field(ge=0)]
Limit = Annotated[int, Field(ge=0, le=MAX_LIMIT)]


def violations_of(exc: ValidationError, loc: FieldPath) -> list[Violation]:
    """Each Pydantic error as a violation at its field path under ``loc``."""
    return [Violation((*loc, *e["loc"]), e["msg"], e["type"]) for e in exc.errors()]


class Page(BaseModel):
    skip: Skip = 0
    limit: Limit = 100


def check_page(skip: int, limit: int, loc: FieldPath = ("page",)) -> Page:
    try:
        return Page(skip=skip, limit=limit)
    except ValidationError as exc:
        raise Invalid(violations_of(exc, loc)) from None


def page_bounds(page: common_pb2.PageRequest) -> tuple[int, int]:
    """skip >= 0 and 0 <= limit <= 1000 (a limit of 0 answers only the count)."""
    if page.skip < 0:
        raise Invalid.at(("page", "skip"), "Input should be greater than or equal to 0", "greater_than_equal")
    if not 0 <= page.limit <= MAX_LIMIT:
        raise Invalid.at(("page", "limit"), f"Input should be between 0 and {MAX_LIMIT}", "less_than_equal")
    return page.skip, page.limit
