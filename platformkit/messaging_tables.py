"""The tables every service database carries for reliable messaging.

- ``outbox``: events written in the same transaction as the state change; the relay
  publishes them and stamps ``published_at``.
- ``processed_events``: (consumer, event id) pairs recorded in the same transaction as a
  consumer's effect, so a redelivered event changes nothing.
- ``broker_state``: what this service last knew of the broker (its epoch), to notice a broker
  that came back empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    processed_events: sa.Table
    broker_state: sa.Table


def _columns() -> dict[str, list[sa.Column]]:  # type: ignore[type-arg]
    return {
        "outbox": [
            sa.Column("id", UUID(as_uuid=True), primary_key=True),
            sa.Column("topic", sa.Text, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("event_type", sa.Text, nullable=False),
            sa.Column("payload", sa.LargeBinary, nullable=False),
            sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_error", sa.Text, nullable=True),
        ],
        "processed_events": [
            sa.Column("consumer", sa.Text, primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        ],
        "broker_state": [
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        ],
    }


# The relay scans unpublished rows in write order; a partial index keeps that scan small.
_UNPUBLISHED_INDEX = ("ix_outbox_unpublished", "outbox", ["created_at"], "published_at IS NULL")


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Declare the messaging tables on a service's metadata."""
    tables = {name: sa.Table(name, metadata, *cols) for name, cols in _columns().items()}
    name, table, cols, where = _UNPUBLISHED_INDEX
    sa.Index(name, *(tables[table].c[c] for c in cols), postgresql_where=sa.text(where))
    return MessagingTables(**tables)


def create_messaging_tables(op) -> None:  # type: ignore[no-untyped-def]
    """Migration step shared by every service's first revision."""
    for name, cols in _columns().items():
        op.create_table(name, *cols)
    name, table, cols, where = _UNPUBLISHED_INDEX
    op.create_index(name, table, cols, postgresql_where=sa.text(where))


def drop_messaging_tables(op) -> None:  # type: ignore[no-untyped-def]
    for name in reversed(list(_columns())):
        op.drop_table(name)
