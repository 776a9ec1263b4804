"""What the catalog tests (tests/e2e/test_catalog.py) check against: every kind's path, public
field names, minimal create body, a patch and its required fields; and the small helpers they
share to create entries and read pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx


def words(text: str) -> set[str]:
    return set(text.split())


COMMON = words("id name owner_id organization_id created_at updated_at deleted_at")
# Field names of the reference's public schemas (spec/components.json).
PRODUCT_FIELDS = words(
    """age_class archived back_description back_image_media back_image_url brand brand_collection brand_metadata
    category closure_type color_code color_name color_swatch_media colour cover_image_media cover_image_url
    created_at data_image_urls deleted_at demo description ecommerce_description enabled exports_completed
    exports_total fit_type gender id in_store_date incomplete integration_name is_filler length_type
    master_item_code materials name neckline organization_id owner_id pattern placement product_family
    product_type product_type_id public reference_images reference_images_media season shot_status
    shot_status_production_request_id shots sku sleeve_type style_code style_group_id theme type updated_at
    year zone"""
)
SUBJECT_FIELDS = words(
    """age_class base_images body_type cover_image_media cover_image_url created_at data_image_urls
    data_images_media deleted_at description enabled ethnicity gender id lora_status lora_trigger measurements
    name negative_prompt organization_id owner_id portfolio_images_media portrait_image_media portrait_image_url
    positive_prompt public ready slug subject_type surname updated_at"""
)
SHOT_TYPE_FIELDS = COMMON | words(
    """view_angle framing core_focus default_shot_type file_naming_convention margins prompt
    prompt_builder_section shot_type_prompt_instruction reference_image reference_image_url
    shot_type_ref_image_url public"""
)
POSE_PRESET_FIELDS = COMMON | {"prompt", "shot_type_id", "pose_image_url", "pose_image_media"}
SET_DESIGN_FIELDS = COMMON | {
    "description",
    "background_preset_id",
    "base_images",
    "reference_images",
    "subject_portraits",
}


@dataclass
class Kind:
    path: str
    fields: set[str]
    body: dict[str, Any]
    patch: dict[str, Any]
    needs_shot_type: bool = False
    required: list[str] = field(default_factory=lambda: ["name"])


KINDS = [
    Kind("/products/", PRODUCT_FIELDS, {"name": "Coat", "sku": None}, {"brand": "Acme", "year": 2027}),
    Kind(
        "/subjects/",
        SUBJECT_FIELDS,
        {"name": "Ann", "gender": "FEMALE"},
        {"surname": "Lee"},
        required=["name", "gender"],
    ),
    Kind(
        "/shot-types/",
        SHOT_TYPE_FIELDS,
        {"name": "Front", "view_angle": "FRONT", "framing": "FULL_BODY"},
        {"margins": {"top": 10, "ratio": 0.5}},
        required=["name", "view_angle", "framing"],
    ),
    Kind(
        "/pose-presets/",
        POSE_PRESET_FIELDS,
        {"name": "Hands on hips"},
        {"prompt": "relaxed"},
        True,
        ["name", "shot_type_id"],
    ),
    Kind("/set-designs/", SET_DESIGN_FIELDS, {"name": "Studio"}, {"description": "White cyclorama"}),
    Kind("/styles/", COMMON | {"prompt"}, {"name": "Minimal"}, {"prompt": "clean lines"}),
    Kind("/background-presets/", COMMON | {"color", "prompt"}, {"name": "White"}, {"color": "#ffffff"}),
    Kind(
        "/resolution-presets/",
        COMMON | {"width", "height"},
        {"name": "Square", "width": 1024, "height": 1024},
        {"width": 2048},
        required=["name", "width", "height"],
    ),
    Kind("/generative-workflow-templates/", COMMON, {"name": "Default flow"}, {"name": "Renamed flow"}),
]


async def post(client: httpx.AsyncClient, path: str, expect: int = 200, params=None, **body) -> dict:
    response = await client.post(path, json=body, params=params)
    assert response.status_code == expect, response.text
    return response.json()


async def shot_type(client: httpx.AsyncClient, **extra) -> dict:
    body = {"name": "Front", "view_angle": "FRONT", "framing": "FULL_BODY", **extra}
    return await post(client, "/shot-types/", **body)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["data"]]
