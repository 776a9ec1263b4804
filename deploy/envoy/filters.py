"""The HTTP filter chain and connection-manager pieces of the edge, as typed objects.

Order matters: the rate limit refuses a flood before anything is buffered; the buffer filter
enforces the request size limit (413) and holds the body, which is also what lets the router
retry an idempotent request; gzip compresses responses; the router comes last.
"""

from __future__ import annotations

from datetime import timedelta

from envoy_data_plane.envoy.config.accesslog.v3 import AccessLog
from envoy_data_plane.envoy.config.core.v3 import (
    GrpcService,
    GrpcServiceEnvoyGrpc,
    RuntimeFeatureFlag,
    RuntimeFractionalPercent,
    SubstitutionFormatString,
    TypedExtensionConfig,
)
from envoy_data_plane.envoy.config.trace.v3 import OpenTelemetryConfig, TracingHttp
from envoy_data_plane.envoy.extensions.access_loggers.stream.v3 import StdoutAccessLog
from envoy_data_plane.envoy.extensions.compression.gzip.compressor.v3 import Gzip
from envoy_data_plane.envoy.extensions.filters.http.buffer.v3 import Buffer
from envoy_data_plane.envoy.extensions.filters.http.compressor.v3 import (
    Compressor,
    CompressorCommonDirectionConfig,
    CompressorResponseDirectionConfig,
)
from envoy_data_plane.envoy.extensions.filters.http.local_ratelimit.v3 import LocalRateLimit
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManagerTracing,
    HttpFilter,
)
from envoy_data_plane.envoy.type.v3 import FractionalPercent, FractionalPercentDenominatorType, Percent, TokenBucket
from envoy_data_plane.google.protobuf import Any, Struct

from deploy.envoy.params import EdgeParams

OTLP_CLUSTER = "otel_collector"

# One JSON object per request on stdout; trace_id joins it to the gateway's logs and spans.
ACCESS_LOG_FIELDS = {
    "time": "%START_TIME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "status": "%RESPONSE_CODE%",
    "flags": "%RESPONSE_FLAGS%",
    "bytes_in": "%BYTES_RECEIVED%",
    "bytes_out": "%BYTES_SENT%",
    "duration_ms": "%DURATION%",
    "upstream_ms": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    "upstream": "%UPSTREAM_HOST%",
    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "trace_id": "%TRACE_ID%",
    "traceparent": "%REQ(TRACEPARENT)%",
    "user_agent": "%REQ(USER-AGENT)%",
}


def typed(name: str, config: object) -> TypedExtensionConfig:
    return TypedExtensionConfig(name=name, typed_config=Any.pack(config))  # type: ignore[arg-type]


def _always() -> RuntimeFractionalPercent:
    return RuntimeFractionalPercent(
        default_value=FractionalPercent(numerator=100, denominator=FractionalPercentDenominatorType.HUNDRED)
    )


def rate_limit(params: EdgeParams) -> HttpFilter:
    limit = LocalRateLimit(
        stat_prefix="edge_rate_limit",
        token_bucket=TokenBucket(
            max_tokens=params.rate_limit_burst,
            tokens_per_fill=params.rate_limit_per_second,
            fill_interval=timedelta(seconds=1),
        ),
        filter_enabled=_always(),
        filter_enforced=_always(),
    )
    return HttpFilter(name="envoy.filters.http.local_ratelimit", typed_config=Any.pack(limit))


def request_size_limit(params: EdgeParams) -> HttpFilter:
    return HttpFilter(
        name="envoy.filters.http.buffer", typed_config=Any.pack(Buffer(max_request_bytes=params.max_request_bytes))
    )


def gzip() -> HttpFilter:
    compressor = Compressor(
        response_direction_config=CompressorResponseDirectionConfig(
            common_config=CompressorCommonDirectionConfig(
                enabled=RuntimeFeatureFlag(default_value=True, runtime_key="edge.gzip.enabled"),
                min_content_length=1024,
            )
        ),
        compressor_library=typed("envoy.compression.gzip.compressor", Gzip()),
    )
    return HttpFilter(name="envoy.filters.http.compressor", typed_config=Any.pack(compressor))


def router() -> HttpFilter:
    return HttpFilter(name="envoy.filters.http.router", typed_config=Any.pack(Router()))


def http_filters(params: EdgeParams) -> list[HttpFilter]:
    return [rate_limit(params), request_size_limit(params), gzip(), router()]


def upgrade_filters(params: EdgeParams) -> list[HttpFilter]:
    """The chain of an upgraded (WebSocket) stream: the rate limit counts the upgrade request;
    buffering would hold it forever and gzip has nothing to compress."""
    return [rate_limit(params), router()]


def access_log() -> AccessLog:
    stdout = StdoutAccessLog(log_format=SubstitutionFormatString(json_format=Struct.from_dict(ACCESS_LOG_FIELDS)))
    return AccessLog(name="envoy.access_loggers.stdout", typed_config=Any.pack(stdout))


def tracing(params: EdgeParams) -> HttpConnectionManagerTracing | None:
    """Envoy's own span, exported over OTLP; the gateway's spans become its children."""
    if params.otlp_collector is None:
        return None
    otel = OpenTelemetryConfig(
        grpc_service=GrpcService(envoy_grpc=GrpcServiceEnvoyGrpc(cluster_name=OTLP_CLUSTER)),
        service_name=params.service_name,
    )
    return HttpConnectionManagerTracing(
        provider=TracingHttp(name="envoy.tracers.opentelemetry", typed_config=Any.pack(otel)),
        random_sampling=Percent(value=params.trace_sampling_percent),
    )
