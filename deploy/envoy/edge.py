"""The edge Envoy in front of the gateway, built from typed ``envoy-data-plane`` objects.

Public routes: ``/api/v1`` (the REST surface), the pages ``/docs``, ``/redoc`` and ``/console``
(each with the assets it loads, served by the gateway itself) and ``/openapi.json`` go to the gateway;
anything else, ``/metrics`` included, gets Envoy's own 404, so the gateway's metrics are scraped
on its pod and never served to the internet. Idempotent methods (GET, HEAD, OPTIONS, PUT,
DELETE) are retried on connection failures and resets; POST and PATCH never are, since a retry
could apply them twice.

WebSocket upgrades are allowed on ``/api/v1/ws`` only (the live stream, gateway/live): the
connection manager declares the upgrade disabled, the route enables it, and the upgraded stream
runs a filter chain without the buffer (it would wait for the end of a request that never ends)
and without gzip. No route timeout there (a socket lives for hours); the gateway's WebSocket
pings every 20 s keep it inside the stream idle timeout. Any gateway replica serves any socket
(each reads every event), so plain per-request balancing is enough: no sticky sessions.

The gateway cluster is health-checked on its health route and a 503 there counts as healthy:
the gateway answers 503 (with ``Retry-After``) while a service it needs is down, which clients
should see rather than Envoy's generic "no healthy upstream".

``render`` writes YAML (snake_case keys, as Envoy's docs show it); ``parse`` reads YAML back into
a ``Bootstrap``, refusing unknown fields, enums and types.
"""

from __future__ import annotations

import re
from datetime import timedelta

import betterproto2
import yaml
from envoy_data_plane.envoy.config.bootstrap.v3 import Admin, Bootstrap, BootstrapStaticResources
from envoy_data_plane.envoy.config.cluster.v3 import (
    CircuitBreakers,
    CircuitBreakersThresholds,
    Cluster,
    ClusterDiscoveryType,
    ClusterDnsLookupFamily,
    OutlierDetection,
)
from envoy_data_plane.envoy.config.core.v3 import (
    Address,
    DataSource,
    HeaderValue,
    HeaderValueOption,
    HeaderValueOptionHeaderAppendAction,
    HealthCheck,
    HealthCheckHttpHealthCheck,
    Http1ProtocolOptions,
    Http2ProtocolOptions,
    HttpProtocolOptions,
    SocketAddress,
)
from envoy_data_plane.envoy.config.endpoint.v3 import (
    ClusterLoadAssignment,
    Endpoint,
    LbEndpoint,
    LocalityLbEndpoints,
)
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.overload.v3 import OverloadManager, ResourceMonitor
from envoy_data_plane.envoy.config.route.v3 import (
    DirectResponseAction,
    HeaderMatcher,
    RetryPolicy,
    RetryPolicyRetryHostPredicate,
    Route,
    RouteAction,
    RouteActionUpgradeConfig,
    RouteConfiguration,
    RouteMatch,
    Tracing,
    VirtualHost,
)
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpConnectionManagerUpgradeConfig,
)
from envoy_data_plane.envoy.extensions.resource_monitors.downstream_connections.v3 import DownstreamConnectionsConfig
from envoy_data_plane.envoy.extensions.retry.host.previous_hosts.v3 import PreviousHostsPredicate
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import (
    HttpProtocolOptions as UpstreamHttpProtocolOptions,
)
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import (
    HttpProtocolOptionsExplicitHttpConfig,
)
from envoy_data_plane.envoy.type.matcher.v3 import RegexMatcher, StringMatcher
from envoy_data_plane.envoy.type.v3 import FractionalPercent, FractionalPercentDenominatorType, Int64Range
from envoy_data_plane.google.protobuf import Any

from deploy.envoy import filters
from deploy.envoy.params import EdgeParams, Upstream

GATEWAY_CLUSTER = "gateway"
LISTENER = "public"
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
# Connection-level failures only: the gateway's own 5xx answers are final (it already retried
# its gRPC calls), so a retry here only covers a gateway replica that went away.
RETRY_ON = "connect-failure,refused-stream,reset"
# Killing a gateway fails every request in flight on it at once, and Envoy allows only 3 retries
# in flight per cluster by default: the others answered 503 (upstream_rq_retry_overflow) in the
# replicas test. Retries stay bounded per request (num_retries), so the cluster-wide cap is high.
MAX_RETRIES_IN_FLIGHT = 1024
NOT_FOUND_BODY = '{"detail":"Not Found"}'
UPSTREAM_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
WEBSOCKET = "websocket"
LIVE_SOCKET_PATH = "/api/v1/ws"
PAGES = (("docs", "/docs"), ("redoc", "/redoc"), ("console", "/console"))


def _address(host: str, port: int) -> Address:
    return Address(socket_address=SocketAddress(address=host, port_value=port))


