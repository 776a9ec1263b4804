"""Prometheus metrics of every process: the definitions and the few hooks that feed them.

What is measured, and where it is fed from:

- HTTP (the gateway): requests by route template, method and status, and their latency
  (:class:`HttpMetrics`, an ASGI middleware; ``/metrics`` is served by :func:`metrics_response`).
- gRPC (every server): calls by service, method and status code, and their latency
  (:class:`ServedCall`, around every call the server's interceptor runs, :mod:`platformkit.rpc`).
- Outbox (every service): rows waiting and the age of the oldest, rows published and the time
  from commit to broker acknowledgement (:mod:`platformkit.outbox`).
- Consumers (services and workers): records behind the end of each partition, processing time
  and outcome per topic (:mod:`platformkit.consumer`).
- Work outcomes: generations and pushes by final status (the workers).
- SQL statements by origin: the RPC (``/pkg.Service/Method``) or HTTP route template that ran
  them, ``background`` for everything else (relays, consumers, probes); fed by
  :func:`count_statement`, which :func:`platformkit.db.create_engine` hooks on every engine. This
  is how `make bench` shows that a page of looks costs the same statements whatever the shooting
  holds, on a running stack, without turning PostgreSQL's statement log on.

Processes without an HTTP port of their own serve the default registry on ``METRICS_BIND``
(:func:`serve`, a daemon thread: a scrape never waits for the event loop, nor the loop for it).

Overhead: the label values of a hot path are few and fixed (route templates, RPC names, topics),
so each hook keeps the labelled child it resolved once in a small dict; a request then costs one
dict lookup, one counter increment and one histogram observation.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import grpc
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client import start_http_server as _start_http_server

# Seconds; fine below 100 ms, where a healthy API answers, coarse up to a minute.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# From an event's commit to its acknowledgement: milliseconds normally, minutes during an outage.
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["route", "method"], buckets=LATENCY_BUCKETS
)
GRPC_HANDLED = Counter(
    "grpc_server_handled_total", "gRPC calls completed", ["grpc_service", "grpc_method", "grpc_code"]
)
GRPC_LATENCY = Histogram(
    "grpc_server_handling_seconds", "gRPC call latency", ["grpc_service", "grpc_method"], buckets=LATENCY_BUCKETS
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not published yet")
OUTBOX_OLDEST = Gauge("outbox_oldest_unpublished_seconds", "Age of the oldest unpublished outbox row (0 when none)")
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows acknowledged by the broker", ["topic"])
OUTBOX_RELAY_LAG = Histogram(
    "outbox_relay_lag_seconds", "From an event's insert to the broker's acknowledgement", buckets=LAG_BUCKETS
)
CONSUMER_LAG = Gauge(
    "kafka_consumer_lag", "Records behind the end of the partition", ["consumer", "topic", "partition"]
)
CONSUMER_PROCESSING = Histogram(
    "kafka_consumer_processing_seconds", "Time to process one record", ["consumer", "topic"], buckets=LATENCY_BUCKETS
)
CONSUMER_RECORDS = Counter(
    "kafka_consumer_records_total",
    "Records handled, by outcome (processed, duplicate, ignored, skipped, unreadable)",
    ["consumer", "topic", "outcome"],
)
DB_STATEMENTS = Counter(
    "db_statements_total", "SQL statements sent, by the RPC or HTTP route that ran them", ["origin"]
)
GENERATION_OUTCOMES = Counter("generation_outcomes_total", "Generations finished, by final status", ["outcome"])
PUSH_OUTCOMES = Counter("push_outcomes_total", "Pushes to external systems finished, by final status", ["outcome"])
MEDIA_SWEPT = Counter(
    "media_swept_total", "Stored objects the media sweep deleted: detached media or abandoned upload slots", ["kind"]
)

# Shown at 0 before the first one happens, so a dashboard's rate() has a series from the start.
# Outcomes are lower-case status names (the generation worker records "completed" and "failed").
for _outcome in ("completed", "failed"):
    GENERATION_OUTCOMES.labels(_outcome)
for _outcome in ("completed", "awaiting_confirmation", "failed"):
    PUSH_OUTCOMES.labels(_outcome)

UNMATCHED_ROUTE = "<unmatched>"


def metrics_response() -> tuple[bytes, str]:
    """The exposition of the default registry and its content type (for an HTTP handler)."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return (host.strip("[]") or "0.0.0.0"), int(port)


class MetricsServer:
    """The default registry on ``host:port`` in a daemon thread; ``close()`` frees the port."""

    def __init__(self, bind: str) -> None:
        host, port = parse_bind(bind)
        self._server, self._thread = _start_http_server(port, host)
        self.port: int = self._server.server_port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def serve(bind: str | None) -> MetricsServer | None:
    """Serve metrics on ``bind`` (``host:port``); ``None`` or empty: not served."""
    return MetricsServer(bind) if bind else None


