"""Public models of products (ProductPublic and its create/update bodies), the /products/ list
filters, and a shooting's product sets (ShootingProductIdsRequest, ShootingProductsList)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from gateway.schemas.catalog import (
    CatalogCreate,
    MediaResourcePublic,
    ProductGender,
    Scoped,
    SubjectAgeClass,
    Timestamps,
    Url,
    partial_model,
)
from gateway.schemas.common import Label, LongText, Name
from gateway.schemas.shootings import READINESS_KEYS, SHOT_STATUS_KEYS

AgeClass = StrEnum("AgeClass", {m.value: m.value for m in SubjectAgeClass})  # type: ignore[misc]
Sku = Annotated[str, Field(min_length=1, max_length=255)]


class _ProductFields(BaseModel):
    name: Name
    sku: Sku | None = Field(default=None, description="Unique (case-insensitively) within the catalog: 409 otherwise")
    brand: Label | None = None
    master_item_code: Label | None = None
    product_family: Label | None = None
    product_type: Label | None = None
    product_type_id: uuid.UUID | None = None
    gender: ProductGender = ProductGender.UNISEX
    age_class: AgeClass | None = None  # type: ignore[valid-type]
    placement: Label | None = None
    zone: Label | None = None
    type: Label | None = None
    category: Label | None = None
    sleeve_type: Label | None = None
    neckline: Label | None = None
    closure_type: Label | None = None
    fit_type: Label | None = None
    length_type: Label | None = None
    pattern: Label | None = None
    materials: Label | None = None
    colour: Label | None = None
    color_name: Label | None = None
    color_code: Label | None = None
    style_group_id: Label | None = None
    season: Label | None = None
    year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    style_code: Label | None = None
    in_store_date: date | None = None
    theme: Label | None = None
    brand_collection: Label | None = None
    description: LongText | None = None
    back_description: LongText | None = None
    ecommerce_description: LongText | None = None
    brand_metadata: dict[str, Any] | None = None
    cover_image_url: Url | None = None
    back_image_url: Url | None = None
    reference_images: list[Url] = []
    data_image_urls: list[Url] = []
    public: bool = Field(default=False, description="Readable and usable by everyone; only an admin may set it")
    enabled: bool = True
    archived: bool = False
    demo: bool = False
    is_filler: bool = False
    incomplete: bool = False


class ProductCreate(_ProductFields, CatalogCreate):
    pass


ProductUpdate = partial_model(ProductCreate, "ProductUpdate")


class ProductPublic(_ProductFields, Timestamps, Scoped):
    """A product. The shooting roll-ups (``shot_status``, ``shot_status_production_request_id``,
    ``shots``) and the export ones (``integration_name``, ``exports_completed``,
    ``exports_total``) are null or empty until looks and exports feed them (later issues)."""

    id: uuid.UUID
    cover_image_media: MediaResourcePublic | None = None
    back_image_media: MediaResourcePublic | None = None
    reference_images_media: list[MediaResourcePublic] | None = None
    color_swatch_media: MediaResourcePublic | None = None
    shot_status: str | None = None
    shot_status_production_request_id: uuid.UUID | None = None
    integration_name: str | None = None
    exports_completed: int | None = None
    exports_total: int | None = None
    shots: list[dict[str, Any]] = []


class ProductSortBy(StrEnum):
    NAME = "name"
    SKU = "sku"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    BRAND = "brand"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


# ShotStatusFilter (RULES 3): the look statuses plus WITHOUT_STATUS, as the shootings' filter.
ShotStatusFilter = StrEnum(  # type: ignore[misc]
    "ShotStatusFilter", {v: v for v in (*READINESS_KEYS, *SHOT_STATUS_KEYS, "WITHOUT_STATUS")}
)


async def product_filters(
    archived: bool | None = None,
    enabled: bool | None = None,
    brand: Annotated[Label | None, Query(description="Equal, ignoring case")] = None,
    brand_collection: Annotated[Label | None, Query(description="Equal, ignoring case")] = None,
    demo: bool | None = None,
    search: Annotated[Label | None, Query(description="In the name, SKU or description, ignoring case")] = None,
    shot_statuses: Annotated[
        list[ShotStatusFilter] | None,  # type: ignore[valid-type]
        Query(description="OR'd; until looks feed product roll-ups every product is WITHOUT_STATUS"),
    ] = None,
    gender: ProductGender | None = None,
    product_type: Annotated[Label | None, Query(description="Equal, ignoring case")] = None,
    sort_by: ProductSortBy = ProductSortBy.CREATED_AT,
    sort_order: SortOrder = SortOrder.DESC,
) -> dict[str, Any]:
    """The /products/ list filters (the keys E8's ``product_filters`` takes), as sent to the service."""
    given = {
        "archived": archived,
        "enabled": enabled,
        "brand": brand,
        "brand_collection": brand_collection,
        "demo": demo,
        "search": search,
        "shot_statuses": [s.value for s in shot_statuses] if shot_statuses else None,
        "gender": gender.value if gender else None,
        "product_type": product_type,
        "sort_by": sort_by.value,
        "sort_order": sort_order.value,
    }
    return {key: v for key, v in given.items() if v is not None}


class ShootingProductIdsRequest(BaseModel):
    """Body shape for bulk add/remove/replace of products on a shooting."""

    product_ids: list[uuid.UUID] = Field(default=[], description="Product IDs to add, remove, or replace the set with.")


class ShootingProductsList(BaseModel):
    """Paginated list of products linked to a shooting via either the main set
    (``shooting_product``) or the sample set (``shooting_sample_product``)."""

    data: list[ProductPublic]
    count: int
