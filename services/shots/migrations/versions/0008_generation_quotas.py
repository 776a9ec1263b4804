"""Generation quotas: what each generation cost its budget, and organizations' own budgets.

Revision ID: shots_0008_generation_quotas
Revises: shots_0007_media_lifecycle
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "shots_0008_generation_quotas"
down_revision = "shots_0007_media_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_charges",
        sa.Column("generation_id", UUID(as_uuid=True), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("charged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("generation_id", name=op.f("pk_generation_charges")),
    )
    op.create_index("ix_generation_charges_scope_charged_at", "generation_charges", ["scope", "charged_at"])
    op.create_table(
        "generation_quotas",
        sa.Column("organization_id", UUID(as_uuid=True), nullable=False),
        sa.Column("per_hour", sa.Integer(), nullable=True),
        sa.Column("per_day", sa.Integer(), nullable=True),
        sa.Column("updated_by", UUID(as_uuid=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_generation_quotas")),
    )


def downgrade() -> None:
    op.drop_table("generation_quotas")
    op.drop_index("ix_generation_charges_scope_charged_at", table_name="generation_charges")
    op.drop_table("generation_charges")
