"""Tables of the exports database."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from platformkit.db import new_metadata
from platformkit.messaging_tables import messaging_tables
from platformkit.request_ledger import declare_request_ledger


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
request_ledger = declare_request_ledger(Base.metadata)


class ExportConfiguration(Base):
    """How exports render: format, quality, metadata adapter. Scoped like catalog entries and
    soft deleted (references then fall back to the next configuration)."""

    __tablename__ = "export_configurations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    format: Mapped[str] = mapped_column(sa.Text)
    quality: Mapped[int | None] = mapped_column(sa.Integer)
    metadata_adapter: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ExternalIntegration(Base):
    """A receiver of pushes (a webhook, OVS). Its secret signs pushes and confirmations; it is
    stored encrypted (:mod:`services.exports.secret_box`) and never leaves this service."""

    __tablename__ = "external_integrations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    integration_type: Mapped[str] = mapped_column(sa.Text)
    endpoint_url: Mapped[str] = mapped_column(sa.Text)
    secret_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ProductMapping(Base):
    """A product's id in one integration's system: one per (product, integration). It takes the
    product's scope, so it is seen by whoever sees the product."""

    __tablename__ = "product_mappings"
    __table_args__ = (sa.UniqueConstraint("product_id", "integration_id"),)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    integration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("external_integrations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PushRecord(Base):
    """One push of one revision to one integration: PENDING -> IN_PROGRESS -> COMPLETED |
    AWAITING_CONFIRMATION (-> COMPLETED | FAILED) | FAILED. Its id is the idempotency key of the
    work item on ``export.pushes``. ``payload`` is the snapshot taken at export time (image
    source, render spec, metadata), so the worker needs no other service.

    At most one push per (revision, integration) that is not FAILED: the partial unique index is
    what makes two concurrent exports of one revision create it once."""

    __tablename__ = "push_records"
    __table_args__ = (
        sa.Index(
            "uq_push_records_live",
            "revision_id",
            "integration_id",
            unique=True,
            postgresql_where=sa.text("status <> 'FAILED'"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    revision_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    shot_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    production_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    integration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("external_integrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.Text, server_default="PENDING")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Whose shooting the revision belonged to when it was exported: who may read the record
    # (ListPushRecords checks it here instead of trusting the caller). Null on records made
    # before it was kept: their creator and admins read them.
    shooting_owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    shooting_organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    worker: Mapped[str | None] = mapped_column(sa.Text)
    pushed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
