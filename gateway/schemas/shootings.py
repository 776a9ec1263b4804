"""Public models of shootings and their guidelines, mirroring the reference's schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator

from gateway.answers.shootings import header_fields, identity_fields
from gateway.protoconv import dt, timestamp, value
from gateway.schemas.common import Label, LongText, Moment, Name, NotNull
from gateway.schemas.guidelines import (
    ShootingGuidelinesCreate,
    ShootingGuidelinesPublic,
    ShootingHeaderGuidelinesPublic,
    StylistSummary,
)
from platformkit.protoconv import enum_name, enum_names, enum_number, value_enum
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2 as pb

# The phase names come from the contract, so the gateway and the service cannot drift apart.
ShootingPhase = value_enum(
    "ShootingPhase",
    enum_names(pb.ShootingPhase),
    "Lifecycle phase of a shooting.",
)
CREATION_PHASES = (ShootingPhase.BRIEF, ShootingPhase.PRODUCTION)  # type: ignore[attr-defined]

# The shot status keys of the default shooting type, worst to best, as the contract orders them
# (ShotStatus in protos/common/v1/common.proto; D0.2).
SHOT_STATUS_KEYS = enum_names(common_pb2.ShotStatus)
READINESS_KEYS = enum_names(common_pb2.LookReadiness)
ProductionRequestStatusKey = value_enum("ProductionRequestStatusKey", SHOT_STATUS_KEYS, "A shot status key.")
ShootingStatus = value_enum(
    "ShootingStatus",
    (*READINESS_KEYS, *SHOT_STATUS_KEYS),
    "A shooting's computed status: the lowest computed status of its looks (D0.2).",
)
ShootingStatusFilter = value_enum(
    "ShootingStatusFilter",
    (*READINESS_KEYS, *SHOT_STATUS_KEYS, "WITHOUT_STATUS"),
    "Computed-status filter values; WITHOUT_STATUS matches shootings without looks or shots.",
)


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
    due_date: Moment
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
        default=ShootingPhase.PRODUCTION,  # type: ignore[attr-defined]
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
            phase=enum_number(pb.ShootingPhase, self.phase),
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
    due_date: Moment | None = None
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
        phase = enum_name(pb.ShootingPhase, message.phase)
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
            **identity_fields(message),
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
    def from_pb(cls, message: pb.ShootingHeader, stylist: StylistSummary | None = None) -> ShootingHeaderPublic:
        return cls.model_validate(header_fields(message, stylist and stylist.model_dump(mode="json")))
