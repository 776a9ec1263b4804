"""Async SQLAlchemy engine and sessions, and Alembic migrations per service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from platformkit.metrics import count_statement
from platformkit.request_ledger import running_claim

# Stable constraint names so that Alembic autogenerate and hand-written migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata for one service's tables (each service declares its own declarative base on it)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine whose statements are counted by origin (``db_statements_total``, see metrics).

    A pooled connection the server closed (a restart, a failover) is noticed at checkout without a
    round trip: asyncpg sees the socket close. SQLAlchemy's ``pool_pre_ping`` would instead send
    BEGIN, an empty query and ROLLBACK on every checkout, three round trips per request on paths
    whose work is one statement. A connection that dies silently fails its first statement (a 503,
    ``platformkit.transient``) and the pool then replaces every connection it holds.
    """
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # A restarted PostgreSQL invalidates every pooled connection; recycle keeps them fresh.
        pool_recycle=1800,
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same pool in autocommit mode, for reads: no BEGIN and ROLLBACK around them (two round
    trips each). Each statement sees the data committed when it starts, as it would inside a READ
    COMMITTED transaction anyway. Never write through it: nothing would be atomic."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain PostgreSQL URL asyncpg connects with, from the engine's URL."""
    return sa.make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any exception. In a replayable call
    the call's request ledger commits it, with the call's answer (:mod:`platformkit.request_ledger`)."""
    claim = running_claim()
    if claim is not None:
        async with claim.transaction(sessions) as session:
            yield session
        return
    async with sessions() as session, session.begin():
        yield session


def any_of(column: sa.ColumnElement[Any], values: Iterable[Any] | sa.BindParameter[Any]) -> sa.ColumnElement[bool]:
    """``column = ANY($1)`` with the values as one array parameter. ``IN`` renders a parameter per
    value, so every list length is another statement text: compiled again by SQLAlchemy, prepared
    again by asyncpg. This one is prepared once per connection, whatever the page holds. A
    statement built once takes the values later: ``values`` is then an :func:`array_parameter`."""
    array = values if isinstance(values, sa.BindParameter) else sa.literal(list(values), ARRAY(column.type))
    return column == sa.any_(array)


def array_parameter(name: str, column: sa.ColumnElement[Any]) -> sa.BindParameter[Any]:
    """A parameter ``name`` holding an array of ``column``'s values (for :func:`any_of`)."""
    return sa.bindparam(name, type_=ARRAY(column.type))


# Renders ``:name`` parameters without casts (``:id::UUID`` is no parameter to text()); asyncpg's
# dialect adds the casts again when it compiles the text, from the parameters' types.
_TEXT_DIALECT = postgresql.dialect(paramstyle="named")
_TEXT_DIALECT.bind_typing = BindTyping.NONE


def compiled_once(statement: Any, *column_keys: str) -> sa.TextClause | sa.TextualSelect:
    """``statement`` compiled once into text that SQLAlchemy's statement cache keeps.

    SQLAlchemy 2.0 does not cache PostgreSQL's own ``insert`` (``ON CONFLICT``, sqlalchemy#10445):
    such a statement is compiled anew on every execution, which cost more CPU than the round trip
    in the consumers, where one runs for every record. ``column_keys`` name the values the
    statement is executed with (``session.execute(text, {"key": value, ...})``); the literals it
    holds stay bound with their types, and what it returns keeps its columns' types."""
    compiled = statement.compile(dialect=_TEXT_DIALECT, column_keys=list(column_keys))
    # By the name each parameter got in the text (a literal's is made up: ``coalesce_1``).
    binds = [sa.bindparam(compiled.bind_names[bind], bind.value, type_=bind.type) for bind in compiled.binds.values()]
    text = sa.text(str(compiled)).bindparams(*binds)
    returning = getattr(statement, "_returning", ())
    return text.columns(*returning) if returning else text
