"""Public models of shootings and their guidelines, mirroring the reference's schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator

from gateway.protoconv import dt, timestamp, value
from gateway.schemas.catalog import PosePresetPublic, SetDesignPublic, ShotTypePublic, SubjectPublic
from gateway.schemas.common import NotNull
from protos.shootings.v1 import shootings_pb2 as pb

# Limits a mature API sets where the reference is silent (documented in README): names and short
# labels up to 255 characters, descriptions up to 10,000.
Name = Annotated[str, Field(min_length=1, max_length=255)]
Label = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=10_000)]


class ShootingPhase(StrEnum):
    BRIEF = "BRIEF"
    TEST_SHOOTING = "TEST_SHOOTING"
    PRODUCTS_SELECTION = "PRODUCTS_SELECTION"
    AGREEMENT = "AGREEMENT"
    PRODUCTION = "PRODUCTION"
    CLOSED = "CLOSED"


CREATION_PHASES = (ShootingPhase.BRIEF, ShootingPhase.PRODUCTION)


class ProductionRequestStatusKey(StrEnum):
    PENDING = "PENDING"
    PROPOSAL = "PROPOSAL"
    REJECTED = "REJECTED"
    POST_PROD = "POST_PROD"
    POST_PROD_REJECTED = "POST_PROD_REJECTED"
    REVIEW = "REVIEW"
    APPROVED = "APPROVED"


class ShootingStatus(StrEnum):
    """A shooting's computed status: the lowest computed status of its looks (DESIGN.md)."""

    DRAFT = "DRAFT"
    READY = "READY"
    PENDING = "PENDING"
    PROPOSAL = "PROPOSAL"
    REJECTED = "REJECTED"
    POST_PROD = "POST_PROD"
    POST_PROD_REJECTED = "POST_PROD_REJECTED"
    REVIEW = "REVIEW"
    APPROVED = "APPROVED"


class ShootingStatusFilter(StrEnum):
    DRAFT = "DRAFT"
    READY = "READY"
    PENDING = "PENDING"
    PROPOSAL = "PROPOSAL"
    REJECTED = "REJECTED"
    POST_PROD = "POST_PROD"
    POST_PROD_REJECTED = "POST_PROD_REJECTED"
    REVIEW = "REVIEW"
    APPROVED = "APPROVED"
    WITHOUT_STATUS = "WITHOUT_STATUS"


class GuidelinesShotTypeRuleGroupInput(BaseModel):
    rule_kind: Label
    rule_value: Label
    shot_type_ids: list[uuid.UUID] = []


class ShootingGuidelinesCreate(BaseModel):
    name: Name
    owner_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = Field(default=None, description="Organization these guidelines belong to")
    subject_ids: list[uuid.UUID] = []
    shot_type_ids: list[uuid.UUID] = []
    pose_preset_ids: list[uuid.UUID] = []
    set_design_id: uuid.UUID | None = None
    stylist_id: uuid.UUID | None = None
    resolution_preset_id: uuid.UUID | None = None
    background_preset_id: uuid.UUID | None = None
    export_configuration_id: uuid.UUID | None = None
    generative_workflow_template_id: uuid.UUID | None = Field(
        default=None,
        description="Optional generative workflow template attached at guideline creation. Cross-org and "
        "invalid-validation-status templates are rejected (422).",
    )
    allow_back_shots_without_back_image: bool = False
    auto_start_look_generations: bool = False
    shot_type_rules: list[GuidelinesShotTypeRuleGroupInput] | None = Field(
        default=None,
        description="Shot-type rules created with the guideline in one transaction; omit for none.",
    )

    def to_pb(self) -> pb.GuidelinesInput:
        data = self.model_dump(mode="json", exclude_none=True)
        return pb.GuidelinesInput(**data)


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


_GUIDELINE_IDS = (
    "background_preset_id",
    "export_configuration_id",
    "resolution_preset_id",
    "set_design_id",
    "stylist_id",
)