def _cluster(name: str, upstream: Upstream, *more: Upstream, http2: bool = False, timeout: timedelta) -> Cluster:
    """A cluster of named upstreams: STRICT_DNS follows every address a name resolves to (each
    gateway replica behind a headless Service), STATIC takes literal IPs as they are."""
    cluster = Cluster(
        name=name,
        type=ClusterDiscoveryType.STATIC if upstream.is_ip else ClusterDiscoveryType.STRICT_DNS,
        connect_timeout=timeout,
        dns_lookup_family=ClusterDnsLookupFamily.V4_PREFERRED,
        load_assignment=ClusterLoadAssignment(
            cluster_name=name,
            endpoints=[
                LocalityLbEndpoints(
                    lb_endpoints=[
                        LbEndpoint(endpoint=Endpoint(address=_address(u.host, u.port))) for u in (upstream, *more)
                    ]
                )
            ],
        ),
    )
    if http2:
        options = UpstreamHttpProtocolOptions(
            explicit_http_config=HttpProtocolOptionsExplicitHttpConfig(http2_protocol_options=Http2ProtocolOptions())
        )
        cluster.typed_extension_protocol_options = {UPSTREAM_OPTIONS: Any.pack(options)}
    return cluster


def gateway_cluster(params: EdgeParams) -> Cluster:
    cluster = _cluster(GATEWAY_CLUSTER, params.gateway, *params.more_gateways, timeout=timedelta(seconds=2))
    # A replica that refuses connections (killed, restarting) is ejected at its first failure,
    # not after three health checks: idempotent requests are retried meanwhile, but a POST or
    # PATCH sent to it would fail.
    cluster.outlier_detection = OutlierDetection(
        split_external_local_origin_errors=True,
        consecutive_local_origin_failure=1,
        enforcing_consecutive_local_origin_failure=100,
        base_ejection_time=timedelta(seconds=5),
        max_ejection_percent=50,
    )
    cluster.circuit_breakers = CircuitBreakers(
        thresholds=[CircuitBreakersThresholds(max_retries=MAX_RETRIES_IN_FLIGHT)]
    )
    cluster.health_checks = [
        HealthCheck(
            timeout=params.health_timeout,
            interval=params.health_interval,
            no_traffic_interval=params.health_no_traffic_interval,
            unhealthy_threshold=3,
            healthy_threshold=1,
            http_health_check=HealthCheckHttpHealthCheck(
                path=params.health_path,
                expected_statuses=[Int64Range(start=200, end=201), Int64Range(start=503, end=504)],
            ),
        )
    ]
    # Uvicorn closes idle keep-alive connections after 5 s; close ours first so a request is never
    # sent on a connection the gateway is closing.
    options = UpstreamHttpProtocolOptions(
        common_http_protocol_options=HttpProtocolOptions(idle_timeout=timedelta(seconds=4)),
        explicit_http_config=HttpProtocolOptionsExplicitHttpConfig(http_protocol_options=Http1ProtocolOptions()),
    )
    cluster.typed_extension_protocol_options = {UPSTREAM_OPTIONS: Any.pack(options)}
    return cluster


def _methods(methods: tuple[str, ...]) -> HeaderMatcher:
    pattern = "^(" + "|".join(re.escape(m) for m in methods) + ")$"
    return HeaderMatcher(name=":method", string_match=StringMatcher(safe_regex=RegexMatcher(regex=pattern)))


def _never() -> FractionalPercent:
    return FractionalPercent(numerator=0, denominator=FractionalPercentDenominatorType.HUNDRED)


def _to_gateway(timeout: timedelta, retry: RetryPolicy | None = None) -> RouteAction:
    return RouteAction(cluster=GATEWAY_CLUSTER, timeout=timeout, retry_policy=retry)


