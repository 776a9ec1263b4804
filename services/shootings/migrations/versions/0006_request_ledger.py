"""The request ledger: creating calls made for an Idempotency-Key take effect once
(platformkit.request_ledger).

Revision ID: shootings_0006
Revises: shootings_0005
"""

from alembic import op

from platformkit.request_ledger import create_request_ledger, drop_request_ledger

revision = "shootings_0006"
down_revision = "shootings_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_request_ledger(op)


def downgrade() -> None:
    drop_request_ledger(op)