def _common_guidelines_fields(message: pb.Guidelines) -> dict[str, object]:
    # Catalog entries are expanded by the catalog (a later issue); until entries exist no id can resolve.
    return {
        "created_at": dt(message, "created_at"),
        "updated_at": dt(message, "updated_at"),
        "auto_start_look_generations": message.auto_start_look_generations,
        **{f: value(message, f) for f in _GUIDELINE_IDS},
    }


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
            shot_type_rules=[
                GuidelinesShotTypeRuleGroup(rule_kind=r.rule_kind, rule_value=r.rule_value)
                for r in message.shot_type_rules
            ],
            deleted_at=dt(message, "deleted_at"),
            **_common_guidelines_fields(message),
        )


class ShootingHeaderGuidelinesPublic(_GuidelinesCommon):
    stylist: StylistSummary | None = None

    @classmethod
    def from_pb(cls, message: pb.Guidelines) -> ShootingHeaderGuidelinesPublic:
        return cls(**_common_guidelines_fields(message))


class ShootingTypePublic(BaseModel):
    id: uuid.UUID
    key: str
    label: str
    description: str | None = None
    archived: bool = False

    @classmethod
    def from_pb(cls, message: pb.ShootingType) -> ShootingTypePublic:
        return cls(
            id=message.id,
            key=message.key,
            label=message.label,
            description=value(message, "description"),
            archived=message.archived,
        )


class ShootingCreate(BaseModel):
    """Request model for creating a new Shooting (see RULES 2.2)."""

    name: Name
    description: LongText | None = None
    due_date: datetime
    archived: bool = False
    season: Label | None = None
    collection: Label | None = None
    brand: Label | None = None
    organization_id: uuid.UUID | None = Field(default=None, description="Organization this shooting belongs to")
    default_guidelines_id: uuid.UUID | None = Field(
        default=None, description="Default guidelines preset for this shooting (existing template)"
    )
    default_guidelines: ShootingGuidelinesCreate | None = Field(
        default=None,
        description="Inline guidelines to create alongside the shooting. "
        "Mutually exclusive with default_guidelines_id.",
    )
    phase: ShootingPhase = Field(
        default=ShootingPhase.PRODUCTION,
        description="Initial lifecycle phase. Only BRIEF and PRODUCTION are valid at creation. PRODUCTION "
        "(default) eagerly creates the MAIN production; BRIEF skips production creation.",
    )
    require_test_shooting: bool = Field(
        default=False,
        description="When True, MAIN production cannot be created until at least one TEST production exists. "
        "Set-once at creation time; not editable afterwards.",
    )

    @field_validator("phase")
    @classmethod
    def _creation_phase(cls, phase: ShootingPhase) -> ShootingPhase:
        if phase not in CREATION_PHASES:
            raise ValueError(
                "only BRIEF and PRODUCTION are valid at creation; other phases are reached through "
                "PATCH /shootings/{id}/phase"
            )
        return phase

    @model_validator(mode="after")
    def _exclusive_choices(self) -> ShootingCreate:
        if self.default_guidelines is not None and self.default_guidelines_id is not None:
            raise ValueError("default_guidelines and default_guidelines_id are mutually exclusive")
        if self.require_test_shooting and self.phase == ShootingPhase.PRODUCTION:
            raise ValueError(
                "require_test_shooting=true cannot start in PRODUCTION (the default phase): send phase BRIEF"
            )
        return self

    def to_pb(self, query_organization_id: uuid.UUID | None) -> pb.CreateShootingRequest:
        request = pb.CreateShootingRequest(
            name=self.name,
            archived=self.archived,
            require_test_shooting=self.require_test_shooting,
            phase=pb.ShootingPhase.Value("SHOOTING_PHASE_" + self.phase.value),
            default_guidelines=self.default_guidelines.to_pb() if self.default_guidelines else None,
        )
        request.due_date.CopyFrom(timestamp(self.due_date))
        for field in ("description", "season", "collection", "brand"):
            if getattr(self, field) is not None:
                setattr(request, field, getattr(self, field))
        for field in ("organization_id", "default_guidelines_id"):
            if getattr(self, field) is not None:
                setattr(request, field, str(getattr(self, field)))
        if query_organization_id is not None:
            request.query_organization_id = str(query_organization_id)
        return request


