"""Generation budgets of an organization (outside the reference; the shots service keeps them)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from protos.shots.v1 import shots_pb2 as pb

Images = Annotated[int, Field(ge=0, le=2**31 - 1)]


class GenerationQuotaPublic(BaseModel):
    """Images of generation the organization may start per hour and per day (its own limits when
    an admin set them, the platform's otherwise), and what it started in the last hour and day."""

    organization_id: uuid.UUID
    per_hour: int
    per_day: int
    own_per_hour: int | None = None
    own_per_day: int | None = None
    used_last_hour: int
    used_last_day: int

    @classmethod
    def from_pb(cls, message: pb.GenerationQuota) -> GenerationQuotaPublic:
        return cls(
            organization_id=uuid.UUID(message.organization_id),
            per_hour=message.per_hour,
            per_day=message.per_day,
            own_per_hour=message.own_per_hour if message.HasField("own_per_hour") else None,
            own_per_day=message.own_per_day if message.HasField("own_per_day") else None,
            used_last_hour=message.used_last_hour,
            used_last_day=message.used_last_day,
        )


class GenerationQuotaUpdate(BaseModel):
    """The organization's own limits; ``null`` (or absent) returns a limit to the platform's default."""

    own_per_hour: Images | None = None
    own_per_day: Images | None = None

    def to_pb(self, organization_id: uuid.UUID) -> pb.SetGenerationQuotaRequest:
        request = pb.SetGenerationQuotaRequest(organization_id=str(organization_id))
        if self.own_per_hour is not None:
            request.per_hour = self.own_per_hour
        if self.own_per_day is not None:
            request.per_day = self.own_per_day
        return request
