"""The runtime every service process shares: gRPC server, outbox relay, consumers, health.

A service's ``__main__`` builds a :class:`ServiceRuntime` with its settings, its messaging
tables, a function that adds its servicers, the consumers and the periodic jobs it runs
(:mod:`platformkit.periodic`); ``run()`` does the rest:
JSON logs, telemetry, the database engine, the Kafka bus, the relay, the consumers, the gRPC
server with health (SERVING only while the database and the broker answer) and reflection,
Prometheus metrics on ``METRICS_BIND`` (:mod:`platformkit.metrics`), and a graceful stop on
SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
import uvloop
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from platformkit import db, heap, metrics, principal_tokens, request_ledger, rpc, telemetry
from platformkit.bus import Bus
from platformkit.consumer import Consumer
from platformkit.direct_reads import RowReader
from platformkit.health import BrokerProbe, probe_database
from platformkit.logs import configure_logging
from platformkit.messaging_tables import MessagingTables
from platformkit.outbox import OutboxRelay
from platformkit.periodic import PeriodicJob, run_periodically
from platformkit.settings import ServiceSettings
from platformkit.topics import Topic
from protos.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer the process runs: its name (recorded with processed events), group and topics."""

    name: str
    group_id: str
    topics: Sequence[Topic]
    handler: Handler
    # One transaction per fetched batch of a partition (platformkit.consumer): for handlers that
    # only write this service's database, never for work that calls the outside world.
    batched: bool = False
    # The event types the handler applies (None: all): a record of another type is passed over
    # without a transaction or a processed-event row (ignoring it twice changes nothing either).
    event_types: frozenset[str] | None = None
    # A background consumer (records kept for later) fetches with the longer wait of
    # kafka_background_fetch_max_wait_ms: nothing a client reads next waits on it. Consumers of
    # work queues (spread topics) always do (platformkit.consumer).
    background: bool = False


@dataclass
class ServiceContext:
    """What servicers and handlers get: settings, the database, and channels to other services."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    # Signs what this process sends to other services, as its service (workers included).
    signer: principal_tokens.Signer
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    @functools.cached_property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for handlers that only read: autocommit on the same pool, no BEGIN and
        ROLLBACK round trips (:func:`platformkit.db.read_only`)."""
        return db.session_factory(db.read_only(self.engine))

    @functools.cached_property
    def rows(self) -> RowReader:
        """One-row reads on asyncpg directly, for the hottest paths (:mod:`platformkit.direct_reads`)."""
        return RowReader(self.settings.database_url.get_secret_value(), max_size=self.settings.db_pool_size)

    async def close(self) -> None:
        """Close what the handlers opened: channels to other services, the direct reads' pool."""
        for channel in self.channels.values():
            await channel.close()
        if "rows" in self.__dict__:
            await self.rows.close()

    def channel(self, service: str) -> grpc.aio.Channel:
        """A lazily opened channel to another service (one per process), signing for it."""
        if service not in self.channels:
            self.channels[service] = rpc.create_channel(
                self.settings.grpc_target(service),
                deadline_seconds=self.settings.grpc_deadline_seconds,
                signer=self.signer,
                audience=service,
            )
        return self.channels[service]


