"""The hand-written migration builds exactly what the models declare, and undoes it."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.models import Base
from platformkit import migrations
from tests.integration.gateway.conftest import migrated_database

pytestmark = pytest.mark.timeout(120)


async def test_migration_matches_the_models(new_database) -> None:
    engine = create_async_engine(await migrated_database(new_database))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == []


async def test_downgrade_removes_the_tables(new_database) -> None:
    url = await migrated_database(new_database)
    await asyncio.to_thread(command.downgrade, migrations.component_config("gateway", url), "base")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert set(tables) <= {"alembic_version"}
