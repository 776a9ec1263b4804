"""What varies between the places Envoy fronts the gateway: addresses, limits, intervals.

One :class:`EdgeParams` describes one deployment of the edge; :mod:`deploy.envoy.edge` turns it
into a typed ``Bootstrap``. The defaults are production's (compose and Kubernetes reach the
gateway by its DNS name); the local stack overrides addresses and intervals
(:func:`devstack.edge.local_params`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

MIB = 1024 * 1024
# The largest media object a client may upload (the media size setting does not exist yet; when
# it does, pass its value here).
DEFAULT_MEDIA_LIMIT_BYTES = 25 * MIB
# Multipart framing and JSON fields around the largest upload.
DEFAULT_BODY_HEADROOM_BYTES = 1 * MIB


@dataclass(frozen=True)
class Upstream:
    """A host:port Envoy connects to: a DNS name (resolved continuously) or a literal IP."""

    host: str
    port: int

    @property
    def is_ip(self) -> bool:
        return self.host.replace(".", "").isdigit() or ":" in self.host

    @classmethod
    def from_url(cls, url: str) -> Upstream:
        """``http://collector:4317`` or ``collector:4317`` (the OTLP endpoint forms)."""
        parts = urlsplit(url if "//" in url else f"//{url}")
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"{url!r} names no host:port")
        return cls(parts.hostname, parts.port)


@dataclass(frozen=True)
class EdgeParams:
    """Everything the generated edge configuration depends on."""

    listen_host: str = "0.0.0.0"
    listen_port: int = 8000
    # The admin interface serves /ready and /stats/prometheus; never publish it.
    admin_host: str = "0.0.0.0"
    admin_port: int = 9901
    gateway: Upstream = Upstream("gateway", 8080)
    # Further gateway addresses (a local stack's replicas; in a cluster the gateway's DNS name
    # resolves to every replica already).
    more_gateways: tuple[Upstream, ...] = ()
    # OTLP/gRPC collector for Envoy's own spans; None: no tracer (trace headers still pass through).
    otlp_collector: Upstream | None = Upstream("otel-collector", 4317)
    service_name: str = "envoy"
    # The share of requests (percent) whose trace Envoy records: it starts every request's trace, and
    # the gateway and the services follow its decision, so this is the sampling that applies (the
    # same as OTEL_TRACES_SAMPLER_ARG, 0.1, in the Kubernetes ConfigMap; a test holds them equal).
    trace_sampling_percent: float = 10.0
    media_limit_bytes: int = DEFAULT_MEDIA_LIMIT_BYTES
    body_headroom_bytes: int = DEFAULT_BODY_HEADROOM_BYTES
    # Local rate limit per Envoy instance: far above what a test or a benchmark sends, so it only
    # stops a runaway client (DESIGN: it must never throttle a test or benchmark run).
    rate_limit_per_second: int = 20_000
    rate_limit_burst: int = 40_000
    max_connections: int = 50_000
    api_timeout: timedelta = timedelta(seconds=60)
    docs_timeout: timedelta = timedelta(seconds=15)
    # A live socket with no frame either way for this long is closed (the gateway pings every 20 s).
    websocket_idle_timeout: timedelta = timedelta(minutes=5)
    retries: int = 2
    per_try_timeout: timedelta = timedelta(seconds=20)
    health_path: str = "/api/v1/utils/health-check/"
    health_interval: timedelta = timedelta(seconds=5)
    # How often an idle cluster is checked (Envoy's default is 60 s; the local stack uses 1 s).
    health_no_traffic_interval: timedelta = timedelta(seconds=10)
    health_timeout: timedelta = timedelta(seconds=3)

    @property
    def max_request_bytes(self) -> int:
        return self.media_limit_bytes + self.body_headroom_bytes
