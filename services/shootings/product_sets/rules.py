"""A shooting's main and sample product sets (RULES R125-R129, A37, A57).

The two sets are independent. Adding ignores ids already in the set and repeated ids; removing
ids that are not in the set is a no-op (so a product deleted or moved since can still be taken
out); replacing with an empty list clears the set. Products added must be live and usable in the
shooting's scope (R27's rule for every catalog reference), else 422 at the offending id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum

from platformkit.errors import Invalid, Violation

PRODUCT_IDS_LOC = ("product_ids",)


class SetChange(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"

    @property
    def needs_usable_products(self) -> bool:
        return self is not SetChange.REMOVE


def ensure_products_usable(product_ids: Sequence[uuid.UUID], missing: Mapping[str, set[uuid.UUID]]) -> None:
    unusable = missing.get("product", set())
    problems = [
        Violation((*PRODUCT_IDS_LOC, i), f"Unknown product {product_id}, or not usable in this shooting's scope")
        for i, product_id in enumerate(product_ids)
        if product_id in unusable
    ]
    if problems:
        raise Invalid(problems)
