"""A real OTLP/gRPC trace receiver for tests: processes export their spans to it exactly as they
would to a collector, and tests read which services took part in which trace."""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from concurrent import futures
from dataclasses import dataclass

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

# Traces that tests start themselves when they call a service directly (no gateway in front):
# their ids begin with this, so checks about the platform's own traces can tell them apart.
TEST_TRACE_PREFIX = "7e57"


def own_trace_context() -> tuple[str, str]:
    """Metadata that makes a direct call the start of a test's own trace (W3C trace context)."""
    return ("traceparent", f"00-{TEST_TRACE_PREFIX}{secrets.token_hex(14)}-{secrets.token_hex(8)}-01")


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    kind: int
    attributes: dict[str, str]


class _Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, sink: OtlpReceiver) -> None:
        self.sink = sink

    def Export(self, request, context):
        for resource_spans in request.resource_spans:
            service = next(
                (a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), "?"
            )
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value.string_value for a in span.attributes}
                    self.sink.add(ReceivedSpan(service, span.name, span.trace_id.hex(), span.kind, attributes))
        return trace_service_pb2.ExportTraceServiceResponse()


class OtlpReceiver:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.spans: list[ReceivedSpan] = []
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_Receiver(self), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OtlpReceiver:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    def add(self, span: ReceivedSpan) -> None:
        with self._lock:
            self.spans.append(span)

    def services_by_trace(self) -> dict[str, set[str]]:
        with self._lock:
            grouped: dict[str, set[str]] = defaultdict(set)
            for span in self.spans:
                grouped[span.trace_id].add(span.service)
            return dict(grouped)

    def traces(self) -> dict[str, list[ReceivedSpan]]:
        """Every span received so far, grouped by trace (one pass: a session records many)."""
        with self._lock:
            grouped: dict[str, list[ReceivedSpan]] = defaultdict(list)
            for span in self.spans:
                grouped[span.trace_id].append(span)
            return dict(grouped)

    def spans_of(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self.spans if s.trace_id == trace_id]
