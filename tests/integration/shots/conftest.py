"""The shots service running in the test's event loop (see tests/support/services.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.support.services import RunningService, shots_service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shots(engines, new_database) -> AsyncIterator[RunningService]:
    async with shots_service(new_database("shots"), engines.broker.bootstrap) as service:
        yield service
