"""Media lifecycle: upload slots (objects stored before anything names them) and the indexes the
media sweep reads by.

Revision ID: shots_0007_media_lifecycle
Revises: shots_0006_revision_owners
"""

import sqlalchemy as sa
from alembic import op

revision = "shots_0007_media_lifecycle"
down_revision = "shots_0006_revision_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_slots",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("owner_id", sa.UUID()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index(op.f("ix_upload_slots_created_at"), "upload_slots", ["created_at"])
    op.create_index(
        "ix_media_objects_detached_at",
        "media_objects",
        ["detached_at"],
        postgresql_where=sa.text("detached_at IS NOT NULL"),
    )
    op.create_index(op.f("ix_shot_revision_images_image_media_id"), "shot_revision_images", ["image_media_id"])
    op.create_index(
        op.f("ix_shot_revision_images_sketch_image_media_id"), "shot_revision_images", ["sketch_image_media_id"]
    )
    op.create_index(op.f("ix_predictions_media_key"), "predictions", ["media_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_predictions_media_key"), table_name="predictions")
    op.drop_index(op.f("ix_shot_revision_images_sketch_image_media_id"), table_name="shot_revision_images")
    op.drop_index(op.f("ix_shot_revision_images_image_media_id"), table_name="shot_revision_images")
    op.drop_index("ix_media_objects_detached_at", table_name="media_objects")
    op.drop_index(op.f("ix_upload_slots_created_at"), table_name="upload_slots")
    op.drop_table("upload_slots")
