"""A gateway request's span (gateway.app.GatewayApp with platformkit.telemetry.fastapi_telemetry):
FastAPI's server span continues a recorded caller's trace and starts one without a caller; a
request no span would be recorded for (its caller chose not to record the trace, or the process
exports nothing) gets none, and still carries its trace id onwards. No I/O: an in-process ASGI
client, spans in an in-memory exporter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import GatewayApp
from platformkit import telemetry
from platformkit.telemetry import HousekeepingSampler

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def _provider(ratio: float, exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(sampler=HousekeepingSampler(ratio))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def exported() -> InMemorySpanExporter:
    return InMemorySpanExporter()


def _client(provider: TracerProvider) -> TestClient:
    app = GatewayApp(telemetry=telemetry.fastapi_telemetry(provider))

    @app.get("/api/v1/things/{thing_id}")
    async def onwards(thing_id: str) -> dict[str, str]:
        """What the request would send on to a service."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return carrier

    return TestClient(app)


def _get(client: TestClient, flags: str | None) -> dict[str, str]:
    headers = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-{flags}"} if flags else {}
    answer = client.get("/api/v1/things/7", headers=headers)
    assert answer.status_code == 200
    return answer.json()


def test_a_recorded_callers_request_gets_fastapis_span(exported, monkeypatch):
    monkeypatch.setattr(telemetry, "_exporting", True)
    onwards = _get(_client(_provider(1.0, exported)), "01")
    [span] = exported.get_finished_spans()
    assert (span.name, span.kind) == ("GET /api/v1/things/{thing_id}", trace.SpanKind.SERVER)
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert onwards["traceparent"] == f"00-{TRACE_ID}-{format(span.context.span_id, '016x')}-01"


def test_a_request_without_a_caller_starts_a_trace(exported, monkeypatch):
    monkeypatch.setattr(telemetry, "_exporting", True)
    onwards = _get(_client(_provider(1.0, exported)), None)
    [span] = exported.get_finished_spans()
    assert span.parent is None
    _, trace_id, span_id, flags = onwards["traceparent"].split("-")
    assert (trace_id, span_id) == (format(span.context.trace_id, "032x"), format(span.context.span_id, "016x"))
    assert int(flags, 16) & 1  # sampled


def test_a_caller_that_does_not_record_its_trace_gets_no_span_but_keeps_its_trace_id(exported, monkeypatch):
    monkeypatch.setattr(telemetry, "_exporting", True)
    onwards = _get(_client(_provider(1.0, exported)), "00")
    assert exported.get_finished_spans() == ()
    assert onwards["traceparent"] == f"00-{TRACE_ID}-{CALLER_SPAN}-00"


def test_a_process_that_exports_nothing_records_no_span_and_still_gives_a_trace_id(exported, monkeypatch):
    monkeypatch.setattr(telemetry, "_exporting", False)
    provider = _provider(0.0, exported)  # what setup_telemetry installs without an exporter
    monkeypatch.setattr(telemetry, "_tracer", provider.get_tracer("test"))
    client = _client(provider)
    assert _get(client, "01")["traceparent"] == f"00-{TRACE_ID}-{CALLER_SPAN}-01"
    first, second = _get(client, None)["traceparent"], _get(client, None)["traceparent"]
    assert exported.get_finished_spans() == ()
    _, trace_id, _, flags = first.split("-")
    assert trace_id != "0" * 32 and not int(flags, 16) & 1  # a trace id, not sampled
    assert trace_id != second.split("-")[1]
