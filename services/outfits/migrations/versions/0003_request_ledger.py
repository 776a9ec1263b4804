"""The request ledger: creating calls made for an Idempotency-Key take effect once
(platformkit.request_ledger).

Revision ID: outfits_0003
Revises: outfits_0002
"""

from alembic import op

from platformkit.request_ledger import create_request_ledger, drop_request_ledger

revision = "outfits_0003"
down_revision = "outfits_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_request_ledger(op)


def downgrade() -> None:
    drop_request_ledger(op)
