"""Statements SQLAlchemy 2.0 cannot cache (PostgreSQL's own insert) become cacheable text that
says the same SQL (no I/O: compiled for the asyncpg dialect the services use)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from platformkit.db import compiled_once

_TABLE = sa.Table(
    "states",
    sa.MetaData(),
    sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.Text),
    sa.Column("version", sa.BigInteger),
)


def _upsert() -> sa.Executable:
    statement = insert(_TABLE)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.id],
        set_={"status": sa.func.coalesce(statement.excluded.status, "DRAFT"), "version": statement.excluded.version},
        where=_TABLE.c.version < statement.excluded.version,
    ).returning(_TABLE.c.id)


def test_the_statement_itself_is_not_cached_but_its_text_is() -> None:
    assert _upsert()._generate_cache_key() is None  # type: ignore[attr-defined]
    text = compiled_once(_upsert(), "id", "status", "version")
    assert text._generate_cache_key() is not None


def test_the_text_says_the_same_sql_with_the_values_by_name_and_the_literals_kept() -> None:
    text = compiled_once(_upsert(), "id", "status", "version")
    compiled = text.compile(dialect=asyncpg_dialect())
    sql = str(compiled)
    assert sql.startswith("INSERT INTO states (id, status, version) VALUES ($1::UUID, $2::VARCHAR, $3::BIGINT)")
    assert "ON CONFLICT (id) DO UPDATE SET status = coalesce(excluded.status, $4::VARCHAR)" in sql
    assert sql.endswith("RETURNING states.id")
    assert "DRAFT" in compiled.params.values()


def test_what_it_returns_keeps_its_column_types() -> None:
    text = compiled_once(_upsert(), "id", "status", "version")
    [column] = text.selected_columns  # type: ignore[union-attr]
    assert isinstance(column.type, postgresql.UUID)
