"""A served call's span (platformkit.rpc_tracing.server_span): it continues a recorded caller's
trace, starts a trace of its own without a caller, and starts nothing when the caller chose not to
record its trace (the sampler would drop the span), while the caller's trace id still reaches the
call's logs and further calls. No I/O: spans go to an in-memory exporter."""

from __future__ import annotations

import grpc
import pytest
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from platformkit import rpc_tracing, telemetry
from platformkit.telemetry import HousekeepingSampler

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
METHOD = "/shootings.v1.ShootingsService/GetShootingHeader"


class FinishedCall:
    """What server_span asks of the call's context once it is over: its status code."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.OK


@pytest.fixture
def exported(monkeypatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=HousekeepingSampler(1.0))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(rpc_tracing, "_tracer", provider.get_tracer("test"))
    monkeypatch.setattr(telemetry, "_exporting", True)
    return exporter


def _serve(metadata: list[tuple[str, str]]) -> dict[str, str]:
    """Run a call; what it would send on to another service."""
    with rpc_tracing.server_span(METHOD, metadata, FinishedCall()):
        onwards: dict[str, str] = {}
        propagate.inject(onwards)
    return onwards


def test_a_recorded_callers_trace_gets_the_calls_span(exported):
    onwards = _serve([("traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-01")])
    [span] = exported.get_finished_spans()
    assert (span.name, span.kind) == (METHOD, trace.SpanKind.SERVER)
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert onwards["traceparent"] == f"00-{TRACE_ID}-{format(span.context.span_id, '016x')}-01"


def test_a_caller_that_does_not_record_its_trace_gets_no_span_but_keeps_its_trace_id(exported):
    onwards = _serve([("traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-00")])
    assert exported.get_finished_spans() == ()
    assert onwards["traceparent"] == f"00-{TRACE_ID}-{CALLER_SPAN}-00"


def test_a_call_without_a_caller_starts_a_trace(exported):
    _serve([])
    [span] = exported.get_finished_spans()
    assert span.parent is None and span.name == METHOD


def test_a_process_that_exports_nothing_starts_no_span_under_a_recorded_caller(exported, monkeypatch):
    monkeypatch.setattr(telemetry, "_exporting", False)
    onwards = _serve([("traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-01")])
    assert exported.get_finished_spans() == ()
    assert onwards["traceparent"] == f"00-{TRACE_ID}-{CALLER_SPAN}-01"
