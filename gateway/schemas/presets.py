"""Public models of the small catalog kinds the reference names without a schema: styles,
background presets, resolution presets and generative workflow templates (D0.13,
D0.16). Same conventions as the other catalog kinds: an owner, an optional
organization, timestamps and soft delete; only the writable fields differ."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from gateway.schemas.catalog import simple_kind
from gateway.schemas.common import Label, LongText, Name

Pixels = Annotated[int, Field(gt=0, le=16_384)]


class StyleFields(BaseModel):
    name: Name
    prompt: LongText | None = None


class BackgroundPresetFields(BaseModel):
    name: Name
    color: Label | None = None
    prompt: LongText | None = None


class ResolutionPresetFields(BaseModel):
    name: Name
    width: Pixels
    height: Pixels


class GenerativeWorkflowTemplateFields(BaseModel):
    name: Name


StyleCreate, StyleUpdate, StylePublic = simple_kind("Style", StyleFields)
BackgroundPresetCreate, BackgroundPresetUpdate, BackgroundPresetPublic = simple_kind(
    "BackgroundPreset", BackgroundPresetFields
)
ResolutionPresetCreate, ResolutionPresetUpdate, ResolutionPresetPublic = simple_kind(
    "ResolutionPreset", ResolutionPresetFields
)
GenerativeWorkflowTemplateCreate, GenerativeWorkflowTemplateUpdate, GenerativeWorkflowTemplatePublic = simple_kind(
    "GenerativeWorkflowTemplate", GenerativeWorkflowTemplateFields
)
