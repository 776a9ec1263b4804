"""Looks projection and outfits.

Revision ID: outfits_0002
Revises: outfits_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "outfits_0002"
down_revision = "outfits_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "looks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("shooting_id", sa.UUID(), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("product_id", sa.UUID(), nullable=True),
        sa.Column("subject_id", sa.UUID(), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shooting_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outfit_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_looks")),
    )
    op.create_index(op.f("ix_looks_shooting_id"), "looks", ["shooting_id"])
    op.create_index(op.f("ix_looks_organization_id"), "looks", ["organization_id"])
    op.create_table(
        "outfits",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("look_id", sa.UUID(), nullable=False),
        sa.Column("outfit_ref_imgs", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("outfit_instruction", sa.Text(), nullable=True),
        sa.Column("outfit_product_ids", ARRAY(sa.UUID()), server_default="{}", nullable=False),
        sa.Column("generation_status", sa.Text(), nullable=True),
        sa.Column("generation_error", sa.Text(), nullable=True),
        sa.Column("retry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["look_id"], ["looks.id"], name=op.f("fk_outfits_look_id_looks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfits")),
    )
    op.create_index(op.f("ix_outfits_look_id"), "outfits", ["look_id"])
    op.create_index("ix_outfits_product_ids", "outfits", ["outfit_product_ids"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("outfits")
    op.drop_table("looks")
