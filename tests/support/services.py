"""Run a service in the test's event loop against a fresh real database and a real broker,
reached over a real gRPC channel, exactly as its process would run it."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit import db, migrations
from platformkit.rpc import principal_metadata
from platformkit.service import ServiceRuntime
from protos.common.v1 import common_pb2
from tests.support.principals import key_settings, signed_channel


@dataclass
class RunningService:
    # Calls signed by the gateway, as user requests reach the service.
    channel: grpc.aio.Channel
    engine: AsyncEngine
    runtime: ServiceRuntime
    database_url: str
    name: str

    def channel_as(self, issuer: str) -> grpc.aio.Channel:
        """A channel whose calls another platform process signs (a service calling this one)."""
        return signed_channel(f"127.0.0.1:{self.runtime.bound_port}", self.name, issuer)


def as_user(user_id: uuid.UUID, *, organizations=(), superuser: bool = False):
    """Call metadata naming a principal (a signing channel turns it into a signed token)."""
    principal = common_pb2.Principal(
        user_id=str(user_id), is_superuser=superuser, organization_ids=[str(o) for o in organizations]
    )
    return principal_metadata(principal)


async def seed_shooting(
    shots_engine: AsyncEngine, shooting_id: uuid.UUID, owner: uuid.UUID, organization: uuid.UUID | None = None
) -> None:
    """Let the shots service know a shooting's owner, as the shooting's event would have (tests
    that run the shots service without the shootings service)."""
    from services.shots.repository import remember_shooting

    async with db.session_factory(shots_engine)() as session, session.begin():
        await remember_shooting(session, shooting_id, owner, organization)


@asynccontextmanager
async def running_service(
    component: str,
    settings_class: Callable[..., Any],
    database_url: str,
    bootstrap_servers: str,
    *,
    grpc_port: int = 0,
    **runtime_options: Any,
) -> AsyncIterator[RunningService]:
    """Migrate ``database_url`` with ``component``'s migrations and serve it until the block ends
    (on ``grpc_port``, any free one by default)."""
    await asyncio.to_thread(migrations.upgrade, component, database_url)
    name = component.removeprefix("services.")
    settings = settings_class(
        database_url=database_url,
        grpc_bind=f"127.0.0.1:{grpc_port}",
        kafka_bootstrap_servers=bootstrap_servers,
        **key_settings(name),
    )
    runtime = ServiceRuntime(settings, **runtime_options)
    started = asyncio.Event()
    task = asyncio.create_task(runtime.serve(started))
    await asyncio.wait_for(started.wait(), 30)
    channel = signed_channel(f"127.0.0.1:{runtime.bound_port}", name)
    engine = db.create_engine(database_url, pool_size=2)
    try:
        yield RunningService(channel, engine, runtime, database_url, name)
    finally:
        await channel.close()
        await engine.dispose()
        runtime.request_stop()
        await task


def _service(
    name: str, settings_class: Callable[..., Any], database_url: str, bootstrap_servers: str, consumers: Any
) -> AbstractAsyncContextManager[RunningService]:
    """``services.<name>`` with its servicers, outbox tables and the given consumers."""
    grpc_api = importlib.import_module(f"services.{name}.grpc_api")
    models = importlib.import_module(f"services.{name}.models")
    return running_service(
        f"services.{name}",
        settings_class,
        database_url,
        bootstrap_servers,
        tables=models.messaging,
        grpc_service_names=grpc_api.SERVICE_NAMES,
        add_servicers=grpc_api.add_servicers,
        consumers=consumers,
    )


def shots_service(database_url: str, bootstrap_servers: str) -> AbstractAsyncContextManager[RunningService]:
    """The shots service with its consumers, as its process runs it."""
    from services.shots import consumers
    from services.shots.settings import ShotsSettings

    return _service("shots", ShotsSettings, database_url, bootstrap_servers, consumers.consumers)


def shootings_service(
    database_url: str, bootstrap_servers: str, *, shots_target: str | None = None
) -> AbstractAsyncContextManager[RunningService]:
    """The shootings service with its roll-up consumer; ``shots_target`` is where it reaches the
    shots service (look commands call it; the default address serves nothing in tests)."""
    from services.shootings import consumers
    from services.shootings.settings import ShootingsSettings

    def settings(**values: Any) -> Any:
        return ShootingsSettings(**values, **({"shots_grpc_target": shots_target} if shots_target else {}))

    return _service("shootings", settings, database_url, bootstrap_servers, consumers.consumers)


def exports_service(
    database_url: str, bootstrap_servers: str, **targets: str
) -> AbstractAsyncContextManager[RunningService]:
    """The exports service (no consumers: the push workers are separate); ``targets`` are where
    it reaches the others (``shots_grpc_target=...``), a fixed test key seals secrets."""
    from services.exports.settings import ExportsSettings

    def settings(**values: Any) -> Any:
        return ExportsSettings(**values, exports_secrets_key="integration-tests-exports-key", **targets)

    return _service("exports", settings, database_url, bootstrap_servers, None)
