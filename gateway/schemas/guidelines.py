"""Public models of guidelines templates (ShootingGuidelinesCreate/Public/HeaderPublic).

The catalog entries a template names (subjects, shot types, pose presets, set design) arrive
expanded from the shootings service and are shaped here into the catalog's public models.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from gateway.answers.shootings import guidelines_common_fields
from gateway.protoconv import dt, value
from gateway.schemas.catalog import PosePresetPublic, SetDesignPublic, ShotTypePublic, SubjectPublic
from gateway.schemas.common import Label, Name, NotNull
from protos.shootings.v1 import shootings_pb2 as pb


class GuidelinesShotTypeRuleGroupInput(BaseModel):
    rule_kind: Label
    rule_value: Label
    shot_type_ids: list[uuid.UUID] = []


class _GuidelinesFields(BaseModel):
    """The writable fields of a template, every one optional (the shape of a partial update)."""

    organization_id: uuid.UUID | None = Field(default=None, description="Organization these guidelines belong to")
    subject_ids: Annotated[list[uuid.UUID] | None, NotNull] = None
    shot_type_ids: Annotated[list[uuid.UUID] | None, NotNull] = None
    pose_preset_ids: Annotated[list[uuid.UUID] | None, NotNull] = None
    set_design_id: uuid.UUID | None = None
    stylist_id: uuid.UUID | None = Field(default=None, description="A user of the platform who styles the looks")
    resolution_preset_id: uuid.UUID | None = None
    background_preset_id: uuid.UUID | None = None
    export_configuration_id: uuid.UUID | None = None
    generative_workflow_template_id: uuid.UUID | None = Field(
        default=None,
        description="Optional generative workflow template attached at guideline creation. Cross-org templates "
        "are rejected (422).",
    )
    allow_back_shots_without_back_image: Annotated[bool | None, NotNull] = None
    auto_start_look_generations: Annotated[bool | None, NotNull] = None
    shot_type_rules: list[GuidelinesShotTypeRuleGroupInput] | None = Field(
        default=None,
        description="Shot-type rules created with the guideline in one transaction; omit for none.",
    )

    def to_pb(self) -> pb.GuidelinesInput:
        return pb.GuidelinesInput(**self.model_dump(mode="json", exclude_none=True))


class ShootingGuidelinesCreate(_GuidelinesFields):
    name: Name
    owner_id: uuid.UUID | None = None


class ShootingGuidelinesUpdate(_GuidelinesFields):
    """Partial: absent keys stay unchanged; null clears a nullable id; `shot_type_rules` replaces the groups."""

    name: Annotated[Name | None, NotNull] = None

    def mask(self) -> list[str]:
        return sorted(self.model_fields_set)


class GuidelinesShotTypeRuleGroup(BaseModel):
    rule_kind: str
    rule_value: str
    shot_types: list[ShotTypePublic] = []


class StylistSummary(BaseModel):
    id: uuid.UUID
    name: str


class _GuidelinesCommon(BaseModel):
    created_at: datetime
    updated_at: datetime
    auto_start_look_generations: bool = False
    background_preset_id: uuid.UUID | None = None
    export_configuration_id: uuid.UUID | None = None
    resolution_preset_id: uuid.UUID | None = None
    set_design_id: uuid.UUID | None = None
    stylist_id: uuid.UUID | None = None
    subjects: list[SubjectPublic] = []
    shot_types: list[ShotTypePublic] = []
    pose_presets: list[PosePresetPublic] = []


class ShootingGuidelinesPublic(_GuidelinesCommon):
    id: uuid.UUID
    name: str
    owner_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    generative_workflow_template_id: uuid.UUID | None = None
    allow_back_shots_without_back_image: bool = False
    set_design: SetDesignPublic | None = None
    shot_type_rules: list[GuidelinesShotTypeRuleGroup] = []
    deleted_at: datetime | None = None

    @classmethod
    def from_pb(cls, message: pb.Guidelines) -> ShootingGuidelinesPublic:
        return cls(
            id=message.id,
            name=message.name,
            owner_id=value(message, "owner_id"),
            organization_id=value(message, "organization_id"),
            generative_workflow_template_id=value(message, "generative_workflow_template_id"),
            allow_back_shots_without_back_image=message.allow_back_shots_without_back_image,
            set_design=SetDesignPublic.from_entry(message.set_design) if message.HasField("set_design") else None,
            shot_type_rules=[
                GuidelinesShotTypeRuleGroup(
                    rule_kind=r.rule_kind,
                    rule_value=r.rule_value,
                    shot_types=[ShotTypePublic.from_entry(e) for e in r.shot_types],
                )
                for r in message.shot_type_rules
            ],
            deleted_at=dt(message, "deleted_at"),
            **guidelines_common_fields(message),
        )


class ShootingGuidelinesList(BaseModel):
    data: list[ShootingGuidelinesPublic]
    count: int


class ShootingHeaderGuidelinesPublic(_GuidelinesCommon):
    stylist: StylistSummary | None = None

    @classmethod
    def from_pb(cls, message: pb.Guidelines, stylist: StylistSummary | None = None) -> ShootingHeaderGuidelinesPublic:
        return cls(stylist=stylist, **guidelines_common_fields(message))
