"""Comparing a component's migrated database with its models (one helper for every component's
migration test)."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from platformkit import migrations


async def schema_drift(component: str, url: str) -> list[Any]:
    """Migrate ``url`` with ``component``'s migrations; the differences from its models (none: [])."""
    await asyncio.to_thread(migrations.upgrade, component, url)
    metadata = importlib.import_module(f"{component}.models").Base.metadata
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
    finally:
        await engine.dispose()
