"""Tables of the shots database."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from platformkit.db import new_metadata
from platformkit.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)


class ShootingAccess(Base):
    """Local projection of who owns each shooting, fed by `shootings.events`.

    Shots are scoped by their shooting's owner and organization; keeping that here lets the
    shots service authorise and filter without a call to the shootings service per request.
    """

    __tablename__ = "shooting_access"
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # The source's updated_at: an older snapshot never overwrites a newer one.
    source_updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Shot(Base):
    """One shot type of one look. Its status is its current revision's shot_status (PENDING before any)."""

    __tablename__ = "shots"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    production_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    shot_type_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    pose_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rework_available: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    rework_used: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    status: Mapped[str] = mapped_column(sa.Text, server_default="PENDING")
    current_revision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Bumped by every change; events carry it so consumers never apply an older state over a newer one.
    version: Mapped[int] = mapped_column(sa.BigInteger, server_default="1")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
