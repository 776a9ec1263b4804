"""OpenTelemetry for every process, in one place (the "service defaults").

One trace runs from the HTTP request through gRPC, SQL and Kafka headers into a consumer:
the gRPC client/server, aiokafka and asyncpg instrumentations are switched on here, before
any channel, server or connection exists; FastAPI apps and SQLAlchemy engines are added by
:func:`instrument_fastapi` and :func:`instrument_engine`. Spans leave through OTLP/gRPC when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; otherwise they are still created (logs carry their
trace ids) but exported nowhere.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False


def setup_telemetry(process_name: str, otlp_endpoint: str | None) -> None:
    """Install the tracer provider and the library instrumentations (idempotent)."""
    global _configured
    if _configured:
        return
    _configured = True
    provider = TracerProvider(resource=Resource.create({"service.name": process_name}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True)))
    trace.set_tracer_provider(provider)

    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcAioInstrumentorServer

    GrpcAioInstrumentorClient().instrument()
    GrpcAioInstrumentorServer().instrument()
    AIOKafkaInstrumentor().instrument()
    AsyncPGInstrumentor().instrument()


def instrument_fastapi(app: Any) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="/api/v1/utils/health-check")


def instrument_engine(engine: Any) -> None:
    """Trace the SQL of one async engine."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


def shutdown_telemetry() -> None:
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
