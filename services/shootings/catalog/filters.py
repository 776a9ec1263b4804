"""The product list filter: the query of GET /products/ and E8's ``product_filters`` share it.

E8 (a later issue) receives the same keys as a free-form object, so the parsing lives here, in
one place, with 422s located wherever the caller's request holds the filter (``("filters",)`` for
the list, ``("product_filters",)`` for E8). Unknown keys and sort values are refused
rather than ignored: a typo must not silently widen a bulk look creation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from services.shootings.catalog.kinds import Label, ProductGender
from services.shootings.shared.inputs import Limit, Skip, violations_of
from services.shootings.shared.statuses import StatusFilter, parse_status_filter

NO_STATUS_FILTER = StatusFilter(frozenset(), False)
SortKey = Literal["name", "sku", "created_at", "updated_at", "brand"]


class _ProductFilterInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    archived: bool | None = None
    enabled: bool | None = None
    brand: Label | None = None
    brand_collection: Label | None = None
    demo: bool | None = None
    search: Label | None = None
    shot_statuses: list[str] = []
    gender: ProductGender | None = None
    product_type: Label | None = None
    sort_by: SortKey = "created_at"
    sort_order: Literal["asc", "desc"] = "desc"
    skip: Skip = 0
    limit: Limit = 100


@dataclass(frozen=True)
class ProductFilter:
    """A parsed filter. Text matches are case-insensitive: ``brand``, ``brand_collection`` and
    ``product_type`` equal the stored value, ``search`` is a substring of the name, the SKU or the
    description. ``shot_statuses`` is OR'd like the shootings' ``statuses``."""

    archived: bool | None = None
    enabled: bool | None = None
    brand: str | None = None
    brand_collection: str | None = None
    demo: bool | None = None
    search: str | None = None
    shot_statuses: StatusFilter = NO_STATUS_FILTER
    gender: str | None = None
    product_type: str | None = None
    sort_by: str = "created_at"
    sort_order: str = "desc"
    skip: int = 0
    limit: int = 100

    @property
    def descending(self) -> bool:
        return self.sort_order == "desc"

    def flags(self) -> dict[str, bool]:
        """The boolean conditions that are set, by stored field name."""
        candidates = {"archived": self.archived, "enabled": self.enabled, "demo": self.demo}
        return {name: value for name, value in candidates.items() if value is not None}

    def exact_texts(self) -> dict[str, str]:
        """The case-insensitive equality conditions that are set, by stored field name."""
        candidates = {"brand": self.brand, "brand_collection": self.brand_collection, "product_type": self.product_type}
        return {name: value for name, value in candidates.items() if value is not None}


def parse_product_filter(raw: Mapping[str, Any], loc: FieldPath) -> ProductFilter:
    """Check ``raw`` (query parameters or an E8 ``product_filters`` object); 422 at ``loc + key``."""
    try:
        checked = _ProductFilterInput.model_validate(dict(raw))
    except ValidationError as exc:
        raise Invalid(violations_of(exc, loc)) from None
    values = checked.model_dump()
    values["shot_statuses"] = parse_status_filter(checked.shot_statuses, (*loc, "shot_statuses"))
    return ProductFilter(**values)


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
