"""DirectRead compiles a Core statement once for asyncpg: ``$n`` parameters in the order asyncpg
takes them (a name used twice is one parameter), literals kept with their values (no I/O)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from platformkit.direct_reads import DirectRead, RecordRow

_TABLE = sa.table("things", sa.column("id"), sa.column("owner"), sa.column("size", sa.Integer))


def test_parameters_come_in_order_once_each_with_the_literals_filled_in():
    statement = (
        sa.select(_TABLE.c.id)
        .where(_TABLE.c.owner == sa.bindparam("who"), _TABLE.c.size > 5, _TABLE.c.id != sa.bindparam("who"))
        .limit(1)
    )
    read = DirectRead.of(statement)
    assert read.sql.count("$1") == 2 and "$4" not in read.sql
    assert read.parameters[0] == "who"
    assert read.arguments({"who": "ana"}) == ["ana", 5, 1]


def test_a_missing_value_is_an_error_not_a_null():
    read = DirectRead.of(sa.select(_TABLE.c.id).where(_TABLE.c.id == sa.bindparam("thing_id")))
    with pytest.raises(KeyError):
        read.arguments({})


def test_a_record_row_reads_columns_by_attribute_and_refuses_others():
    row = RecordRow({"id": 7, "owner": None})  # a mapping stands in for asyncpg's Record
    assert (row.id, row.owner) == (7, None)
    with pytest.raises(AttributeError):
        _ = row.size
