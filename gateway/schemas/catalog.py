"""Public models of the reference catalog (products, subjects, shot types, presets, set designs).

Field names and nullability mirror the reference's Schemas section; enumerations use the values
DESIGN.md fixes where the reference prints none.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"


class ProductGender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    UNISEX = "UNISEX"


class SubjectAgeClass(StrEnum):
    KID = "KID"
    TEEN = "TEEN"
    YOUNG = "YOUNG"
    MIDDLE_AGE = "MIDDLE_AGE"
    ELDER = "ELDER"


class SubjectType(StrEnum):
    AI = "AI"
    REAL = "REAL"


class ViewAngle(StrEnum):
    FRONT = "FRONT"
    BACK = "BACK"
    SIDE = "SIDE"


class ShotTypeFraming(StrEnum):
    FULL_BODY = "FULL_BODY"
    UPPER_BODY = "UPPER_BODY"
    LOWER_BODY = "LOWER_BODY"
    UPPER_THREE_QUARTERS = "UPPER_THREE_QUARTERS"
    LOWER_THREE_QUARTERS = "LOWER_THREE_QUARTERS"
    DETAIL = "DETAIL"


class MediaResourcePublic(BaseModel):
    id: uuid.UUID
    url: str
    resource_type: str = "IMAGE"
    extension: str
    file_size: int
    content_hash: str
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    orientation: str | None = None
    duration: float | None = None
    dominant_color: str | None = None
    color_profile: str | None = None
    alt_text: str | None = None
    caption: str | None = None
    protected: bool = False
    created_at: datetime


class Timestamps(BaseModel):
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class Scoped(BaseModel):
    owner_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None


class BaseImagePublic(BaseModel):
    image_url: str
    shot_type_id: uuid.UUID
    shot_type_label: str


class SubjectMeasurementsPublic(BaseModel):
    id: uuid.UUID
    bust_cm: float | None = None
    waist_cm: float | None = None
    hips_cm: float | None = None
    height_cm: float | None = None
    shoe_eu: float | None = None
    eye_color: str | None = None
    hair_color: str | None = None


class SubjectPublic(Timestamps, Scoped):
    id: uuid.UUID
    name: str
    surname: str | None = None
    slug: str
    description: str | None = None
    gender: Gender
    age_class: SubjectAgeClass | None = None
    body_type: str | None = None
    ethnicity: str | None = None
    subject_type: SubjectType = SubjectType.AI
    base_images: list[BaseImagePublic] = []
    cover_image_url: str | None = None
    cover_image_media: MediaResourcePublic | None = None
    portrait_image_url: str | None = None
    portrait_image_media: MediaResourcePublic | None = None
    data_image_urls: list[str] = []
    data_images_media: list[MediaResourcePublic] | None = None
    portfolio_images_media: list[MediaResourcePublic] | None = None
    lora_status: str | None = None
    lora_trigger: str | None = None
    positive_prompt: str | None = None
    negative_prompt: str | None = None
    measurements: SubjectMeasurementsPublic | None = None
    enabled: bool = True
    public: bool = False
    ready: bool = True


class ShotTypePublic(Timestamps, Scoped):
    id: uuid.UUID
    name: str
    view_angle: ViewAngle
    framing: ShotTypeFraming
    core_focus: bool = False
    default_shot_type: str | None = None
    file_naming_convention: str | None = None
    margins: dict[str, Any] | None = None
    prompt: str | None = None
    prompt_builder_section: str | None = None
    shot_type_prompt_instruction: str | None = None
    reference_image: str | None = None
    reference_image_url: str | None = None
    shot_type_ref_image_url: str | None = None
    public: bool = False


class PosePresetPublic(Timestamps, Scoped):
    id: uuid.UUID
    name: str
    prompt: str | None = None
    shot_type_id: uuid.UUID
    pose_image_url: str | None = None
    pose_image_media: MediaResourcePublic | None = None


class SetBaseImagePublic(BaseModel):
    id: uuid.UUID
    subject_id: uuid.UUID
    shot_type_id: uuid.UUID
    variant_index: int = 0
    image_url: str | None = None
    image_media: MediaResourcePublic | None = None
    created_at: datetime
    updated_at: datetime


class SetReferenceImagePublic(BaseModel):
    id: uuid.UUID
    shot_type_id: uuid.UUID
    label: str | None = None
    image_url: str | None = None
    image_media: MediaResourcePublic | None = None
    created_at: datetime
    updated_at: datetime


class SubjectPortraitPublic(BaseModel):
    id: uuid.UUID
    subject_id: uuid.UUID
    image_media: MediaResourcePublic | None = None
    created_at: datetime
    updated_at: datetime


class SetDesignPublic(Timestamps, Scoped):
    id: uuid.UUID
    name: str
    description: str | None = None
    background_preset_id: uuid.UUID | None = None
    base_images: list[SetBaseImagePublic] = []
    reference_images: list[SetReferenceImagePublic] = []
    subject_portraits: list[SubjectPortraitPublic] = []
