"""The shootings service running in the test's event loop (see tests/support/services.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit.service import ServiceRuntime
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from services.shootings.grpc_api import SERVICE_NAMES, add_servicers
from services.shootings.models import messaging
from services.shootings.rollups import consumers
from services.shootings.settings import ShootingsSettings
from tests.support.services import as_user, running_service

__all__ = ["RunningShootings", "as_user", "shootings"]


@dataclass
class RunningShootings:
    stub: ShootingsServiceStub
    engine: AsyncEngine
    runtime: ServiceRuntime
    channel: object


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shootings(engines, new_database) -> AsyncIterator[RunningShootings]:
    async with running_service(
        "services.shootings",
        ShootingsSettings,
        new_database("shootings"),
        engines.broker.bootstrap,
        tables=messaging,
        grpc_service_names=SERVICE_NAMES,
        add_servicers=add_servicers,
        consumers=consumers,
    ) as service:
        yield RunningShootings(ShootingsServiceStub(service.channel), service.engine, service.runtime, service.channel)
