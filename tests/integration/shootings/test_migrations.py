"""The hand-written shootings migrations build exactly what the models declare."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from platformkit import migrations
from tests.support.schema import schema_drift, table_names

pytestmark = pytest.mark.timeout(120)


async def test_migration_matches_the_models(new_database) -> None:
    assert await schema_drift("services.shootings", new_database("shootings_migrations")) == []


async def test_the_look_tables_rename_goes_back_and_forth(new_database) -> None:
    """The rename of the look tables (shootings_0007) downgrades to the old names and upgrades again."""
    url = new_database("shootings_rename")
    await asyncio.to_thread(migrations.upgrade, "services.shootings", url)
    await asyncio.to_thread(command.downgrade, migrations.component_config("services.shootings", url), "shootings_0006")
    assert {"production_requests", "production_request_statuses"} <= await table_names(url)
    assert await schema_drift("services.shootings", url) == []
