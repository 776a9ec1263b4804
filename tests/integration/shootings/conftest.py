"""The shootings service running in the test's event loop (see tests/support/services.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit.service import ServiceRuntime
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from tests.support.services import as_user, shootings_service

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


@contextmanager
def catalog_statements(engine) -> Iterator[list[str]]:
    """The SQL statements on catalog_entries the service runs meanwhile (the outbox relay's
    polls on the same engine are not counted)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "catalog_entries" in statement:
            seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
