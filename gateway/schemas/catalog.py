"""Public models of the reference catalog: subjects, shot types, pose presets and set designs
here; products in ``products.py``; styles and presets in ``presets.py``; plus what every kind
shares (the entry -> public model conversion, the derived update models, the list models).

Field names and nullability mirror the reference's Schemas section; enumerations use the values
the platform fixes where the reference prints none (D0.1). Each kind's writable fields are declared once,
with their request limits, in a ``_<Kind>Fields`` base that both the create body and the public
model extend; the update body is derived from the create body (:func:`partial_model`), so the
three cannot drift apart. Media objects are read-only (null until media management exists).
"""

from __future__ import annotations

import types
import uuid
from datetime import datetime
from typing import Annotated, Any, Self, Union, get_args, get_origin

from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel, Field, create_model

from gateway.protoconv import dt, value
from gateway.schemas.common import Label, LongText, Name, NotNull
from platformkit.protoconv import enum_names, value_enum
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2

Url = Annotated[str, Field(min_length=1, max_length=2048)]
Slug = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Centimetres = Annotated[float, Field(gt=0, le=500)]
ORGANIZATION_ID = "organization_id"


# The catalog's enumerations, as the contracts name and order them.
Gender = value_enum("Gender", enum_names(catalog_pb2.Gender))
ProductGender = value_enum("ProductGender", enum_names(catalog_pb2.ProductGender))
SubjectAgeClass = value_enum("SubjectAgeClass", enum_names(catalog_pb2.SubjectAgeClass))
SubjectType = value_enum("SubjectType", enum_names(catalog_pb2.SubjectType))
ViewAngle = value_enum("ViewAngle", enum_names(common_pb2.ViewAngle))
ShotTypeFraming = value_enum("ShotTypeFraming", enum_names(common_pb2.ShotTypeFraming))


def _plain(item: Any) -> Any:
    """Struct numbers are doubles: give whole numbers back as ints, so free-form JSON fields
    (margins, brand_metadata) read as they were written."""
    if isinstance(item, float) and item.is_integer():
        return int(item)
    if isinstance(item, dict):
        return {k: _plain(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_plain(v) for v in item]
    return item


class CatalogPublic(BaseModel):
    """A catalog entry as the API shows it, built from the service's generic ``CatalogEntry``."""

    @classmethod
    def from_entry(cls, entry: catalog_pb2.CatalogEntry) -> Self:
        return cls.model_validate(
            {
                **_plain(MessageToDict(entry.fields)),
                "id": entry.id,
                "name": entry.name,
                "public": entry.public,
                "owner_id": value(entry, "owner_id"),
                ORGANIZATION_ID: value(entry, ORGANIZATION_ID),
                "created_at": dt(entry, "created_at"),
                "updated_at": dt(entry, "updated_at"),
                "deleted_at": dt(entry, "deleted_at"),
            }
        )


class Timestamps(CatalogPublic):
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class Scoped(CatalogPublic):
    owner_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None


class CatalogCreate(BaseModel):
    """A create body: the kind's writable fields and the organization it goes to."""

    organization_id: uuid.UUID | None = Field(
        default=None, description="Organization this entry belongs to (one of the caller's); personal when omitted"
    )

    def fields(self) -> dict[str, Any]:
        """Every field but the organization, as JSON values (defaults included)."""
        return self.model_dump(mode="json", exclude={ORGANIZATION_ID})


class CatalogPatch(BaseModel):
    """An update body: absent keys stay unchanged; null clears a nullable field."""

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include=self.model_fields_set)