def routes(params: EdgeParams) -> list[Route]:
    retry = RetryPolicy(
        retry_on=RETRY_ON,
        num_retries=params.retries,
        per_try_timeout=params.per_try_timeout,
        # A retry goes to another gateway than the ones that failed it (when there is one).
        retry_host_predicate=[
            RetryPolicyRetryHostPredicate(
                name="envoy.retry_host_predicates.previous_hosts", typed_config=Any.pack(PreviousHostsPredicate())
            )
        ],
        host_selection_retry_max_attempts=5,
    )
    api = "/api/v1"
    return [
        Route(
            name="live-websocket",
            match=RouteMatch(path=LIVE_SOCKET_PATH),
            route=RouteAction(
                cluster=GATEWAY_CLUSTER,
                timeout=timedelta(0),
                idle_timeout=params.websocket_idle_timeout,
                upgrade_configs=[RouteActionUpgradeConfig(upgrade_type=WEBSOCKET, enabled=True)],
            ),
        ),
        # Load balancers and supervisors poll it every few seconds: never a trace of its own
        # (the gateway does not trace it either), but retried like any idempotent read.
        Route(
            name="health-check",
            match=RouteMatch(path=params.health_path),
            route=_to_gateway(params.health_timeout, retry),
            tracing=Tracing(client_sampling=_never(), random_sampling=_never(), overall_sampling=_never()),
        ),
        Route(
            name="api-idempotent",
            match=RouteMatch(path_separated_prefix=api, headers=[_methods(IDEMPOTENT_METHODS)]),
            route=_to_gateway(params.api_timeout, retry),
        ),
        Route(name="api", match=RouteMatch(path_separated_prefix=api), route=_to_gateway(params.api_timeout)),
        # The gateway's pages and their self-hosted assets: /docs (Swagger UI, with /docs/assets),
        # /redoc and the review console.
        *(
            Route(
                name=name, match=RouteMatch(path_separated_prefix=path), route=_to_gateway(params.docs_timeout, retry)
            )
            for name, path in PAGES
        ),
        Route(name="openapi", match=RouteMatch(path="/openapi.json"), route=_to_gateway(params.docs_timeout, retry)),
        Route(
            name="not-found",
            match=RouteMatch(prefix="/"),
            direct_response=DirectResponseAction(status=404, body=DataSource(inline_string=NOT_FOUND_BODY)),
            response_headers_to_add=[
                HeaderValueOption(
                    header=HeaderValue(key="content-type", value="application/json"),
                    append_action=HeaderValueOptionHeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
                )
            ],
        ),
    ]


def client_address_header() -> HeaderValueOption:
    """``X-Forwarded-For`` as exactly the address Envoy saw, whatever the client sent: the
    gateway counts failed logins per client address from it, so a client must not be able to
    name another address (or a fresh one per guess) by sending the header itself."""
    return HeaderValueOption(
        header=HeaderValue(key="x-forwarded-for", value="%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"),
        append_action=HeaderValueOptionHeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    )


def connection_manager(params: EdgeParams) -> HttpConnectionManager:
    return HttpConnectionManager(
        stat_prefix="edge",
        route_config=RouteConfiguration(
            name="public",
            virtual_hosts=[
                VirtualHost(
                    name="platform",
                    domains=["*"],
                    routes=routes(params),
                    request_headers_to_add=[client_address_header()],
                )
            ],
        ),
        http_filters=filters.http_filters(params),
        # Off everywhere but on the route that enables it; its own chain: no buffer, no gzip.
        upgrade_configs=[
            HttpConnectionManagerUpgradeConfig(
                upgrade_type=WEBSOCKET, enabled=False, filters=filters.upgrade_filters(params)
            )
        ],
        access_log=[filters.access_log()],
        tracing=filters.tracing(params),
        # The client's address as Envoy saw it (X-Forwarded-For is then set to it alone, above).
        use_remote_address=True,
        generate_request_id=True,
        request_timeout=params.api_timeout + timedelta(seconds=5),
    )


def listener(params: EdgeParams) -> Listener:
    hcm = Filter(
        name="envoy.filters.network.http_connection_manager", typed_config=Any.pack(connection_manager(params))
    )
    return Listener(
        name=LISTENER,
        address=_address(params.listen_host, params.listen_port),
        filter_chains=[FilterChain(filters=[hcm])],
    )


def bootstrap(params: EdgeParams) -> Bootstrap:
    clusters = [gateway_cluster(params)]
    if params.otlp_collector is not None:
        clusters.append(_cluster(filters.OTLP_CLUSTER, params.otlp_collector, http2=True, timeout=timedelta(seconds=1)))
    return Bootstrap(
        admin=Admin(address=_address(params.admin_host, params.admin_port)),
        static_resources=BootstrapStaticResources(listeners=[listener(params)], clusters=clusters),
        overload_manager=overload_manager(params),
    )


def overload_manager(params: EdgeParams) -> OverloadManager:
    """A ceiling on open client connections, so a connection flood cannot exhaust the process."""
    limit = DownstreamConnectionsConfig(max_active_downstream_connections=params.max_connections)
    monitor = ResourceMonitor(
        name="envoy.resource_monitors.global_downstream_max_connections", typed_config=Any.pack(limit)
    )
    return OverloadManager(resource_monitors=[monitor])


HEADER = "# Generated by `python -m deploy.envoy` from deploy/envoy/edge.py: do not edit by hand.\n"


def render(config: Bootstrap) -> str:
    data = config.to_dict(casing=betterproto2.Casing.SNAKE)
    return HEADER + yaml.safe_dump(data, sort_keys=True, default_flow_style=False)


def parse(text: str) -> Bootstrap:
    return Bootstrap.from_dict(yaml.safe_load(text))
