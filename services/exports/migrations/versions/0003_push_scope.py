"""Push records keep whose shooting they belong to, so reads are checked against it.

Revision ID: exports_0003
Revises: exports_0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "exports_0003"
down_revision: str | None = "exports_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("push_records", sa.Column("shooting_owner_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.add_column("push_records", sa.Column("shooting_organization_id", postgresql.UUID(as_uuid=True), nullable=True))


def downgrade() -> None:
    op.drop_column("push_records", "shooting_organization_id")
    op.drop_column("push_records", "shooting_owner_id")
