"""Public models of outfits (ProductionRequestOutfitPublic) and their inputs."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from gateway.schemas.catalog import MediaResourcePublic
from gateway.schemas.products import ProductPublic


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
