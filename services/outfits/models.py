"""Tables of the outfits database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from platformkit.db import new_metadata
from platformkit.messaging_tables import messaging_tables
from platformkit.request_ledger import declare_request_ledger


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
request_ledger = declare_request_ledger(Base.metadata)


class Look(Base):
    """Projection of a look, fed by `shootings.events`, plus THE outfit this context keeps for it.

    Owner and organization follow the look's shooting (a transfer moves them), so every outfit
    call is scoped here without a call to the shootings service. ``version`` grows with every
    change of the look's outfits and orders the `outfits.events` other contexts apply.
    """

    __tablename__ = "looks"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    shooting_deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # The source's updated_at of the look snapshot: an older snapshot never wins.
    source_updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    outfit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")


class Outfit(Base):
    """An outfit of a look: THE outfit when ``looks.outfit_id`` names it, else a proposal.

    ``outfit_ref_imgs`` keeps the references as the client gave them (URL strings or MediaInput
    objects); ``generation_status`` is set on styled proposals only.
    """

    __tablename__ = "outfits"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    look_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("looks.id"), index=True)
    outfit_ref_imgs: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))
    outfit_instruction: Mapped[str | None] = mapped_column(sa.Text)
    outfit_product_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), server_default="{}")
    generation_status: Mapped[str | None] = mapped_column(sa.Text)
    generation_error: Mapped[str | None] = mapped_column(sa.Text)
    retry_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        # E15: THE outfits containing a product (array containment).
        sa.Index("ix_outfits_product_ids", "outfit_product_ids", postgresql_using="gin"),
    )
