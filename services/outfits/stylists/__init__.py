"""Stylists: what proposes an outfit for a look (D0.42).

Every stylist answers :class:`Styled` for a look or raises :class:`StylistError` with a reason;
the styling job retries on that error and finally stores the reason with the FAILED proposal.
``rules`` (default) needs nothing outside the platform; ``llm`` calls a chat-completions API.
"""

from __future__ import annotations

from services.outfits.catalog import Catalog
from services.outfits.settings import StylingSettings
from services.outfits.stylists.base import Styled, Stylist, StylistError
from services.outfits.stylists.llm import LlmStylist
from services.outfits.stylists.rules import RulesStylist

__all__ = ["Styled", "Stylist", "StylistError", "build_stylist"]


def build_stylist(settings: StylingSettings, catalog: Catalog) -> Stylist:
    if settings.stylist == "llm":
        return LlmStylist(settings, catalog)
    return RulesStylist(catalog, limit=settings.stylist_max_products)
