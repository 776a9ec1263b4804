"""One-row reads on the hottest request paths, executed on asyncpg directly.

The shooting header is one statement reading one row. Through SQLAlchemy (session, engine,
execution context, the greenlet bridge, result processing) it cost the shootings service 0.35-0.55
ms of CPU more per call than the same statement on an asyncpg connection, more than the round
trip itself (`make bench`'s stack, c=1: 1.32-1.54 -> 0.95 ms per header). The statements stay
SQLAlchemy Core, written against the models' tables and compiled once for asyncpg's dialect;
asyncpg prepares each once per connection. Like every other statement they are counted by origin
(``db_statements_total``) and traced when spans are exported.

For statements whose parameters and columns need no SQLAlchemy type processing (UUIDs, text,
numbers, booleans, timestamps, arrays of those: asyncpg's own codecs read them as SQLAlchemy
would). Reads only: the pool runs in autocommit, each statement sees what was committed when it
started, as :func:`platformkit.db.read_only` sessions do.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from platformkit.db import asyncpg_dsn
from platformkit.metrics import count_statement

_DIALECT = asyncpg_dialect.dialect()
_tracer = trace.get_tracer(__name__)


@dataclass(frozen=True)
class DirectRead:
    """A Core statement compiled once for asyncpg: its SQL, the names of its ``$n`` parameters in
    order, and the values of the literals it holds."""

    sql: str
    parameters: tuple[str, ...]
    literals: Mapping[str, Any]

    @classmethod
    def of(cls, statement: sa.Select[Any]) -> DirectRead:
        compiled = statement.compile(dialect=_DIALECT)
        parameters = tuple(compiled.positiontup or ())
        binds = {name: compiled.binds[name] for name in parameters}
        literals = {name: bind.value for name, bind in binds.items() if not bind.required}
        return cls(str(compiled), parameters, literals)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The statement's arguments in order; a missing value is a programming error (KeyError)."""
        return [values[name] if name in values else self.literals[name] for name in self.parameters]


class RecordRow:
    """An asyncpg record read by attribute, as a SQLAlchemy row is."""

    __slots__ = ("_record",)

    def __init__(self, record: asyncpg.Record) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None


class RowReader:
    """A small asyncpg pool for :class:`DirectRead` statements, opened on first use (most
    processes never read this way) and closed with the service."""

    def __init__(self, database_url: str, *, max_size: int) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _connections(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._max_size,
                    # The default reset is a round trip on every release (unlocks, CLOSE ALL, RESET
                    # ALL), and the default idle timer is rearmed on every release: reads that change
                    # no session state need neither.
                    reset=_nothing_to_reset,
                    max_inactive_connection_lifetime=0,
                )
        return self._pool

    async def first(self, read: DirectRead, **values: Any) -> RecordRow | None:
        """The statement's first row, or ``None``."""
        pool = self._pool or await self._connections()
        count_statement()
        with _span(read):
            record = await pool.fetchrow(read.sql, *read.arguments(values))
        return None if record is None else RecordRow(record)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """A single SELECT in autocommit leaves no session state behind (no SET, LISTEN, lock or cursor)."""


@contextlib.contextmanager
def _span(read: DirectRead) -> Iterator[None]:
    """A client span for the statement when the call's trace is recorded (no cost otherwise)."""
    if not trace.get_current_span().is_recording():
        yield
        return
    attributes = {"db.system": "postgresql", "db.statement": read.sql}
    with _tracer.start_as_current_span(read.sql.split(None, 1)[0], kind=trace.SpanKind.CLIENT, attributes=attributes):
        yield
