"""The hand-written shots migrations build exactly what the models declare."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from platformkit import migrations
from services.shots.models import Base

pytestmark = pytest.mark.timeout(120)


async def test_migration_matches_the_models(new_database) -> None:
    url = new_database("shots_migrations")
    await asyncio.to_thread(migrations.upgrade, "services.shots", url)
    engine = create_async_engine(url)
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
