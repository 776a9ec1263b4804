"""The look read path in one event loop: the shots, shootings and outfits services (each on a
fresh database, the shootings one calling the shots one, the outfits one calling the catalog) and
a styling worker (the `llm` stylist against :class:`tests.support.fake_llm.FakeLlm`) behind an
in-process gateway on its own database, all on the suite's real PostgreSQL and broker.

``platform.calls`` records every gRPC call the gateway makes (a client interceptor on its
channels); ``platform.statements(engine)`` records the SQL statements an engine runs, so tests
can show that a read costs the same whatever the page size.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

import gateway.clients
from devstack.engines import EmbeddedBroker
from devstack.ports import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from platformkit import rpc
from services.outfits import grpc_api as outfits_api
from services.outfits import projection as outfits_projection
from services.outfits import styling
from services.outfits.models import messaging as outfits_messaging
from services.outfits.settings import OutfitsSettings
from services.shootings import consumers
from services.shootings import grpc_api as shootings_api
from services.shootings.models import messaging as shootings_messaging
from services.shootings.settings import ShootingsSettings
from services.shots import consumers as shots_consumers
from services.shots import grpc_api as shots_api
from services.shots.models import messaging as shots_messaging
from services.shots.settings import ShotsSettings
from tests.integration.gateway.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login, migrated_database, running
from tests.support.fake_llm import FakeLlm
from tests.support.passwords import CHEAP_HASHING
from tests.support.principals import key_settings
from tests.support.services import RunningService, running_service
from tests.support.statements import recorded


class CallLog(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """The unary calls made through the channels it sits on: full method names and requests."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @property
    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def clear(self) -> None:
        self.calls.clear()

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        method = client_call_details.method
        self.calls.append((method.decode() if isinstance(method, bytes) else method, request))
        return await continuation(client_call_details, request)


@dataclass
class Platform:
    http: httpx.AsyncClient
    app: FastAPI
    shootings: RunningService
    shots: RunningService
    calls: CallLog
    admin: dict[str, str] = field(default_factory=dict)
    outfits: RunningService | None = None
    llm: FakeLlm | None = None

    @property
    def shootings_engine(self) -> AsyncEngine:
        """The engine the shootings service's handlers use (not the fixture's own)."""
        return self.shootings.runtime.context.engine  # type: ignore[union-attr]

    @property
    def shots_engine(self) -> AsyncEngine:
        return self.shots.runtime.context.engine  # type: ignore[union-attr]

    @property
    def gateway_engine(self) -> AsyncEngine:
        return self.app.state.engine  # type: ignore[no-any-return]

    @contextlib.contextmanager
    def statements(self, engine: AsyncEngine, *markers: str) -> Iterator[list[str]]:
        """The plain reads (SELECT, not FOR UPDATE) ``engine`` runs inside the block that name one of
        ``markers``' tables: the outbox relay, the consumers and health probes share the engine."""

        def keep(statement: str) -> bool:
            read = statement.lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in statement.upper()
            return read and any(m in statement for m in markers)

        with recorded(engine, keep) as seen:
            yield seen

    async def sql(self, engine: AsyncEngine, statement: str, **params: Any) -> list[Any]:
        """Run ``statement`` on a connection of the test's own and commit; the rows, if any."""
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(statement), params)
            return list(result.mappings()) if result.returns_rows else []


def _counted_channel_factory(calls: CallLog):  # type: ignore[no-untyped-def]
    def create_channel(target: str, **options: Any) -> grpc.aio.Channel:
        return rpc.create_channel(target, interceptors=[calls], **options)

    return create_channel


@contextlib.asynccontextmanager
async def _outfits(
    new_database, broker: str, shootings: RunningService, shots_target: str
) -> AsyncIterator[tuple[RunningService, FakeLlm]]:  # type: ignore[no-untyped-def]
    """The outfits service and one styling worker on its database; styling retries twice, at once."""
    llm = FakeLlm().start()
    settings = functools.partial(
        OutfitsSettings,
        shootings_grpc_target=f"127.0.0.1:{shootings.runtime.bound_port}",
        shots_grpc_target=shots_target,
        stylist="llm",
        stylist_llm_url=llm.url,
        styling_max_retries=2,
        styling_retry_delay_seconds=0,
    )
    database = new_database("outfits")
    try:
        async with (
            running_service(
                "services.outfits",
                settings,
                database,
                broker,
                tables=outfits_messaging,
                grpc_service_names=outfits_api.SERVICE_NAMES,
                add_servicers=outfits_api.add_servicers,
                consumers=outfits_projection.consumers,
            ) as outfits,
            running_service(
                "services.outfits", settings, database, broker, tables=outfits_messaging, consumers=styling.consumers
            ),
        ):
            yield outfits, llm
    finally:
        llm.stop()


@contextlib.asynccontextmanager
async def _own_broker(root: Path) -> AsyncIterator[str]:
    """A broker for this platform alone: other modules run the same consumer groups on the
    session's broker, and a group's backlog (or members) from there would delay these consumers."""
    broker = EmbeddedBroker(free_port(), log_path=root / f"looks-broker-{uuid.uuid4().hex[:8]}.log")
    await asyncio.to_thread(broker.start)
    try:
        yield broker.bootstrap
    finally:
        await asyncio.to_thread(broker.stop)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(engines, new_database) -> AsyncIterator[Platform]:  # type: ignore[no-untyped-def]
    # The shots service asks the shootings service about shootings it has not heard of yet, and the
    # shootings service calls the shots service: the shootings port is chosen before either starts.
    shootings_port = free_port()
    async with (
        _own_broker(engines.root) as broker,
        running_service(
            "services.shots",
            functools.partial(ShotsSettings, shootings_grpc_target=f"127.0.0.1:{shootings_port}"),
            new_database("shots"),
            broker,
            tables=shots_messaging,
            grpc_service_names=shots_api.SERVICE_NAMES,
            add_servicers=shots_api.add_servicers,
            consumers=shots_consumers.consumers,
        ) as shots,
    ):
        shots_target = f"127.0.0.1:{shots.runtime.bound_port}"
        async with (
            running_service(
                "services.shootings",
                functools.partial(ShootingsSettings, shots_grpc_target=shots_target),
                new_database("shootings"),
                broker,
                tables=shootings_messaging,
                grpc_service_names=shootings_api.SERVICE_NAMES,
                add_servicers=shootings_api.add_servicers,
                consumers=consumers.consumers,
                grpc_port=shootings_port,
            ) as shootings,
            _outfits(new_database, broker, shootings, shots_target) as (outfits, llm),
        ):
            settings = GatewaySettings(
                database_url=await migrated_database(new_database),
                secret_key="integration-test-secret-key-0123456789",
                first_superuser=ADMIN_EMAIL,
                first_superuser_password=ADMIN_PASSWORD,
                kafka_bootstrap_servers=broker,
                db_pool_size=4,
                shootings_grpc_target=f"127.0.0.1:{shootings.runtime.bound_port}",
                shots_grpc_target=shots_target,
                outfits_grpc_target=f"127.0.0.1:{outfits.runtime.bound_port}",
                exports_grpc_target=f"127.0.0.1:{free_port()}",
                **key_settings("gateway"),
                **CHEAP_HASHING,
            )
            calls = CallLog()
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(gateway.clients, "create_channel", _counted_channel_factory(calls))
                app = create_app(settings)
                async with running(app) as http:
                    admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
                    http.headers.update(admin)
                    yield Platform(http, app, shootings, shots, calls, admin, outfits, llm)
