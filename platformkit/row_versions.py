"""Versions of what a read returned, from the rows' own version identity.

A row version in PostgreSQL is identified by where it lies (``ctid``) and the transaction that
wrote it (``xmin``): every INSERT and UPDATE writes a new version with a new pair, a DELETE takes
one away, and a lock (``FOR UPDATE``) writes none. So the sum of a 64-bit hash of each pair over
the rows a read returns changes whenever one of them is written, and the count changes whenever one
appears or goes; only committed versions are visible, so a version never names a change that is
not there yet. The sum is 64 bits wide: two different sets of rows give the same value with a
probability of 2**-64. A VACUUM FULL moves every row, which changes the versions without any
content change: a spurious difference, never a missed one.

Services answer these versions for the rows behind their board reads (``Get*Version`` calls), and
the gateway keeps an answer only while every version it was made from is unchanged
(:mod:`gateway.board_cache`). Those statements are built once, with parameters, and read through
:mod:`platformkit.direct_reads`: building and keying a statement of this size per call cost more
CPU than running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from platformkit.direct_reads import DirectRead, RowReader


def rows_version(table: sa.TableClause, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    """``'<count>:<sum of the row versions' hashes>'`` of the rows of ``table`` matching ``where``;
    never correlated to an enclosing statement (a version covers its own rows, whatever reads it)."""
    # A hash of where the version lies, seeded with the transaction that wrote it: half the CPU of
    # hashing the two as text (0.14 against 0.29 ms per thousand rows).
    where_it_lies = sa.literal_column(f'"{table.name}".ctid')
    written_by = sa.literal_column(f'"{table.name}".xmin::text::bigint', sa.BigInteger)
    total = sa.func.coalesce(sa.func.sum(sa.func.hashtidextended(where_it_lies, written_by)), 0)
    value = sa.cast(sa.func.count(), sa.Text) + ":" + sa.cast(total, sa.Text)
    return sa.select(value).select_from(table).where(*where).correlate(None).scalar_subquery()


def versions(*parts: sa.ScalarSelect[Any]) -> sa.ColumnElement[str]:
    """Every part's version joined in one text: the version of all of them."""
    return sa.func.concat_ws("/", *parts, type_=sa.Text)


def version_read(*parts: sa.ScalarSelect[Any], ctes: Sequence[sa.CTE] = ()) -> DirectRead:
    """A statement answering :func:`versions` of ``parts`` (one row, one column), built once; the
    sets ``ctes`` name are computed once for all the parts that read them."""
    return DirectRead.of(sa.select(versions(*parts).label("version")).add_cte(*ctes))


async def read_version(rows: RowReader, read: DirectRead, **values: Any) -> str:
    """What a :func:`version_read` answers for ``values``."""
    row = await rows.first(read, **values)
    assert row is not None  # an aggregate answers one row
    return str(row.version)
