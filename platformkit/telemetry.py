"""OpenTelemetry for every process, in one place (the "service defaults").

One trace runs from the HTTP request through gRPC, SQL and Kafka headers into a consumer: the
FastAPI app (:func:`fastapi_telemetry`), gRPC calls (the platform's own interceptors,
:mod:`platformkit.rpc_tracing`), aiokafka (switched on here) and SQLAlchemy engines
(:func:`instrument_engine`). Spans leave through OTLP/gRPC when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is
set, batched (``BatchSpanProcessor``), and a share ``OTEL_TRACES_SAMPLER_ARG`` of the new traces is
recorded (a trace's spans are all recorded or none: each hop follows its parent's decision).
Without an exporter nothing is recorded, but every span still has its ids and they still travel
from hop to hop, so the logs of one request carry one trace id in every process.

Cost (measured, see README "Performance"): a recorded span costs tens of microseconds, an
unrecorded one a few; the contrib gRPC instrumentation cost 0.3-0.4 ms of CPU per call even
unrecorded (client and server), more than the call itself, hence the platform's own interceptors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, MutableMapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult, TraceIdRatioBased

_configured = False
_exporting = False

# Spans that describe the platform's own housekeeping, not user work: health probes and the
# broker-epoch record every process reads each few seconds. Never sampled.
HOUSEKEEPING_SPAN_MARKERS = ("grpc.health.v1.Health/", "_platform.epoch")


class HousekeepingSampler(Sampler):
    """Drops housekeeping spans; everything else follows its parent, and a share ``ratio`` of new
    traces is recorded."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._default = ParentBased(TraceIdRatioBased(ratio))

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):  # type: ignore[no-untyped-def]
        if any(marker in name for marker in HOUSEKEEPING_SPAN_MARKERS):
            return SamplingResult(Decision.DROP)
        return self._default.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "HousekeepingSampler"


def setup_telemetry(process_name: str, otlp_endpoint: str | None, sample_ratio: float = 1.0) -> None:
    """Install the tracer provider and the library instrumentations (idempotent)."""
    global _configured
    if _configured:
        return
    _configured = True
    global _exporting
    _exporting = bool(otlp_endpoint)
    sampler = HousekeepingSampler(sample_ratio if _exporting else 0.0)
    provider = TracerProvider(resource=Resource.create({"service.name": process_name}), sampler=sampler)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True)))
    trace.set_tracer_provider(provider)

    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor

    # Kafka headers carry the trace context into the consumers. SQL is traced once, at the engine
    # (instrument_engine): an asyncpg instrumentation on top would record every statement twice.
    AIOKafkaInstrumentor().instrument()


# Never traced: the live socket lives for hours (one endless span with a child per message), and
# health probes and metric scrapes are housekeeping.
UNTRACED_PREFIXES = ("/api/v1/utils/health-check", "/metrics", "/api/v1/ws")


# Set on the ASGI scope of a request no span would be recorded for (see below).
UNRECORDED_REQUEST = "platform.unrecorded_request"
_tracer = trace.get_tracer(__name__)
# The header names the installed propagators read (W3C trace context and baggage by default).
PROPAGATED_FIELDS = frozenset(propagate.get_global_textmap().fields)
_PROPAGATED_HEADERS = frozenset(field.encode("latin-1") for field in PROPAGATED_FIELDS)


def _untraced(scope: Any) -> bool:
    return bool(scope.get(UNRECORDED_REQUEST)) or str(scope.get("path", "")).startswith(UNTRACED_PREFIXES)


def not_recorded(caller: otel_context.Context) -> bool:
    """Whether no span under a remote caller would be recorded: the caller chose not to record
    its trace (the platform's sampler follows the caller's decision, :class:`HousekeepingSampler`),
    or this process exports no spans."""
    parent = trace.get_current_span(caller).get_span_context()
    return parent.is_valid and parent.is_remote and (not parent.trace_flags.sampled or not _exporting)


def _unrecorded_request_context(scope: MutableMapping[str, Any]) -> otel_context.Context | None:
    """The context an HTTP request runs in when no span of it would be recorded, else None: its
    caller's, when the caller (Envoy, at its sampling rate) chose not to record the trace; a root
    span's that records nothing, when this process exports no spans (its sampler records none)."""
    if scope.get("type") != "http":
        return None
    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name in _PROPAGATED_HEADERS
    }
    caller = propagate.extract(carrier) if "traceparent" in carrier else None
    if caller is not None and not_recorded(caller):
        return caller
    if not _exporting:
        # The sampler's ratio is 0 without an exporter: the span is non-recording, its ids are what
        # the request's logs and onward calls carry.
        return trace.set_span_in_context(_tracer.start_span("HTTP", kind=trace.SpanKind.SERVER))
    return None


@contextlib.contextmanager
def unrecorded_request_context(scope: MutableMapping[str, Any]) -> Iterator[None]:
    """Runs an HTTP request that no span would be recorded for in the context it belongs to (see
    :func:`_unrecorded_request_context`), marked so that :func:`fastapi_telemetry` starts no span
    for it: its logs and onward calls keep the trace id, and it skips FastAPI's per-request span
    bookkeeping, whose span the sampler would drop (measured in `make bench`). Other requests pass
    through unchanged."""
    context = _unrecorded_request_context(scope)
    if context is None:
        yield
        return
    scope[UNRECORDED_REQUEST] = True
    token = otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(token)


def fastapi_telemetry(tracer_provider: trace.TracerProvider | None = None) -> Any:
    """FastAPI's own tracing (``FastAPI(telemetry=...)``): a server span per request, named by
    the route template FastAPI selected and joining the caller's W3C trace context (none for a
    request no span would be recorded for, :func:`unrecorded_request_context`). It replaces the
    contrib instrumentation, which matched every request against all routes a second time to
    name its span (8% of a header request's gateway CPU). Metrics are the platform's own
    (platformkit.metrics); no span per dependency or serialization step."""
    return {
        "tracing": True,
        "metrics": False,
        "logs": False,
        "operation_spans": False,
        "exclude": _untraced,
        "tracer_provider": tracer_provider,
    }


def instrument_engine(engine: Any) -> None:
    """Trace the SQL of one async engine, when spans are exported: SQL spans propagate nothing,
    so without an exporter they would only cost CPU (they showed in `make bench`'s profiles)."""
    if not _exporting:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


def shutdown_telemetry() -> None:
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()


def background() -> contextlib.AbstractContextManager[None]:
    """Suppress instrumentation for housekeeping loops (outbox polls, epoch checks, health probes):
    otherwise each iteration would export a root trace of its own every fraction of a second."""
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    return suppress_instrumentation()
