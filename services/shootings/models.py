"""Tables of the shootings database (SQLAlchemy 2.0 declarative)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platformkit.db import new_metadata
from platformkit.messaging_tables import messaging_tables
from platformkit.request_ledger import declare_request_ledger


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
request_ledger = declare_request_ledger(Base.metadata)

UUIDList = ARRAY(UUID(as_uuid=True))


def _now_column() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


class ShootingType(Base):
    """A kind of shooting; it decides which look statuses exist (and their order)."""

    __tablename__ = "shooting_types"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(sa.Text, unique=True)
    label: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    archived: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    is_default: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    statuses: Mapped[list[StatusKey]] = relationship(
        secondary="shooting_type_statuses", order_by="StatusKey.sorting", lazy="raise"
    )


class StatusKey(Base):
    """A look/shot status key with its sorting, worst to best (RULES R130-R131)."""

    __tablename__ = "status_keys"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(sa.Text, unique=True)
    label: Mapped[str] = mapped_column(sa.Text)
    sorting: Mapped[int] = mapped_column(sa.Integer)


shooting_type_statuses = sa.Table(
    "shooting_type_statuses",
    Base.metadata,
    sa.Column("shooting_type_id", UUID(as_uuid=True), sa.ForeignKey("shooting_types.id"), primary_key=True),
    sa.Column("status_id", UUID(as_uuid=True), sa.ForeignKey("status_keys.id"), primary_key=True),
)


class Guidelines(Base):
    """A guidelines template, or (``snapshot_of`` set) a production's baked copy of one."""

    __tablename__ = "guidelines"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    subject_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")
    shot_type_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")
    pose_preset_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")
    set_design_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    stylist_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    resolution_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    background_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    export_configuration_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    generative_workflow_template_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    allow_back_shots_without_back_image: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    auto_start_look_generations: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    snapshot_of: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("guidelines.id"))
    created_at: Mapped[datetime] = _now_column()
    updated_at: Mapped[datetime] = _now_column()
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    shot_type_rules: Mapped[list[GuidelinesShotTypeRule]] = relationship(
        order_by="GuidelinesShotTypeRule.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def public(self) -> bool:
        """Templates are never public: they belong to their owner or organization."""
        return False


class GuidelinesShotTypeRule(Base):
    """One (rule_kind, rule_value) -> shot types group of a guidelines row (R28)."""

    __tablename__ = "guidelines_shot_type_rules"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    guidelines_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("guidelines.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    rule_kind: Mapped[str] = mapped_column(sa.Text)
    rule_value: Mapped[str] = mapped_column(sa.Text)
    shot_type_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")


class Shooting(Base):
    __tablename__ = "shootings"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    due_date: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    archived: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    season: Mapped[str | None] = mapped_column(sa.Text)
    collection: Mapped[str | None] = mapped_column(sa.Text)
    brand: Mapped[str | None] = mapped_column(sa.Text)
    default_guidelines_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("guidelines.id"))
    phase: Mapped[str | None] = mapped_column(sa.Text)
    require_test_shooting: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    shooting_type_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("shooting_types.id"))
    # Roll-ups over live looks and shots, kept up to date from shot events (null: none).
    status: Mapped[str | None] = mapped_column(sa.Text)
    shot_status: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = _now_column()
    updated_at: Mapped[datetime] = _now_column()
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    default_guidelines: Mapped[Guidelines | None] = relationship(lazy="joined")
    shooting_type: Mapped[ShootingType | None] = relationship(lazy="joined")

    __table_args__ = (
        # Personal lists (owner, no organization) and organization lists, newest first.
        sa.Index(
            "ix_shootings_owner_personal", "owner_id", "created_at", postgresql_where=sa.text("organization_id IS NULL")
        ),
        sa.Index("ix_shootings_organization", "organization_id", "created_at"),
    )


class Production(Base):
    """A MAIN or TEST run of a shooting, with its baked guidelines snapshot."""

    __tablename__ = "productions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("shootings.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    archived: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    guidelines_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("guidelines.id"))
    created_at: Mapped[datetime] = _now_column()
    updated_at: Mapped[datetime] = _now_column()
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # At most one live MAIN per shooting (R55), enforced by the database too.
        sa.Index(
            "uq_productions_one_live_main",
            "shooting_id",
            unique=True,
            postgresql_where=sa.text("kind = 'MAIN' AND deleted_at IS NULL"),
        ),
    )


