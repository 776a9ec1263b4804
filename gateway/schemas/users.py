"""Users as the API shows them.

The reference's ``UserSummary.role`` is a ``RolePublic`` ``{id, name: RoleName, description}``;
RoleName's values are unspecified there, so the platform fixes them (D0.1): ``ADMIN`` for
superusers and ``USER`` otherwise, derived from ``is_superuser`` with fixed ids rather than stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, computed_field, model_validator

from gateway.schemas.common import NotNull

# Addresses compare case-insensitively: stored and looked up lower-cased.
Email = Annotated[EmailStr, Field(max_length=255), AfterValidator(str.lower)]
Password = Annotated[str, Field(min_length=8, max_length=128)]
FullName = Annotated[str, Field(max_length=255)]


class RoleName(StrEnum):
    ADMIN = "ADMIN"
    USER = "USER"


class RolePublic(BaseModel):
    id: uuid.UUID
    name: RoleName
    description: str | None = None


_ROLE_NAMESPACE = uuid.UUID("5d6f3c1e-8a0b-4c59-9d7e-2f1a6b3c4d5e")
ROLES = {
    RoleName.ADMIN: RolePublic(
        id=uuid.uuid5(_ROLE_NAMESPACE, "ADMIN"), name=RoleName.ADMIN, description="Administrator (superuser)"
    ),
    RoleName.USER: RolePublic(id=uuid.uuid5(_ROLE_NAMESPACE, "USER"), name=RoleName.USER, description="User"),
}


def role_of(is_superuser: bool) -> RolePublic:
    return ROLES[RoleName.ADMIN if is_superuser else RoleName.USER]


class UserSummary(BaseModel):
    """The reference's UserSummary (assignees, revision owners): build with ``model_validate(user)``."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str | None = None
    is_superuser: bool = Field(default=False, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role(self) -> RolePublic:
        return role_of(self.is_superuser)

    @model_validator(mode="before")
    @classmethod
    def _role_read_back(cls, data: Any) -> Any:
        """A summary read back from its own JSON (which shows ``role``, not ``is_superuser``) keeps
        its role: answers are shaped as JSON first (gateway.answers), then validated where needed."""
        if isinstance(data, dict) and "is_superuser" not in data and isinstance(data.get("role"), dict):
            return {**data, "is_superuser": data["role"].get("name") == RoleName.ADMIN}
        return data


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    email: str
    full_name: str | None = None
    is_active: bool
    is_superuser: bool
    rework_available: bool
    export_configuration_id: uuid.UUID | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role(self) -> RolePublic:
        return role_of(self.is_superuser)


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserCreate(BaseModel):
    email: Email
    password: Password
    full_name: FullName | None = None
    is_superuser: bool = False
    is_active: bool = True
    rework_available: bool = False
    export_configuration_id: uuid.UUID | None = None


class UserUpdateMe(BaseModel):
    """What users may change about themselves (the password has its own endpoint)."""

    full_name: FullName | None = None
    email: Annotated[Email | None, NotNull] = None
    export_configuration_id: uuid.UUID | None = None


class UserUpdate(UserUpdateMe):
    """What an admin may change about anyone."""

    password: Annotated[Password | None, NotNull] = None
    is_active: Annotated[bool | None, NotNull] = None
    is_superuser: Annotated[bool | None, NotNull] = None
    rework_available: Annotated[bool | None, NotNull] = None


class UpdatePassword(BaseModel):
    current_password: Annotated[str, Field(max_length=128)]
    new_password: Password