def _nullable(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def partial_model(create: type[CatalogCreate], name: str) -> type[CatalogPatch]:
    """The update body of a kind: every field of its create body but the organization (entries
    do not move between catalogs), optional; null refused where the field cannot be empty."""
    fields: dict[str, Any] = {}
    for field_name, info in create.model_fields.items():
        if field_name == ORGANIZATION_ID:
            continue
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        if not _nullable(info.annotation):
            annotation = Annotated[annotation | None, NotNull]
        fields[field_name] = (annotation, Field(default=None, description=info.description))
    model = create_model(name, __base__=CatalogPatch, **fields)
    model.__doc__ = f"Partial update of {create.__name__.removesuffix('Create')}: absent keys stay unchanged."
    return model


def simple_kind(
    name: str, fields: type[BaseModel]
) -> tuple[type[CatalogCreate], type[CatalogPatch], type[CatalogPublic]]:
    """(create, update, public) models of a kind whose public model is its writable ``fields``
    plus the common id, owner, organization and timestamps."""
    create = create_model(f"{name}Create", __base__=(fields, CatalogCreate))
    public = create_model(f"{name}Public", __base__=(fields, Timestamps, Scoped), id=(uuid.UUID, ...))
    return create, partial_model(create, f"{name}Update"), public


def list_model(public: type[BaseModel], name: str) -> type[BaseModel]:
    """``{data, count}``: a page and the total before skip/limit."""
    return create_model(name, data=(list[public], ...), count=(int, ...))  # type: ignore[valid-type]


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


class BaseImageInput(BaseModel):
    shot_type_id: uuid.UUID
    image_url: Url


class BaseImagePublic(BaseImageInput):
    shot_type_label: str = Field(description="The shot type's current name")


class SubjectMeasurementsInput(BaseModel):
    bust_cm: Centimetres | None = None
    waist_cm: Centimetres | None = None
    hips_cm: Centimetres | None = None
    height_cm: Centimetres | None = None
    shoe_eu: Annotated[float, Field(gt=0, le=60)] | None = None
    eye_color: Label | None = None
    hair_color: Label | None = None


class SubjectMeasurementsPublic(SubjectMeasurementsInput):
    id: uuid.UUID


class _SubjectFields(BaseModel):
    name: Name
    surname: Label | None = None
    description: LongText | None = None
    gender: Gender
    age_class: SubjectAgeClass | None = None
    body_type: Label | None = None
    ethnicity: Label | None = None
    subject_type: SubjectType = SubjectType.AI
    cover_image_url: Url | None = None
    portrait_image_url: Url | None = None
    data_image_urls: list[Url] = []
    lora_status: Label | None = None
    lora_trigger: Label | None = None
    positive_prompt: LongText | None = None
    negative_prompt: LongText | None = None
    enabled: bool = True
    public: bool = Field(default=False, description="Readable and usable by everyone; only an admin may set it")
    ready: bool = True


class SubjectCreate(_SubjectFields, CatalogCreate):
    slug: Slug | None = Field(default=None, description="Derived from name and surname when omitted or null")
    base_images: list[BaseImageInput] = Field(default=[], description="One image per shot type, for generation")
    measurements: SubjectMeasurementsInput | None = None


SubjectUpdate = partial_model(SubjectCreate, "SubjectUpdate")


class SubjectPublic(_SubjectFields, Timestamps, Scoped):
    id: uuid.UUID
    slug: str
    base_images: list[BaseImagePublic] = []
    measurements: SubjectMeasurementsPublic | None = None
    cover_image_media: MediaResourcePublic | None = None
    portrait_image_media: MediaResourcePublic | None = None
    data_images_media: list[MediaResourcePublic] | None = None
    portfolio_images_media: list[MediaResourcePublic] | None = None


class _ShotTypeFields(BaseModel):
    name: Name
    view_angle: ViewAngle
    framing: ShotTypeFraming
    core_focus: bool = False
    default_shot_type: Label | None = None
    file_naming_convention: Label | None = None
    margins: dict[str, Any] | None = None
    prompt: LongText | None = None
    prompt_builder_section: LongText | None = None
    shot_type_prompt_instruction: LongText | None = None
    reference_image: Url | None = None
    reference_image_url: Url | None = None
    shot_type_ref_image_url: Url | None = None
    public: bool = Field(default=False, description="Readable and usable by everyone; only an admin may set it")


class ShotTypeCreate(_ShotTypeFields, CatalogCreate):
    pass


ShotTypeUpdate = partial_model(ShotTypeCreate, "ShotTypeUpdate")


class ShotTypePublic(_ShotTypeFields, Timestamps, Scoped):
    id: uuid.UUID


class _PosePresetFields(BaseModel):
    name: Name
    prompt: LongText | None = None
    shot_type_id: uuid.UUID
    pose_image_url: Url | None = None


class PosePresetCreate(_PosePresetFields, CatalogCreate):
    pass


PosePresetUpdate = partial_model(PosePresetCreate, "PosePresetUpdate")


class PosePresetPublic(_PosePresetFields, Timestamps, Scoped):
    id: uuid.UUID
    pose_image_media: MediaResourcePublic | None = None


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


class _SetItem(BaseModel):
    """What the service adds to each set-design item: identity and times (kept while the item
    is sent again unchanged), and its media (read-only)."""

    id: uuid.UUID
    image_media: MediaResourcePublic | None = None
    created_at: datetime
    updated_at: datetime


class SetBaseImagePublic(SetBaseImageInput, _SetItem):
    pass


class SetReferenceImagePublic(SetReferenceImageInput, _SetItem):
    pass


class SubjectPortraitPublic(SubjectPortraitInput, _SetItem):
    pass


class _SetDesignFields(BaseModel):
    name: Name
    description: LongText | None = None
    background_preset_id: uuid.UUID | None = None


class SetDesignCreate(_SetDesignFields, CatalogCreate):
    base_images: list[SetBaseImageInput] = []
    reference_images: list[SetReferenceImageInput] = []
    subject_portraits: list[SubjectPortraitInput] = []


SetDesignUpdate = partial_model(SetDesignCreate, "SetDesignUpdate")


class SetDesignPublic(_SetDesignFields, Timestamps, Scoped):
    id: uuid.UUID
    base_images: list[SetBaseImagePublic] = []
    reference_images: list[SetReferenceImagePublic] = []
    subject_portraits: list[SubjectPortraitPublic] = []
