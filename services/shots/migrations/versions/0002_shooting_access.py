"""Projection of shooting ownership fed by shootings.events.

Revision ID: shots_0002
Revises: shots_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "shots_0002"
down_revision = "shots_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shooting_access",
        sa.Column("shooting_id", sa.UUID(), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shooting_id", name=op.f("pk_shooting_access")),
    )
    op.create_index(op.f("ix_shooting_access_organization_id"), "shooting_access", ["organization_id"])


def downgrade() -> None:
    op.drop_table("shooting_access")
