"""Comparing a component's migrated database with its models (one helper for every component's
migration test)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from platformkit import migrations


async def schema_drift(component: str, url: str) -> list[Any]:
    """Migrate ``url`` with ``component``'s migrations; the differences from its models (none: [])."""
    await asyncio.to_thread(migrations.upgrade, component, url)
    metadata = importlib.import_module(f"{component}.models").Base.metadata
    return await _inspect(
        url, lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
    )


async def table_names(url: str) -> set[str]:
    """The tables the database at ``url`` holds."""
    return set(await _inspect(url, lambda sync: sa.inspect(sync).get_table_names()))


async def _inspect(url: str, read: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()
