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
