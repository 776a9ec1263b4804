"""Revisions a generation appended name the user who requested the generation as their owner
(those appended before had none).

Revision ID: shots_0006_revision_owners
Revises: shots_0005_media_scope
"""

from alembic import op

revision = "shots_0006_revision_owners"
down_revision = "shots_0005_media_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE shot_revisions AS r SET owner_id = g.created_by FROM generations AS g "
        "WHERE r.generation_id = g.id AND r.owner_id IS NULL AND g.created_by IS NOT NULL"
    )


def downgrade() -> None:
    """Nothing to undo: an owner is what the revision always should have said."""
