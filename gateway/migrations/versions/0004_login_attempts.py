"""Login attempts that did not succeed, counted per account and per client address.

Revision ID: 0004_login_attempts
Revises: 0003_idempotency_keys
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_login_attempts"
down_revision: str | None = "0003_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account", sa.String(255), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_account_attempted_at", "login_attempts", ["account", "attempted_at"])
    op.create_index("ix_login_attempts_address_attempted_at", "login_attempts", ["address", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_address_attempted_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_account_attempted_at", table_name="login_attempts")
    op.drop_table("login_attempts")
