"""Outfits as answer dictionaries (ProductionRequestOutfitPublic's fields), and a page's outfits
as the look answers show them (:class:`OutfitsView`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from google.protobuf.json_format import MessageToDict

from gateway.answers import Fields
from gateway.answers.catalog import EntryFields
from gateway.answers.shots import media_resource_fields
from gateway.media import media_url
from gateway.protoconv import dt, value
from gateway.schemas.products import ProductPublic
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2


def reference_urls(outfit: outfits_pb2.Outfit) -> list[str]:
    """Every reference image's URL in the order given: a URL string as it is, a MediaInput's
    media resource as a URL a browser can load (R110: both forms are references)."""
    return [media_url(r.media.key) or "" if r.HasField("media") else r.url for r in outfit.references]


def outfit_fields(outfit: outfits_pb2.Outfit, products: EntryFields) -> Fields:
    """The public outfit; its products are the catalog entries the caller may see, its
    MediaInput references their media resources as the client described them."""
    media = [media_resource_fields(r.media, MessageToDict(r.input)) for r in outfit.references if r.HasField("media")]
    return {
        "id": outfit.id,
        "created_at": dt(outfit, "created_at"),
        "updated_at": dt(outfit, "updated_at"),
        "production_request_id": outfit.look_id,
        "outfit_ref_imgs_urls": reference_urls(outfit),
        "outfit_ref_images_media": media or None,
        "outfit_instruction": value(outfit, "outfit_instruction"),
        "outfit_product_ids": list(outfit.outfit_product_ids),
        "outfit_products": [
            shaped for i in outfit.outfit_product_ids if (shaped := products.get(ProductPublic, i)) is not None
        ],
        "generation_status": value(outfit, "generation_status"),
        "generation_error": value(outfit, "generation_error"),
        "retry_count": outfit.retry_count,
    }


@dataclass
class OutfitsView:
    """The outfits of a page's looks and the catalog entries of their products (one call each,
    :mod:`gateway.outfit_composition`)."""

    looks: dict[str, outfits_pb2.LookOutfits] = field(default_factory=dict)
    entries: Mapping[str, catalog_pb2.CatalogEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._products = EntryFields(self.entries)

    def public(self, outfit: outfits_pb2.Outfit) -> Fields:
        return outfit_fields(outfit, self._products)

    def look_fields(self, look_id: str, outfit_id: str | None) -> Fields:
        """``outfit``, ``outfit_id``, ``outfit_proposals`` and the fields computed from THE outfit
        (R94: empty lists and null without one)."""
        known = self.looks.get(look_id)
        outfit = known.outfit if known is not None and known.HasField("outfit") else None
        return {
            "outfit_proposals": [self.public(p) for p in known.proposals] if known else [],
            "outfit_id": outfit.id if outfit else outfit_id,
            "outfit": self.public(outfit) if outfit else None,
            "outfit_ref_imgs_urls": reference_urls(outfit) if outfit else [],
            "outfit_instruction": value(outfit, "outfit_instruction") if outfit else None,
            "outfit_product_ids": list(outfit.outfit_product_ids) if outfit else [],
        }

    def summary_fields(self, look_id: str) -> Fields:
        """R89: THE outfit's product count, and the styling status: PENDING while any proposal is
        being styled, else THE outfit's own ``generation_status`` exactly as the full look shows it
        (null for an outfit nobody styled: a manual one), else the newest proposal's."""
        known = self.looks.get(look_id)
        if known is None:
            return {"outfit_products_count": 0, "outfit_generation_status": None}
        outfit = known.outfit if known.HasField("outfit") else None
        statuses = [p.generation_status for p in known.proposals if p.HasField("generation_status")]
        if "PENDING" in statuses:
            status: str | None = "PENDING"
        elif outfit is not None:
            status = value(outfit, "generation_status")
        else:
            status = statuses[-1] if statuses else None
        return {
            "outfit_products_count": len(outfit.outfit_product_ids) if outfit else 0,
            "outfit_generation_status": status,
        }
