"""Tables of the shots database."""

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
    # Null only for a shot created without one (E37 allows it).
    shot_type_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    pose_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rework_available: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    rework_used: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    status: Mapped[str] = mapped_column(sa.Text, server_default="PENDING", index=True)
    current_revision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Bumped by every change; events carry it so consumers never apply an older state over a newer one.
    version: Mapped[int] = mapped_column(sa.BigInteger, server_default="1")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Revision(Base):
    """One version of a shot's image set. Revisions form a chain through ``previous_revision_id``;
    only chain tips may be deleted (R145; the foreign key backs the check up)."""

    __tablename__ = "shot_revisions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shot_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("shots.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    shot_status: Mapped[str] = mapped_column(sa.Text)
    shot_revision_status: Mapped[str | None] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    previous_revision_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("shot_revisions.id"), index=True
    )
    # The generation whose predictions it holds: unique, so a redelivered job can never append twice.
    generation_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class MediaObject(Base):
    """A stored file (platformkit.media) that revision images point at; detached, not deleted,
    when its last image goes (R143): the media sweep removes the bytes and the row once the grace
    period has passed and nothing names it again (:mod:`services.shots.media_sweep`)."""

    __tablename__ = "media_objects"
    __table_args__ = (
        sa.Index("ix_media_objects_detached_at", "detached_at", postgresql_where=sa.text("detached_at IS NOT NULL")),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(sa.Text, unique=True)
    content_type: Mapped[str] = mapped_column(sa.Text)
    file_size: Mapped[int] = mapped_column(sa.BigInteger)
    content_hash: Mapped[str] = mapped_column(sa.Text)
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    extension: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    detached_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The shooting another context named it for (an outfit reference). The shots service cannot
    # follow that use, so such media are never detached; revision images and predictions reach
    # their shooting through their shot.
    shooting_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)


class UploadSlot(Base):
    """An object stored before anything names it: an upload URL handed out (E44), inline image data
    the gateway stored for a revision, a prediction's image before its revision commits. Naming
    the object (its media row) consumes the slot; a slot still there after the grace period is
    abandoned, and the media sweep deletes its object."""

    __tablename__ = "upload_slots"
    key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    # Who asked for it (null: the platform itself, for predictions).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)


class RevisionImage(Base):
    __tablename__ = "shot_revision_images"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shot_revision_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("shot_revisions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    source_type: Mapped[str] = mapped_column(sa.Text)
    prediction_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    refine_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    image_url: Mapped[str | None] = mapped_column(sa.Text)
    sketch_image_url: Mapped[str | None] = mapped_column(sa.Text)
    # Indexed: the media sweep asks, per detached media object, whether an image still names it.
    image_media_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("media_objects.id", ondelete="SET NULL"), index=True
    )
    sketch_image_media_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("media_objects.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)
    autogenerated: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class RevisionPushRef(Base):
    """Push records the exports context holds for a revision (A59: they block a restore that
    would delete it). Filled from the exports context's push events."""

    __tablename__ = "revision_push_refs"
    revision_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("shot_revisions.id", ondelete="CASCADE"), primary_key=True
    )
    push_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class Generation(Base):
    """One generation job: PENDING -> PROCESSING -> COMPLETED | FAILED. Its id is the idempotency
    key of the work item on ``generation.requests``."""

    __tablename__ = "generations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shot_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("shots.id", ondelete="CASCADE"), index=True
    )
    production_request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(sa.Text, server_default="PENDING")
    error: Mapped[str | None] = mapped_column(sa.Text)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    model_id: Mapped[str | None] = mapped_column(sa.Text)
    # GenerationInputs as JSON: what the worker renders from.
    inputs: Mapped[dict[str, object]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    worker: Mapped[str | None] = mapped_column(sa.Text)
    revision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Prediction(Base):
    """One image of a generation, with its own seed."""

    __tablename__ = "predictions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    generation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("generations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.Text, server_default="PENDING")
    # Indexed: a prediction keeps its image (the generation shows it) until the shot goes.
    media_key: Mapped[str | None] = mapped_column(sa.Text, index=True)


class LookProjection(Base):
    """Each look's product and deletion, fed by the look events on `shootings.events`: what the
    product filter of GET /shots/ needs, and what hides the shots of a deleted look."""

    __tablename__ = "look_projection"
    look_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    source_updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class GenerationCharge(Base):
    """The images one generation cost its budget: the organization's, or its owner's for a
    personal shooting (``scope``: ``organization:<id>`` or ``user:<id>``). Kept a day, the
    longest window counted; a generation deleted later still counts (budgets are spent at start)."""

    __tablename__ = "generation_charges"
    __table_args__ = (sa.Index("ix_generation_charges_scope_charged_at", "scope", "charged_at"),)
    generation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.Text)
    images: Mapped[int] = mapped_column(sa.Integer)
    charged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class GenerationQuota(Base):
    """An organization's own generation budgets in images, set by an admin; unset limits (and
    organizations without a row) use the platform's defaults."""

    __tablename__ = "generation_quotas"
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    per_hour: Mapped[int | None] = mapped_column(sa.Integer)
    per_day: Mapped[int | None] = mapped_column(sa.Integer)
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
