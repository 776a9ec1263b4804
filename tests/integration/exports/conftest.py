"""The exports service running in the test's event loop (see tests/support/services.py); the
other services are not running, so these tests use only what the exports service owns."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.support.services import RunningService, exports_service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def exports(engines, new_database) -> AsyncIterator[RunningService]:
    async with exports_service(new_database("exports"), engines.broker.bootstrap) as service:
        yield service
