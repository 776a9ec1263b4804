"""The request ledger: creating calls made for an Idempotency-Key take effect once
(platformkit.request_ledger).

Revision ID: shots_0009_request_ledger
Revises: shots_0008_generation_quotas
"""

from alembic import op

from platformkit.request_ledger import create_request_ledger, drop_request_ledger

revision = "shots_0009_request_ledger"
down_revision = "shots_0008_generation_quotas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_request_ledger(op)


def downgrade() -> None:
    drop_request_ledger(op)
