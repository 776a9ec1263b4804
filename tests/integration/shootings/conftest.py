"""The shootings service running in the test's event loop against a fresh real database and the
session broker, reached over a real gRPC channel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit import db, migrations
from platformkit.rpc import create_channel, principal_metadata
from platformkit.service import ServiceRuntime
from protos.common.v1 import common_pb2
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from services.shootings.grpc_api import SERVICE_NAMES, add_servicers
from services.shootings.models import messaging
from services.shootings.settings import ShootingsSettings


@dataclass
class RunningShootings:
    stub: ShootingsServiceStub
    engine: AsyncEngine
    runtime: ServiceRuntime


def as_user(user_id: uuid.UUID, *, organizations=(), superuser: bool = False):
    principal = common_pb2.Principal(
        user_id=str(user_id), is_superuser=superuser, organization_ids=[str(o) for o in organizations]
    )
    return principal_metadata(principal)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shootings(engines, new_database) -> AsyncIterator[RunningShootings]:
    url = new_database("shootings")
    await asyncio.to_thread(migrations.upgrade, "services.shootings", url)
    settings = ShootingsSettings(
        database_url=url, grpc_bind="127.0.0.1:0", kafka_bootstrap_servers=engines.broker.bootstrap
    )
    runtime = ServiceRuntime(settings, messaging, grpc_service_names=SERVICE_NAMES, add_servicers=add_servicers)
    started = asyncio.Event()
    task = asyncio.create_task(runtime.serve(started))
    await asyncio.wait_for(started.wait(), 30)
    channel = create_channel(f"127.0.0.1:{runtime.bound_port}")
    engine = db.create_engine(url, pool_size=2)
    try:
        yield RunningShootings(ShootingsServiceStub(channel), engine, runtime)
    finally:
        await channel.close()
        await engine.dispose()
        runtime.request_stop()
        await task