AddServicers = Callable[[grpc.aio.Server, ServiceContext], None]
BuildConsumers = Callable[[ServiceContext], Sequence[ConsumerSpec]]
BuildPeriodicJobs = Callable[[ServiceContext], Sequence[PeriodicJob]]


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        tables: MessagingTables,
        *,
        grpc_service_names: Sequence[str] = (),
        add_servicers: AddServicers | None = None,
        consumers: BuildConsumers | None = None,
        periodic: BuildPeriodicJobs | None = None,
        process_name: str | None = None,
    ) -> None:
        self.settings = settings
        self.tables = tables
        self.grpc_service_names = list(grpc_service_names)
        self.add_servicers = add_servicers
        self.build_consumers = consumers
        self.build_periodic = periodic
        self.process_name = process_name or settings.service_name
        self._stop = asyncio.Event()
        self.bound_port: int | None = None
        self.metrics_port: int | None = None
        self.context: ServiceContext | None = None

    def run(self) -> None:
        configure_logging(self.process_name, self.settings.log_level, self.settings.log_format)
        telemetry.setup_telemetry(
            self.process_name, self.settings.otel_exporter_otlp_endpoint, self.settings.otel_traces_sampler_arg
        )
        try:
            uvloop.run(self._serve_until_signalled())
        finally:
            telemetry.shutdown_telemetry()

    @staticmethod
    def _platform_jobs(context: ServiceContext) -> list[PeriodicJob]:
        """What every service database needs kept: the request ledger's old rows go."""
        return [PeriodicJob("request-ledger-prune", 3600.0, lambda: request_ledger.prune(context.sessions))]

    def request_stop(self) -> None:
        self._stop.set()

    async def _serve_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        started = asyncio.Event()

        async def freeze_once_started() -> None:
            await started.wait()
            heap.freeze_startup_objects()

        freezing = asyncio.create_task(freeze_once_started())
        try:
            await self.serve(started)
        finally:
            freezing.cancel()

    async def serve(self, started: asyncio.Event | None = None) -> None:
        """Run until :meth:`request_stop`; ``started`` is set once the gRPC server accepts calls.
        Tests run several services in one loop this way."""
        name = self.settings.service_name
        signer = principal_tokens.signer_from(self.settings, name)
        verifier = principal_tokens.verifier_from(self.settings, name)
        engine = db.create_engine(self.settings.database_url.get_secret_value(), pool_size=self.settings.db_pool_size)
        telemetry.instrument_engine(engine)
        context = ServiceContext(self.settings, engine, db.session_factory(engine), self.tables, signer)
        self.context = context
        bus = Bus(self.settings, client_id=self.process_name)
        relay = OutboxRelay(context.engine, self.tables, bus)
        specs = list(self.build_consumers(context)) if self.build_consumers else []
        consumers = [
            Consumer(
                self.settings,
                context.sessions,
                self.tables,
                name=spec.name,
                group_id=spec.group_id,
                topics=list(spec.topics),
                handler=spec.handler,
                bus=bus,
                batched=spec.batched,
                event_types=spec.event_types,
                background=spec.background,
            )
            for spec in specs
        ]
        server, health = rpc.create_server(self.grpc_service_names, verifier)
        if self.add_servicers:
            self.add_servicers(server, context)
        port = server.add_insecure_port(self.settings.grpc_bind)
        broker_probe = BrokerProbe(self.settings.kafka_bootstrap_servers)

        metrics_server = metrics.serve(self.settings.metrics_bind)
        self.metrics_port = metrics_server.port if metrics_server else None
        await server.start()
        log.info("gRPC listening", extra={"bind": self.settings.grpc_bind, "port": port})
        await bus.start()
        await relay.start()
        for consumer in consumers:
            await consumer.start()
        health_task = asyncio.create_task(self._report_health(health, engine, broker_probe))
        jobs = [*self._platform_jobs(context), *(self.build_periodic(context) if self.build_periodic else ())]
        job_tasks = [asyncio.create_task(run_periodically(job)) for job in jobs]
        log.info(
            "service started",
            extra={"consumers": [spec.name for spec in specs], "periodic_jobs": [job.name for job in jobs]},
        )
        self.bound_port = port
        if started is not None:
            started.set()
        try:
            await self._stop.wait()
        finally:
            log.info("service stopping")
            health_task.cancel()
            for task in job_tasks:
                task.cancel()
            await asyncio.gather(*job_tasks, return_exceptions=True)
            await self._set_health(health, rpc.NOT_SERVING)
            await server.stop(grace=5)
            # Together: each gets its bounded stop (platformkit.consumer), so a process with several
            # still exits within the supervisor's grace.
            await asyncio.gather(*(consumer.stop() for consumer in consumers))
            await relay.stop()
            await bus.stop()
            await broker_probe.close()
            await context.close()
            await engine.dispose()
            if metrics_server is not None:
                await asyncio.to_thread(metrics_server.close)

    async def _set_health(self, health, status) -> None:  # type: ignore[no-untyped-def]
        for name in ["", *self.grpc_service_names]:
            await health.set(name, status)

    async def _report_health(self, health, engine: AsyncEngine, broker_probe: BrokerProbe) -> None:  # type: ignore[no-untyped-def]
        """SERVING only while this service's database and the broker answer."""
        current = None
        while True:
            with telemetry.background():
                problems = [p for p in await asyncio.gather(probe_database(engine), broker_probe()) if p]
            status = rpc.NOT_SERVING if problems else rpc.SERVING
            if status != current:
                await self._set_health(health, status)
                log.info("health changed", extra={"serving": not problems, "problems": problems})
                current = status
            await asyncio.sleep(1.0 if problems else 2.0)
