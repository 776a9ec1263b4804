"""The FastAPI application: ``create_app(settings)`` builds it, its lifespan owns the resources.

Responses use FastAPI's default JSON path: with a return type or response model set, FastAPI
0.165 serializes through Pydantic straight to bytes, which is what ``ORJSONResponse`` used to
buy (it is deprecated now), so there is nothing to gain from a custom response class.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from gateway import console, docs, openapi_document, security
from gateway.board_cache import BoardCache
from gateway.clients import ServiceClients
from gateway.errors import ERROR_RESPONSES, register_exception_handlers
from gateway.housekeeping import Housekeeping
from gateway.idempotency.middleware import IdempotencyMiddleware
from gateway.live.service import LiveService
from gateway.login_throttle import LoginThrottle
from gateway.media import bind_media, current_media
from gateway.principals import PrincipalCache
from gateway.repository.users import ensure_superuser
from gateway.routes import ROUTERS
from gateway.routes import live as live_routes
from gateway.settings import GatewaySettings, load_settings
from gateway.text_guard import refuse_nul
from platformkit import db, heap, metrics, telemetry
from platformkit.direct_reads import RowReader
from platformkit.health import BrokerProbe

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# Prometheus scrapes this on the gateway's own port. Outside /api/v1: no auth, not in the OpenAPI
# document, and Envoy's public routes never lead here (deploy/envoy/edge.py).
METRICS_PATH = "/metrics"


async def _metrics(_: Request) -> Response:
    body, content_type = metrics.metrics_response()
    return Response(body, media_type=content_type)


async def _api_request(request: Request) -> None:
    """The one dependency every ``/api/v1`` HTTP operation shares: NUL refused, then the request's
    media base URL bound. One dependency rather than two, since FastAPI spends about 25 us
    resolving each."""
    await refuse_nul(request)
    bind_media(request)


class GatewayApp(FastAPI):
    """FastAPI, with a request no span would be recorded for run in its trace's context before
    FastAPI's own telemetry sees it, which then leaves it alone
    (platformkit.telemetry.unrecorded_request_context)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with telemetry.unrecorded_request_context(scope):
            await super().__call__(scope, receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI, *, freeze_startup_objects: bool = False) -> AsyncIterator[None]:
    settings: GatewaySettings = app.state.settings
    for warning in settings.startup_warnings():
        log.warning("!!! %s !!!", warning)
    engine = db.create_engine(settings.database_url.get_secret_value(), pool_size=settings.db_pool_size)
    telemetry.instrument_engine(engine)
    sessions = db.session_factory(engine)
    clients = ServiceClients.connect(settings)
    broker_probe = BrokerProbe(settings.kafka_bootstrap_servers)
    app.state.engine, app.state.sessions = engine, sessions
    app.state.login_throttle = LoginThrottle(sessions, settings.login_limits)
    app.state.clients, app.state.broker_probe = clients, broker_probe
    # One-row reads on asyncpg directly (platformkit.direct_reads): the board cache's users version.
    app.state.rows = rows = RowReader(settings.database_url.get_secret_value(), max_size=settings.db_pool_size)
    app.state.boards = BoardCache(
        max_bytes=int(settings.board_cache_mb * 2**20),
        # A link served from memory keeps at least nine tenths of the lifetime it was signed for.
        max_age_seconds=min(settings.board_cache_seconds, current_media().settings.media_read_ttl_seconds / 10),
        audit=settings.board_cache_audit,
    )
    app.state.principals = principals = PrincipalCache(
        sessions, db.asyncpg_dsn(settings.database_url.get_secret_value()), ttl_seconds=settings.principal_cache_seconds
    )
    await principals.start()
    # The live socket's reading of shots.events starts in the background (gateway/live).
    app.state.live = live = LiveService.create(settings, principals, clients)
    await live.start()
    housekeeping = Housekeeping(sessions, settings)
    housekeeping.start()
    try:
        async with sessions() as session:
            password = settings.first_superuser_password.get_secret_value()
            if await ensure_superuser(session, settings.first_superuser, password):
                log.info("created the first superuser %s", settings.first_superuser)
        if freeze_startup_objects:
            heap.freeze_startup_objects()
        yield
    finally:
        await housekeeping.stop()
        await live.stop()
        await principals.stop()
        await broker_probe.close()
        await clients.close()
        await rows.close()
        await engine.dispose()


def create_app(settings: GatewaySettings | None = None, *, freeze_startup_objects: bool = False) -> FastAPI:
    """The gateway; ``freeze_startup_objects`` when the app is the process's (platformkit.heap),
    not in a test's process that builds many."""
    settings = settings or load_settings()
    app = GatewayApp(
        title="Shooting platform API",
        version="1.0.0",
        openapi_url="/openapi.json",
        # Self-hosted /docs and /redoc (gateway/docs.py) replace FastAPI's CDN pages.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=docs.operation_id,
        lifespan=functools.partial(_lifespan, freeze_startup_objects=freeze_startup_objects),
        telemetry=telemetry.fastapi_telemetry(),
    )
    app.state.settings = settings
    security.use_password_cost(settings.password_hash_memory_kib, settings.password_hash_iterations)
    register_exception_handlers(app)
    for router in ROUTERS:
        # Every answer's media URLs start with the request's own host (or PUBLIC_BASE_URL),
        # whichever resource carries them (shots, looks, outfits, generations).
        dependencies = [Depends(refuse_nul if router is live_routes.router else _api_request)]
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES, dependencies=dependencies)
    app.add_route(METRICS_PATH, _metrics, include_in_schema=False)
    docs.mount(app)
    console.mount(app, settings.console_dir)
    if settings.bench_endpoints:
        from gateway import bench_routes

        bench_routes.mount(app)
    # Inside the metrics middleware, so replayed and refused repeats are counted like any answer.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(metrics.HttpMetrics)
    openapi_document.install(app)
    return app
