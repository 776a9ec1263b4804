"""Organizations and their members (the reference names organizations by id only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class OrganizationCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class OrganizationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime


class OrganizationsPublic(BaseModel):
    data: list[OrganizationPublic]
    count: int


class OrganizationMemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str | None = None
    joined_at: datetime


class OrganizationWithMembers(OrganizationPublic):
    members: list[OrganizationMemberPublic] = Field(default_factory=list)


class MemberAdd(BaseModel):
    user_id: uuid.UUID