class _Children:
    """Labelled children of one metric resolved once per label tuple (the hot-path cache)."""

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._cache: MutableMapping[tuple[str, ...], Any] = {}

    def __call__(self, *labels: str) -> Any:
        child = self._cache.get(labels)
        if child is None:
            child = self._cache[labels] = self._metric.labels(*labels)
        return child


http_requests = _Children(HTTP_REQUESTS)
http_latency = _Children(HTTP_LATENCY)
grpc_handled = _Children(GRPC_HANDLED)
grpc_latency = _Children(GRPC_LATENCY)
outbox_published = _Children(OUTBOX_PUBLISHED)
consumer_lag = _Children(CONSUMER_LAG)
consumer_processing = _Children(CONSUMER_PROCESSING)
consumer_records = _Children(CONSUMER_RECORDS)
db_statements = _Children(DB_STATEMENTS)

BACKGROUND = "background"
# What the current task serves: an RPC name, or the ASGI scope of an HTTP request (its route
# template is only known once FastAPI has routed it, so it is read when a statement runs).
_origin: contextvars.ContextVar[str | MutableMapping[str, Any]] = contextvars.ContextVar(
    "metrics_origin", default=BACKGROUND
)


def count_statement(*_: Any) -> None:
    """SQLAlchemy ``before_cursor_execute`` hook: one statement for the current origin."""
    origin = _origin.get()
    db_statements(origin if isinstance(origin, str) else route_template(origin)).inc()


def record_generation(outcome: str) -> None:
    GENERATION_OUTCOMES.labels(outcome).inc()


def record_media_swept(kind: str, count: int) -> None:
    if count:
        MEDIA_SWEPT.labels(kind).inc(count)


def record_push(outcome: str) -> None:
    PUSH_OUTCOMES.labels(outcome).inc()


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The template of the route that answered, include prefixes and all.

    FastAPI 0.165 keeps included routers unflattened: ``scope["route"]`` is the route as its router
    declared it (without the ``/api/v1`` it was included under); the full template is on the
    effective route context FastAPI leaves next to it. Other matched routes (docs, OpenAPI,
    /metrics) have no parameters, so their path is their template; anything else is unmatched.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    if template:
        return str(template)
    return str(scope["path"]) if "endpoint" in scope else UNMATCHED_ROUTE


class HttpMetrics:
    """ASGI middleware: count and time every HTTP request by its route *template*.

    The template (``/api/v1/shootings/{shooting_id}``) comes from the route FastAPI matched
    (:func:`route_template`); ids never become label values. A request that raised counts as
    a 500 (the error handler outside this middleware answers it).
    """

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500
        _origin.set(scope)

        async def send_and_note(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            method = scope["method"]
            http_latency(route, method).observe(time.perf_counter() - began)
            http_requests(route, method, str(status)).inc()


@functools.cache  # once per method: every served call splits its method's name
def _split_method(full: str) -> tuple[str, str]:
    """``/pkg.Service/Method`` -> (``pkg.Service``, ``Method``)."""
    _, service, method = full.split("/", 2) if full.count("/") >= 2 else ("", "unknown", full)
    return service, method


class ServedCall:
    """Times one served call and counts it under the status code it ended with; the SQL statements
    run meanwhile count under its method (:func:`count_statement`). The server's interceptor
    (:class:`platformkit.rpc.ServerInterceptor`) runs every call inside one, outside its error
    mapping, so the status counted is the one ``abort`` set."""

    __slots__ = ("_began", "_context", "_full", "_method", "_service")

    def __init__(self, full_method: str, context: grpc.aio.ServicerContext) -> None:
        self._full, self._context = full_method, context
        self._service, self._method = _split_method(full_method)
        self._began = time.perf_counter()

    def __enter__(self) -> None:
        _origin.set(self._full)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        grpc_latency(self._service, self._method).observe(time.perf_counter() - self._began)
        grpc_handled(self._service, self._method, _code_name(self._context.code(), exc_type)).inc()


def _code_name(code: Any, exc_type: type[BaseException] | None) -> str:
    """The status a call ended with: what ``abort``/``set_code`` set, else what its exit implies."""
    if code is None or code == 0:
        if exc_type is None:
            return "OK"
        return "CANCELLED" if issubclass(exc_type, asyncio.CancelledError) else "UNKNOWN"
    if isinstance(code, grpc.StatusCode):
        return code.name
    # Some grpc versions keep the raw integer after abort.
    return next((c.name for c in grpc.StatusCode if c.value[0] == code), str(code))
