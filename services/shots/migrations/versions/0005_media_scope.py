"""Media another context names (outfit references) remember the shooting they were named for:
it scopes who may name them again, and keeps revision deletions from detaching them.

Revision ID: shots_0005_media_scope
Revises: shots_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "shots_0005_media_scope"
down_revision = "shots_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("media_objects", sa.Column("shooting_id", sa.UUID(), nullable=True))
    op.create_index(op.f("ix_media_objects_shooting_id"), "media_objects", ["shooting_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_media_objects_shooting_id"), table_name="media_objects")
    op.drop_column("media_objects", "shooting_id")
