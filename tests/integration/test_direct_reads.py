"""One-row reads on asyncpg directly (platformkit.direct_reads) against real PostgreSQL: they read
what SQLAlchemy reads for the same statement, value for value and type for type, and count as
statements of the request that sent them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from platformkit import metrics
from platformkit.db import create_engine
from platformkit.direct_reads import DirectRead, RowReader

_TABLE = sa.Table(
    "direct_things",
    sa.MetaData(),
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("size", sa.BigInteger),
    sa.Column("done", sa.Boolean),
    sa.Column("due", sa.DateTime(timezone=True)),
    sa.Column("tags", ARRAY(UUID(as_uuid=True))),
    sa.Column("gone", sa.DateTime(timezone=True)),
)
# A literal next to the parameter (a made-up bind name in the compiled SQL).
_LIVE_THING = sa.select(_TABLE).where(_TABLE.c.id == sa.bindparam("thing_id"), _TABLE.c.name != "hidden")


async def test_a_direct_read_returns_what_sqlalchemy_reads_and_counts_as_a_statement(
    new_database: Callable[[str], str],
) -> None:
    url = new_database("direct")
    engine = create_engine(url, pool_size=1)
    rows = RowReader(url, max_size=2)
    things = [
        {"id": uuid.uuid4(), "name": "full", "size": 2**40, "done": True, "due": datetime(2026, 1, 2, 3, 4, 5, 6, UTC)},
        {"id": uuid.uuid4(), "name": "hidden", "size": 1, "done": False, "due": None},
    ]
    things[0] |= {"tags": [uuid.uuid4(), uuid.uuid4()], "gone": None}
    things[1] |= {"tags": [], "gone": datetime(2026, 5, 6, tzinfo=UTC)}
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_TABLE.metadata.create_all)
            await connection.execute(_TABLE.insert(), things)
            expected = (await connection.execute(_LIVE_THING, {"thing_id": things[0]["id"]})).one()
        read = DirectRead.of(_LIVE_THING)
        origin = "/tests.v1.Direct/Read"
        statements = metrics.db_statements(origin)
        before = statements._value.get()
        metrics._origin.set(origin)

        found = await rows.first(read, thing_id=things[0]["id"])
        assert found is not None
        for column in _TABLE.c:
            value = getattr(found, column.key)
            assert (value, type(value)) == (getattr(expected, column.key), type(getattr(expected, column.key)))
        assert await rows.first(read, thing_id=things[1]["id"]) is None  # the literal applies
        assert await rows.first(read, thing_id=uuid.uuid4()) is None
        assert statements._value.get() == before + 3

        await rows.close()  # and opened again by the next read
        assert (await rows.first(read, thing_id=things[0]["id"])).name == "full"
    finally:
        metrics._origin.set(metrics.BACKGROUND)
        await rows.close()
        await engine.dispose()
