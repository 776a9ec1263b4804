"""How a :class:`devstack.stack.Stack`'s processes find each other: the wiring (ports, database
URLs, keys) built from its configuration, the check that the ports it owns are free, and the
Prometheus target list of every process's metrics endpoint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from devstack.backends import port_in_use
from devstack.environment import Wiring, principal_keys, secret_key
from devstack.ports import free_port
from devstack.processes import Kind, ProcessSpec
from devstack.stack_config import StackConfig, StackError

# Python processes without an HTTP port of their own get one for Prometheus (METRICS_BIND).
METRICS_PORT_KINDS = frozenset({Kind.GRPC, Kind.WORKER})
# Prometheus file_sd list of every process's metrics endpoint, rewritten at each start.
PROMETHEUS_TARGETS = "prometheus/targets.json"


def has_kind(config: StackConfig, kind: Kind) -> bool:
    return any(p.kind is kind for p in config.processes)


def build_wiring(config: StackConfig, state_root: Path) -> Wiring:
    """Every address and secret the processes share; free ports where the configuration names none."""
    edge = has_kind(config, Kind.EDGE)
    return Wiring(
        state_dir=state_root,
        gateway_port=config.gateway_port,
        gateway_host=config.gateway_host,
        grpc_ports=dict(config.grpc_ports),
        database_urls={db.key: config.backends.database_url(db) for db in config.databases},
        kafka_bootstrap=config.backends.kafka_bootstrap,
        secret_key=secret_key(state_root, config.environ),
        log_format=config.log_format,
        gateway_bind_port=(config.gateway_internal_port or free_port()) if edge else None,
        edge_admin_port=(config.edge_admin_port or free_port()) if edge else None,
        metrics_ports={p.name: free_port() for p in config.processes if p.kind in METRICS_PORT_KINDS},
        principal_keys=principal_keys(state_root),
        replica_ports=replica_ports(config.processes),
        extra=dict(config.extra_env),
    )


def replica_ports(processes: Sequence[ProcessSpec]) -> dict[str, tuple[int, ...]]:
    """A free port per copy of each replicated service or gateway of the table."""
    copies: dict[str, int] = {}
    for spec in processes:
        if spec.replica and spec.replicated is not None:
            copies[spec.replicated] = copies.get(spec.replicated, 0) + 1
    return {name: tuple(free_port() for _ in range(count)) for name, count in copies.items()}


def check_ports(config: StackConfig, wiring: Wiring) -> None:
    """Refuse to start when a port the stack will bind is taken, naming the setting that chose it."""
    wanted = {config.gateway_port: "GATEWAY_PORT"} if has_kind(config, Kind.HTTP) else {}
    if wiring.gateway_bind_port is not None:
        wanted[wiring.gateway_bind_port] = "GATEWAY_INTERNAL_PORT"
    if wiring.edge_admin_port is not None:
        wanted[wiring.edge_admin_port] = "ENVOY_ADMIN_PORT"
    for spec in config.processes:
        if spec.kind is Kind.GRPC and spec.service and not spec.replica:
            wanted[config.grpc_ports[spec.service]] = f"{spec.service.upper()}_GRPC_PORT"
    wanted.update(config.backends.owned_ports())
    busy = [f"{port} ({setting})" for port, setting in sorted(wanted.items()) if port_in_use(port)]
    if busy:
        raise StackError(f"port(s) already in use: {', '.join(busy)}; free them or set another port")


def write_metrics_targets(config: StackConfig, wiring: Wiring, state_root: Path) -> None:
    """Where a local Prometheus finds every process (``file_sd_configs``), ports included."""
    groups = [
        {"targets": [f"127.0.0.1:{port}"], "labels": {"process": name}}
        for name, port in sorted(wiring.metrics_ports.items())
    ]
    groups += [
        {"targets": [f"127.0.0.1:{wiring.bind_port(spec)}"], "labels": {"process": spec.name}}
        for spec in config.processes
        if spec.kind is Kind.HTTP
    ]
    if wiring.edge_admin_port is not None:
        labels = {"process": "envoy", "__metrics_path__": "/stats/prometheus"}
        groups.append({"targets": [f"127.0.0.1:{wiring.edge_admin_port}"], "labels": labels})
    path = state_root / PROMETHEUS_TARGETS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(groups, indent=1))
