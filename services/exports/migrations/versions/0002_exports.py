"""Export configurations, external integrations, product mappings and push records.

Revision ID: exports_0002
Revises: exports_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "exports_0002"
down_revision = "exports_0001"
branch_labels = None
depends_on = None


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def _scoped(table: str, *columns: sa.Column) -> None:
    """A table scoped like catalog entries: an owner, an optional organization, soft delete."""
    op.create_table(
        table,
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        *columns,
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID()),
        *_times(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index(op.f(f"ix_{table}_owner_id"), table, ["owner_id"])
    op.create_index(op.f(f"ix_{table}_organization_id"), table, ["organization_id"])


def upgrade() -> None:
    _scoped(
        "export_configurations",
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("quality", sa.Integer()),
        sa.Column("metadata_adapter", sa.Text(), nullable=False),
    )
    _scoped(
        "external_integrations",
        sa.Column("integration_type", sa.Text(), nullable=False),
        sa.Column("endpoint_url", sa.Text(), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
    )
    integration_fk = sa.ForeignKey("external_integrations.id", ondelete="CASCADE")
    op.create_table(
        "product_mappings",
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("integration_id", sa.UUID(), integration_fk, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=False),
        *_times(),
        sa.UniqueConstraint("product_id", "integration_id"),
    )
    op.create_index(op.f("ix_product_mappings_product_id"), "product_mappings", ["product_id"])
    op.create_index(op.f("ix_product_mappings_integration_id"), "product_mappings", ["integration_id"])
    op.create_table(
        "push_records",
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column("revision_id", sa.UUID(), nullable=False),
        sa.Column("shot_id", sa.UUID(), nullable=False),
        sa.Column("production_request_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column(
            "integration_id", sa.UUID(), sa.ForeignKey("external_integrations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="PENDING", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_message", sa.Text()),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=False),
        sa.Column("worker", sa.Text()),
        sa.Column("pushed_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        *_times(),
    )
    op.create_index(op.f("ix_push_records_revision_id"), "push_records", ["revision_id"])
    op.create_index(op.f("ix_push_records_integration_id"), "push_records", ["integration_id"])
    op.create_index(
        "uq_push_records_live",
        "push_records",
        ["revision_id", "integration_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'FAILED'"),
    )


def downgrade() -> None:
    for table in ("push_records", "product_mappings", "external_integrations", "export_configurations"):
        op.drop_table(table)
