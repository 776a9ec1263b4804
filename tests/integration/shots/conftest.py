"""The shots service running in the test's event loop (see tests/support/services.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from services.shots.events import consumers
from services.shots.grpc_api import SERVICE_NAMES, add_servicers
from services.shots.models import messaging
from services.shots.settings import ShotsSettings
from tests.support.services import RunningService, running_service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shots(engines, new_database) -> AsyncIterator[RunningService]:
    async with running_service(
        "services.shots",
        ShotsSettings,
        new_database("shots"),
        engines.broker.bootstrap,
        tables=messaging,
        grpc_service_names=SERVICE_NAMES,
        add_servicers=add_servicers,
        consumers=consumers,
    ) as service:
        yield service
