"""What the shootings context keeps of each look's outfits (fed by outfits.events).

Revision ID: shootings_0005
Revises: shootings_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "shootings_0005"
down_revision = "shootings_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "production_requests",
        sa.Column("outfit_pending_proposals", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "production_requests", sa.Column("outfit_version", sa.BigInteger(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("production_requests", "outfit_version")
    op.drop_column("production_requests", "outfit_pending_proposals")
