"""Public models of productions, phase moves, look statuses and shooting types (reference
schemas ShootingProduction*, ShootingPhaseUpdateRequest, ProductionRequestStatusPublic).

Unknown keys in request bodies are ignored, as in the shooting bodies and the reference's own
framework defaults: server-owned production state (``archived`` on create, ``guidelines_id``,
``deleted_at``, ``kind`` on update) can be sent but is never read (R58, R60).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from gateway.protoconv import dt, value
from gateway.schemas.common import NotNull
from gateway.schemas.shootings import ShootingPhase, ShootingTypePublic
from platformkit.protoconv import enum_name, enum_names, enum_number, value_enum
from protos.shootings.v1 import productions_pb2 as pb
from protos.shootings.v1 import shootings_pb2

ProductionKind = value_enum("ProductionKind", enum_names(pb.ProductionKind))


def kind_to_pb(kind: ProductionKind) -> int:  # type: ignore[valid-type]
    return enum_number(pb.ProductionKind, kind)


class ShootingProductionCreate(BaseModel):
    """Body for ``POST /shootings/{id}/productions``.

    The ``kind`` discriminator picks MAIN vs TEST. All other production state (snapshot,
    archived flag, deleted_at) is owned server-side."""

    kind: ProductionKind = Field(description="MAIN or TEST.")


class ShootingProductionUpdate(BaseModel):
    """Body for ``PATCH /shootings/{id}/productions/{prod_id}``.

    Only ``archived`` is mutable; guidelines edits go through the shooting-level update and its
    automatic re-bake. Absent: unchanged; ``null`` is refused (the flag cannot be empty)."""

    archived: Annotated[bool | None, NotNull] = None

    def to_pb(self, shooting_id: uuid.UUID, production_id: uuid.UUID) -> pb.UpdateProductionRequest:
        return pb.UpdateProductionRequest(
            shooting_id=str(shooting_id), production_id=str(production_id), archived=self.archived
        )


class ShootingProductionPublic(BaseModel):
    """Response model for ShootingProduction; ``guidelines_id`` is its baked guidelines snapshot."""

    id: uuid.UUID
    shooting_id: uuid.UUID
    kind: ProductionKind
    archived: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    guidelines_id: uuid.UUID | None = None

    @classmethod
    def from_pb(cls, message: pb.Production) -> ShootingProductionPublic:
        return cls(
            id=message.id,
            shooting_id=message.shooting_id,
            kind=enum_name(pb.ProductionKind, message.kind),
            archived=message.archived,
            created_at=dt(message, "created_at"),
            updated_at=dt(message, "updated_at"),
            deleted_at=dt(message, "deleted_at"),
            guidelines_id=value(message, "guidelines_id"),
        )


class ShootingProductionsList(BaseModel):
    """Every production of a shooting that matches (no paging: ``count`` is the number of rows)."""

    data: list[ShootingProductionPublic]
    count: int


class ShootingPhaseUpdateRequest(BaseModel):
    """Body for ``PATCH /shootings/{id}/phase``: any phase may follow any other."""

    phase: ShootingPhase = Field(description="The new phase to transition to.")

    def to_pb(self, shooting_id: uuid.UUID) -> pb.UpdateShootingPhaseRequest:
        return pb.UpdateShootingPhaseRequest(
            shooting_id=str(shooting_id), phase=shootings_pb2.ShootingPhase.Value("SHOOTING_PHASE_" + self.phase.value)
        )


class ProductionRequestStatusPublic(BaseModel):
    id: uuid.UUID
    key: str
    label: str
    sorting: int

    @classmethod
    def from_pb(cls, message: pb.StatusKey) -> ProductionRequestStatusPublic:
        return cls(id=message.id, key=message.key, label=message.label, sorting=message.sorting)


class ShootingTypeWithStatusesPublic(ShootingTypePublic):
    """A shooting type and the look statuses it allows, worst to best."""

    statuses: list[ProductionRequestStatusPublic]

    @classmethod
    def from_type_pb(cls, message: pb.ShootingTypeWithStatuses) -> ShootingTypeWithStatusesPublic:
        base = ShootingTypePublic.from_pb(message.shooting_type)
        return cls(**base.model_dump(), statuses=[ProductionRequestStatusPublic.from_pb(s) for s in message.statuses])


class ShootingTypesPublic(BaseModel):
    data: list[ShootingTypeWithStatusesPublic]
    count: int