class ShootingUpdate(BaseModel):
    """Request model for updating a Shooting: absent keys stay unchanged (PUT and PATCH alike)."""

    name: Annotated[Name | None, NotNull] = None
    description: LongText | None = None
    due_date: datetime | None = None
    archived: Annotated[bool | None, NotNull] = None
    season: Label | None = None
    collection: Label | None = None
    brand: Label | None = None
    organization_id: uuid.UUID | None = Field(default=None, description="Organization to transfer this shooting to")
    default_guidelines_id: uuid.UUID | None = Field(
        default=None, description="Default guidelines preset for this shooting"
    )

    def to_pb(self, shooting_id: uuid.UUID) -> pb.UpdateShootingRequest:
        request = pb.UpdateShootingRequest(id=str(shooting_id))
        for field in sorted(self.model_fields_set):
            request.update_mask.paths.append(field)
            current = getattr(self, field)
            if current is None:
                continue
            if field == "due_date":
                request.patch.due_date.CopyFrom(timestamp(current))
            else:
                setattr(request.patch, field, current if isinstance(current, str | bool) else str(current))
        return request


class _ShootingIdentity(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    description: str | None = None
    due_date: datetime | None = None
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None = None
    season: str | None = None
    collection: str | None = None
    brand: str | None = None
    shooting_type_id: uuid.UUID | None = None
    default_guidelines_id: uuid.UUID | None = None


_IDENTITY_OPTIONAL = (
    "description",
    "organization_id",
    "season",
    "collection",
    "brand",
    "shooting_type_id",
    "default_guidelines_id",
)


def _identity_fields(message: pb.Shooting | pb.ShootingHeader) -> dict[str, object]:
    return {
        "id": message.id,
        "name": message.name,
        "owner_id": message.owner_id,
        "created_at": dt(message, "created_at"),
        "updated_at": dt(message, "updated_at"),
        "due_date": dt(message, "due_date"),
        **{f: value(message, f) for f in _IDENTITY_OPTIONAL},
    }


class ShootingPublic(_ShootingIdentity):
    """Response model for Shooting."""

    archived: bool = False
    default_guidelines: ShootingGuidelinesPublic | None = None
    phase: ShootingPhase | None = None
    require_test_shooting: bool = False
    shooting_type: ShootingTypePublic | None = None
    deleted_at: datetime | None = None
    shot_status: ProductionRequestStatusKey | None = None
    status: ShootingStatus | None = None

    @classmethod
    def from_pb(cls, message: pb.Shooting) -> ShootingPublic:
        phase = pb.ShootingPhase.Name(message.phase).removeprefix("SHOOTING_PHASE_") if message.phase else None
        return cls(
            archived=message.archived,
            default_guidelines=(
                ShootingGuidelinesPublic.from_pb(message.default_guidelines)
                if message.HasField("default_guidelines")
                else None
            ),
            phase=phase,
            require_test_shooting=message.require_test_shooting,
            shooting_type=ShootingTypePublic.from_pb(message.shooting_type)
            if message.HasField("shooting_type")
            else None,
            deleted_at=dt(message, "deleted_at"),
            shot_status=value(message, "shot_status"),
            status=value(message, "status"),
            **_identity_fields(message),
        )


class ShootingsPublic(BaseModel):
    """Paginated list of shootings (without production_requests for performance)."""

    data: list[ShootingPublic]
    count: int


class ShootingHeaderPublic(_ShootingIdentity):
    """Lightweight shooting for the kanban header: no shots, looks or full presets."""

    public: bool = False
    default_guidelines: ShootingHeaderGuidelinesPublic | None = None

    @classmethod
    def from_pb(cls, message: pb.ShootingHeader) -> ShootingHeaderPublic:
        guidelines = message.default_guidelines if message.HasField("default_guidelines") else None
        return cls(
            default_guidelines=ShootingHeaderGuidelinesPublic.from_pb(guidelines) if guidelines else None,
            **_identity_fields(message),
        )
