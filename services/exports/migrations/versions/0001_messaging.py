"""The messaging tables (outbox, processed events, broker state).

Revision ID: exports_0001
Revises:
"""

from alembic import op

from platformkit.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "exports_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
