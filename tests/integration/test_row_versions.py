"""Row versions (platformkit.row_versions) against real PostgreSQL: every write to a matching row,
and every row that appears or goes, gives another version; reads, locks and writes to other rows
do not; a write not committed yet is not seen."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from platformkit.db import create_engine
from platformkit.row_versions import rows_version, versions

_THINGS = sa.Table(
    "versioned_things",
    sa.MetaData(),
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("box", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
)


async def test_a_version_changes_with_every_write_to_the_rows_it_covers_and_only_then(
    new_database: Callable[[str], str],
) -> None:
    engine = create_engine(new_database("versions"), pool_size=2)
    in_box = sa.select(versions(rows_version(_THINGS, _THINGS.c.box == "a")))
    one, two, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_THINGS.metadata.create_all)
            empty = await connection.scalar(in_box)
            await connection.execute(
                sa.insert(_THINGS), [{"id": one, "box": "a"}, {"id": two, "box": "a"}, {"id": other, "box": "b"}]
            )

        async def version() -> str:
            async with engine.connect() as connection:
                return str(await connection.scalar(in_box))

        seen = [empty, await version()]
        assert seen[0] == "0:0" and seen[1].startswith("2:")
        # Reads, row locks and writes to rows outside the box leave the version as it is.
        async with engine.begin() as connection:
            await connection.execute(sa.select(_THINGS).where(_THINGS.c.box == "a").with_for_update())
            await connection.execute(sa.update(_THINGS).where(_THINGS.c.id == other).values(name="elsewhere"))
        assert await version() == seen[-1]

        # A write in progress is not seen; once committed it is, and each one is a new version.
        async with engine.connect() as writer:
            await writer.begin()
            await writer.execute(sa.update(_THINGS).where(_THINGS.c.id == one).values(name="renamed"))
            assert await version() == seen[-1]
            await writer.commit()
        seen.append(await version())
        for change in (
            sa.update(_THINGS).where(_THINGS.c.id == one).values(name="renamed"),  # the same value again
            sa.update(_THINGS).where(_THINGS.c.id == other).values(box="a"),  # a row enters
            sa.delete(_THINGS).where(_THINGS.c.id == two),  # a row goes
            sa.insert(_THINGS).values(id=two, box="a"),  # and comes back as it was
        ):
            async with engine.begin() as connection:
                await connection.execute(change)
            seen.append(await version())
        assert len(set(seen)) == len(seen), seen
        assert [v.split(":")[0] for v in seen[2:]] == ["2", "2", "3", "2", "3"]
    finally:
        await engine.dispose()
