"""The shootings service running in the test's event loop (see tests/support/services.py)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit.service import ServiceRuntime
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from tests.support.services import as_user, shootings_service
from tests.support.statements import recorded

__all__ = ["RunningShootings", "as_user", "catalog_statements", "shootings"]


@dataclass
class RunningShootings:
    stub: ShootingsServiceStub
    engine: AsyncEngine
    runtime: ServiceRuntime
    channel: object


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shootings(engines, new_database) -> AsyncIterator[RunningShootings]:
    async with shootings_service(new_database("shootings"), engines.broker.bootstrap) as service:
        yield RunningShootings(ShootingsServiceStub(service.channel), service.engine, service.runtime, service.channel)


def catalog_statements(engine: AsyncEngine) -> contextlib.AbstractContextManager[list[str]]:
    """The SQL statements on catalog_entries the service runs meanwhile (the outbox relay's
    polls on the same engine are not counted)."""
    return recorded(engine, lambda statement: "catalog_entries" in statement)
