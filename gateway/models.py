"""The gateway's own tables: identity (users, organizations, memberships) and the edge's safety
records (idempotency keys, failed logins).

Other contexts refer to users and organizations by id; those ids travel to them inside the
``common.v1.Principal`` of every call, never through a shared database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from platformkit.db import new_metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Timestamps:
    """Set in Python so a freshly flushed object carries them (no lazy refresh in async code);
    the server defaults cover rows written by anything else."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class User(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Stored lower-cased (see gateway.schemas.users.Email): one address, one account.
    email: Mapped[str] = mapped_column(String(255), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Whether the user may ask for reworks of shots.
    rework_available: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Default export configuration (owned by the exports service, referenced by id only).
    export_configuration_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Organization(Timestamps, Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255))


class OrganizationMember(Base):
    __tablename__ = "organization_members"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed: every authenticated request looks up the caller's organizations.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class IdempotencyRecord(Base):
    """One ``Idempotency-Key`` of one user: the request it was first used with and, once that
    request finished, its answer (replayed to every repeat until ``expires_at``).

    ``state`` is ``running`` while an attempt holds the key (``attempt`` names it, until
    ``locked_until``: a gateway that died mid-request leaves a lease a later repeat may take over)
    and ``done`` once the answer is stored."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # sha256 of the method, path with query and body: a repeat must be the same request.
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[uuid.UUID] = mapped_column(Uuid)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSONB)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Indexed: the housekeeping job deletes expired keys by it.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginAttempt(Base):
    """One login attempt that has not succeeded: recorded before the password is checked (so
    parallel guesses all count), kept when the password was wrong, deleted with the account's
    others when one succeeds. Counted per account and per client address within the window."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_attempted_at", "account", "attempted_at"),
        Index("ix_login_attempts_address_attempted_at", "address", "attempted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # The email as typed, lower-cased: accounts that do not exist are counted the same way.
    account: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
