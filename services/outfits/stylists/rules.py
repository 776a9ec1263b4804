"""The default stylist: complementary products chosen by rules (see domain/styling.py)."""

from __future__ import annotations

from services.outfits.catalog import Catalog
from services.outfits.domain import styling
from services.outfits.models import Look
from services.outfits.stylists.base import Styled, read_brief


class RulesStylist:
    def __init__(self, catalog: Catalog, *, limit: int = 3) -> None:
        self.catalog = catalog
        self.limit = limit

    async def style(self, look: Look) -> Styled:
        brief = await read_brief(self.catalog, look)
        chosen = styling.complementary(brief.core, brief.candidates, brief.subject_gender, self.limit)
        return Styled(product_ids=[c.id for c in chosen], instruction=styling.instruction(brief.core, chosen))
