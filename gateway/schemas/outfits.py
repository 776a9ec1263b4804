"""Public models of outfits (ProductionRequestOutfitPublic, ReusableOutfitMatch) and their inputs
(ManualOutfitCreate, FinalizeOutfitRequest, the POST /outfits/ body)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field

from gateway.answers.catalog import EntryFields
from gateway.answers.outfits import outfit_fields
from gateway.schemas.catalog import MediaResourcePublic
from gateway.schemas.products import ProductPublic
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2


class MediaInput(BaseModel):
    """A reference to an image: a stored media resource or a URL, with optional metadata."""

    media_resource_id: uuid.UUID | None = None
    url: str | None = Field(default=None, max_length=2048)
    alt_text: str | None = Field(default=None, max_length=1000)
    caption: str | None = Field(default=None, max_length=1000)
    color_profile: str | None = Field(default=None, max_length=255)
    dominant_color: str | None = Field(default=None, max_length=64)
    duration: float | None = None
    width: int | None = Field(default=None, gt=0)
    height: int | None = Field(default=None, gt=0)
    protected: bool = False


# Reference images: a URL string or a MediaInput object (R110).
RefImage = str | MediaInput
OUTFIT_INSTRUCTION_MAX = 10_000


class ProductionRequestOutfitPublic(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    production_request_id: uuid.UUID
    outfit_ref_imgs_urls: list[str] = []
    outfit_ref_images_media: list[MediaResourcePublic] | None = None
    outfit_instruction: str | None = None
    outfit_product_ids: list[uuid.UUID] = []
    outfit_products: list[ProductPublic] = []
    generation_status: str | None = None
    generation_error: str | None = None
    retry_count: int = 0

    @classmethod
    def from_pb(cls, outfit: outfits_pb2.Outfit, entries: Mapping[str, catalog_pb2.CatalogEntry]) -> Self:
        """The public outfit; its products are the catalog entries the caller may see."""
        return cls.model_validate(outfit_fields(outfit, EntryFields(entries)))


class ProductionRequestOutfitsPublic(BaseModel):
    data: list[ProductionRequestOutfitPublic]
    count: int


class ManualOutfitCreate(BaseModel):
    """Request model for manually creating an outfit for a look (production_request_id from path)."""

    outfit_ref_imgs_urls: list[RefImage] | None = None
    outfit_instruction: str | None = Field(default=None, max_length=OUTFIT_INSTRUCTION_MAX)
    outfit_product_ids: list[uuid.UUID] = []

    def fields_pb(self) -> outfits_pb2.OutfitFields:
        fields = outfits_pb2.OutfitFields(outfit_product_ids=[str(i) for i in self.outfit_product_ids or []])
        if self.outfit_instruction is not None:
            fields.outfit_instruction = self.outfit_instruction
        fields.outfit_ref_imgs_urls.extend(
            [
                r if isinstance(r, str) else r.model_dump(mode="json", exclude_none=True)
                for r in self.outfit_ref_imgs_urls or []
            ]
        )
        return fields


class OutfitCreate(ManualOutfitCreate):
    """POST /outfits/: a proposal for the look ``production_request_id``."""

    production_request_id: uuid.UUID


class FinalizeOutfitRequest(ManualOutfitCreate):
    """Request model for finalizing an outfit for a shooting look.

    Either select an existing outfit proposal OR create a new outfit (mutually exclusive): provide
    `outfit_id` to select one of the look's proposals, or the creation fields
    (`outfit_ref_imgs_urls`, `outfit_instruction`, `outfit_product_ids`). Both or neither: 400.
    """

    outfit_id: uuid.UUID | None = Field(default=None, description="ID of existing outfit proposal to finalize")
    outfit_ref_imgs_urls: list[RefImage] | None = Field(default=None, description="Reference image URLs for new outfit")
    outfit_instruction: str | None = Field(
        default=None, max_length=OUTFIT_INSTRUCTION_MAX, description="Instructions for new outfit"
    )
    outfit_product_ids: list[uuid.UUID] | None = Field(default=None, description="Product IDs for new outfit")

    def to_pb(self, production_request_id: uuid.UUID) -> outfits_pb2.FinalizeOutfitRequest:
        given = [self.outfit_ref_imgs_urls, self.outfit_instruction, self.outfit_product_ids]
        request = outfits_pb2.FinalizeOutfitRequest(
            look_id=str(production_request_id),
            fields=self.fields_pb(),
            has_fields=any(v is not None for v in given),
        )
        if self.outfit_id is not None:
            request.outfit_id = str(self.outfit_id)
        return request


class ReusableOutfitMatch(BaseModel):
    source_production_request_id: uuid.UUID
    source_product: ProductPublic | None = None
    outfit: ProductionRequestOutfitPublic
