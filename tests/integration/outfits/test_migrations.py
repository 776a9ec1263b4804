"""The hand-written outfits migrations build exactly what the models declare."""

from __future__ import annotations

import pytest

from tests.support.schema import schema_drift

pytestmark = pytest.mark.timeout(120)


async def test_migration_matches_the_models(new_database) -> None:
    assert await schema_drift("services.outfits", new_database("outfits_migrations")) == []
