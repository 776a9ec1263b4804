"""The catalog kinds and their fields: what each kind stores and how each value is checked.

Every kind lives in the one ``catalog_entries`` table (common columns plus a ``data`` JSONB), so
the database cannot guard a kind's shape: these tables do. They are the service's own gate, not a
copy of the gateway's: other services call CatalogService directly. Field names are those of the
kind's public schema (the reference's Schemas section); only the writable ones appear (ids, owners,
timestamps, media objects and computed roll-ups are the service's to set). Enumerations are the
values the platform fixes (D0.1); enumerations the reference leaves open (ProductPlacement, BodyType,
DefaultShotTypes, ...) are plain bounded strings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, TypeAdapter, create_model

from platformkit.protoconv import enum_names
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("String should not be blank")
    return value


# Limits of README "Decisions where the reference is silent": names and labels up to 255
# characters, descriptions up to 10,000; URLs up to 2,048.
Name = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_not_blank)]
Label = Annotated[str, StringConstraints(max_length=255)]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_not_blank)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
Pixels = Annotated[int, Field(gt=0, le=16_384)]
Centimetres = Annotated[float, Field(gt=0, le=500)]
Json = dict[str, Any]

# The enumerations as the contracts name and order them (what the public schema declares too).
ProductGender = Literal[enum_names(catalog_pb2.ProductGender)]  # type: ignore[valid-type]
Gender = Literal[enum_names(catalog_pb2.Gender)]  # type: ignore[valid-type]
AgeClass = Literal[enum_names(catalog_pb2.SubjectAgeClass)]  # type: ignore[valid-type]
SubjectType = Literal[enum_names(catalog_pb2.SubjectType)]  # type: ignore[valid-type]
ViewAngle = Literal[enum_names(common_pb2.ViewAngle)]  # type: ignore[valid-type]
ShotTypeFraming = Literal[enum_names(common_pb2.ShotTypeFraming)]  # type: ignore[valid-type]

REQUIRED: Any = object()
"""Default of a field the create body must carry."""


@dataclass(frozen=True)
class FieldRule:
    annotation: Any
    default: Any = REQUIRED

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.annotation)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def optional(annotation: Any) -> FieldRule:
    return FieldRule(annotation | None, None)


def flag(default: bool) -> FieldRule:
    return FieldRule(bool, default)


def listed(annotation: Any) -> FieldRule:
    return FieldRule(list[annotation], [])


class BaseImageInput(BaseModel):
    """A subject's base image for one shot type (its label is the shot type's name, added on read)."""

    shot_type_id: uuid.UUID
    image_url: Url


MeasurementsInput = create_model(
    "MeasurementsInput",
    **dict.fromkeys(("bust_cm", "waist_cm", "hips_cm", "height_cm"), (Centimetres | None, None)),
    shoe_eu=(Annotated[float, Field(gt=0, le=60)] | None, None),
    **dict.fromkeys(("eye_color", "hair_color"), (Label | None, None)),
)


class SetBaseImageInput(BaseModel):
    subject_id: uuid.UUID
    shot_type_id: uuid.UUID
    variant_index: Annotated[int, Field(ge=0, le=1000)] = 0
    image_url: Url | None = None


class SetReferenceImageInput(BaseModel):
    shot_type_id: uuid.UUID
    label: Label | None = None
    image_url: Url | None = None


class SubjectPortraitInput(BaseModel):
    subject_id: uuid.UUID


@dataclass(frozen=True)
class Reference:
    """A field (or a field of each item of a list field) that names another catalog entry."""

    field: str
    item_field: str | None
    kind: str


@dataclass(frozen=True)
class KindRules:
    kind: str
    label: str
    fields: dict[str, FieldRule]
    references: tuple[Reference, ...] = ()
    # Nested list items that get an id and timestamps of their own when stored.
    stamped_lists: tuple[str, ...] = ()
    # (list field, item field): no two items of the list may name the same value.
    unique_items: tuple[tuple[str, str], ...] = ()

    @property
    def has_public(self) -> bool:
        return "public" in self.fields


_PRODUCT_LABELS = (
    "brand",
    "master_item_code",
    "product_family",
    "product_type",
    "placement",
    "zone",
    "type",
    "category",
    "sleeve_type",
    "neckline",
    "closure_type",
    "fit_type",
    "length_type",
    "pattern",
    "materials",
    "colour",
    "color_name",
    "color_code",
    "style_group_id",
    "season",
    "style_code",
    "theme",
    "brand_collection",
)

PRODUCT = KindRules(
    "product",
    "Product",
    {
        "name": FieldRule(Name),
        "sku": optional(Sku),
        **dict.fromkeys(_PRODUCT_LABELS, optional(Label)),
        **dict.fromkeys(("description", "back_description", "ecommerce_description"), optional(Text)),
        "product_type_id": optional(uuid.UUID),
        "gender": FieldRule(ProductGender, "UNISEX"),
        "age_class": optional(AgeClass),
        "year": optional(Annotated[int, Field(ge=1900, le=2200)]),
        "in_store_date": optional(dt.date),
        "brand_metadata": optional(Json),
        "cover_image_url": optional(Url),
        "back_image_url": optional(Url),
        "reference_images": listed(Url),
        "data_image_urls": listed(Url),
        "public": flag(False),
        "enabled": flag(True),
        **dict.fromkeys(("archived", "demo", "is_filler", "incomplete"), flag(False)),
    },
)

SUBJECT = KindRules(
    "subject",
    "Subject",
    {
        "name": FieldRule(Name),
        "surname": optional(Label),
        # Derived from name and surname when absent or null.
        "slug": optional(Slug),
        "description": optional(Text),
        "gender": FieldRule(Gender),
        "age_class": optional(AgeClass),
        **dict.fromkeys(("body_type", "ethnicity", "lora_status", "lora_trigger"), optional(Label)),
        "subject_type": FieldRule(SubjectType, "AI"),
        "base_images": listed(BaseImageInput),
        "cover_image_url": optional(Url),
        "portrait_image_url": optional(Url),
        "data_image_urls": listed(Url),
        "positive_prompt": optional(Text),
        "negative_prompt": optional(Text),
        "measurements": optional(MeasurementsInput),
        "enabled": flag(True),
        "public": flag(False),
        "ready": flag(True),
    },
    references=(Reference("base_images", "shot_type_id", "shot_type"),),
    # Generation picks the subject's image for a shot type: one per shot type.
    unique_items=(("base_images", "shot_type_id"),),
)

SHOT_TYPE = KindRules(
    "shot_type",
    "Shot type",
    {
        "name": FieldRule(Name),
        "view_angle": FieldRule(ViewAngle),
        "framing": FieldRule(ShotTypeFraming),
        "core_focus": flag(False),
        "default_shot_type": optional(Label),
        "file_naming_convention": optional(Label),
        "margins": optional(Json),
        **dict.fromkeys(("prompt", "prompt_builder_section", "shot_type_prompt_instruction"), optional(Text)),
        **dict.fromkeys(("reference_image", "reference_image_url", "shot_type_ref_image_url"), optional(Url)),
        "public": flag(False),
    },
)

POSE_PRESET = KindRules(
    "pose_preset",
    "Pose preset",
    {
        "name": FieldRule(Name),
        "prompt": optional(Text),
        "shot_type_id": FieldRule(uuid.UUID),
        "pose_image_url": optional(Url),
    },
    references=(Reference("shot_type_id", None, "shot_type"),),
)

SET_DESIGN = KindRules(
    "set_design",
    "Set design",
    {
        "name": FieldRule(Name),
        "description": optional(Text),
        "background_preset_id": optional(uuid.UUID),
        "base_images": listed(SetBaseImageInput),
        "reference_images": listed(SetReferenceImageInput),
        "subject_portraits": listed(SubjectPortraitInput),
    },
    references=(
        Reference("background_preset_id", None, "background_preset"),
        Reference("base_images", "subject_id", "subject"),
        Reference("base_images", "shot_type_id", "shot_type"),
        Reference("reference_images", "shot_type_id", "shot_type"),
        Reference("subject_portraits", "subject_id", "subject"),
    ),
    stamped_lists=("base_images", "reference_images", "subject_portraits"),
)

STYLE = KindRules("style", "Style", {"name": FieldRule(Name), "prompt": optional(Text)})

BACKGROUND_PRESET = KindRules(
    "background_preset",
    "Background preset",
    {"name": FieldRule(Name), "color": optional(Label), "prompt": optional(Text)},
)

RESOLUTION_PRESET = KindRules(
    "resolution_preset",
    "Resolution preset",
    {"name": FieldRule(Name), "width": FieldRule(Pixels), "height": FieldRule(Pixels)},
)

GENERATIVE_WORKFLOW_TEMPLATE = KindRules(
    "generative_workflow_template", "Generative workflow template", {"name": FieldRule(Name)}
)

KINDS: dict[str, KindRules] = {
    rules.kind: rules
    for rules in (
        PRODUCT,
        SUBJECT,
        SHOT_TYPE,
        POSE_PRESET,
        SET_DESIGN,
        STYLE,
        BACKGROUND_PRESET,
        RESOLUTION_PRESET,
        GENERATIVE_WORKFLOW_TEMPLATE,
    )
}