class ShootingPhaseChange(Base):
    """Phase history: one row per phase a shooting entered (R47)."""

    __tablename__ = "shooting_phase_changes"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("shootings.id"), index=True)
    from_phase: Mapped[str | None] = mapped_column(sa.Text)
    to_phase: Mapped[str] = mapped_column(sa.Text)
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = _now_column()


class CatalogEntry(Base):
    """One entry of the reference catalog (product, subject, shot type, pose preset, set design,
    style, background preset, resolution preset, generative workflow template).

    The columns hold what every kind shares and what scoping needs; ``data`` holds the rest of the
    kind's public fields (validated by the kind's schema before they are stored). Fields that
    lists filter or sort on are read with expression indexes.
    """

    __tablename__ = "catalog_entries"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    data: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"))
    created_at: Mapped[datetime] = _now_column()
    updated_at: Mapped[datetime] = _now_column()
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ix_catalog_entries_organization", "kind", "organization_id", "created_at"),
        sa.Index(
            "ix_catalog_entries_personal",
            "kind",
            "owner_id",
            "created_at",
            postgresql_where=sa.text("organization_id IS NULL"),
        ),
        # SKUs are unique within one owner's personal catalog or one organization's (D0.5).
        sa.Index(
            "uq_catalog_entries_product_sku",
            sa.text("coalesce(organization_id::text, 'user:' || owner_id::text)"),
            sa.text("lower(data->>'sku')"),
            unique=True,
            postgresql_where=sa.text("kind = 'product' AND deleted_at IS NULL AND data->>'sku' IS NOT NULL"),
        ),
    )


def _product_set_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        Base.metadata,
        sa.Column("shooting_id", UUID(as_uuid=True), sa.ForeignKey("shootings.id"), primary_key=True),
        sa.Column("product_id", UUID(as_uuid=True), sa.ForeignKey("catalog_entries.id"), primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


# A shooting's two independent product sets (R125).
shooting_main_products = _product_set_table("shooting_main_products")
shooting_sample_products = _product_set_table("shooting_sample_products")


class Look(Base):
    """A look: one subject wearing one core product, for a set of shot types, in one production.

    ``shot_status`` and ``status`` are roll-ups kept from the shots service's events (see
    :mod:`services.shootings.consumers`), so status filters and counts are plain SQL.
    """

    __tablename__ = "looks"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("shootings.id"))
    production_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("productions.id"), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    style_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    resolution_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    background_preset_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    set_design_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    export_configuration_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    generative_workflow_template_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Tri-state: null = AUTO, true = ON, false = OFF (R73).
    use_subject_mannequin_double: Mapped[bool | None] = mapped_column(sa.Boolean)
    readiness: Mapped[str] = mapped_column(sa.Text, server_default="DRAFT")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Baked at creation from the override or the production's guidelines snapshot (R70, A49).
    pose_preset_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")
    shot_type_ids: Mapped[list[uuid.UUID]] = mapped_column(UUIDList, server_default="{}")
    instructions: Mapped[str] = mapped_column(sa.Text, server_default="")
    # THE outfit, kept by the outfits service (its id arrives with its events).
    outfit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Outfit proposals still being styled (E11 generating_count), and the outfits context's
    # version of that state: an older outfits event never overwrites a newer one.
    outfit_pending_proposals: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    outfit_version: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    shot_status: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, server_default="DRAFT")
    created_at: Mapped[datetime] = _now_column()
    updated_at: Mapped[datetime] = _now_column()
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # The kanban board: a shooting's live looks, newest first, and by status.
        sa.Index("ix_looks_board", "shooting_id", "created_at", postgresql_where=sa.text("deleted_at IS NULL")),
        sa.Index("ix_looks_status", "shooting_id", "status", postgresql_where=sa.text("deleted_at IS NULL")),
    )


class LookShot(Base):
    """Read model of one shot of a look, fed by `shots.events` (and written at look creation)."""

    __tablename__ = "look_shots"
    shot_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    look_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    shooting_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    shot_type_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(sa.Text)
    current_revision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The shots service's version of the shot: an older event never overwrites a newer state.
    version: Mapped[int] = mapped_column(sa.BigInteger)
    deleted: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
