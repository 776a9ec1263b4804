"""The request ledger: creating calls made for an Idempotency-Key take effect once
(platformkit.request_ledger).

Revision ID: exports_0004
Revises: exports_0003
"""

from alembic import op

from platformkit.request_ledger import create_request_ledger, drop_request_ledger

revision = "exports_0004"
down_revision = "exports_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_request_ledger(op)


def downgrade() -> None:
    drop_request_ledger(op)
