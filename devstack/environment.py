"""The environment each supervised process receives.

A child inherits the supervisor's environment (so OTEL_*, FIRST_SUPERUSER*, LOG_LEVEL and any
other setting a developer exports reach every process) minus the names that wire a process to
its engines and peers: those the stack sets itself, per process, so an inherited
``DATABASE_URL`` or ``KAFKA_BOOTSTRAP_SERVERS`` can never point a test stack at a developer's
running `make run`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.processes import Kind, ProcessSpec
from platformkit.principal_tokens import KeySet, generate_keys

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
PRINCIPAL_KEYS_FILE = "principal_keys.json"
DEFAULT_SUPERUSER = ("admin@example.com", "changethis")


@dataclass(frozen=True)
class Wiring:
    """Where everything of one stack lives: engines, ports, state folder."""

    state_dir: Path
    gateway_port: int
    grpc_ports: Mapping[str, int]
    database_urls: Mapping[str, str]
    kafka_bootstrap: str
    secret_key: str
    gateway_host: str = "127.0.0.1"
    log_format: str = "json"
    # With Envoy in the table the gateway binds here and Envoy owns ``gateway_port``; None: the
    # gateway itself binds the public port (a table without Envoy).
    gateway_bind_port: int | None = None
    edge_admin_port: int | None = None
    # Per process name: where it serves Prometheus metrics (METRICS_BIND); the gateway serves
    # /metrics on its own HTTP port instead.
    metrics_ports: Mapping[str, int] = field(default_factory=dict)
    # Each process signs the principals it sends with its own key (platformkit.principal_tokens).
    principal_keys: KeySet | None = None
    # Ports of every copy of a replicated service or gateway (``{"shots": (p1, p2)}``): clients
    # balance over a service's copies, Envoy over the gateways'.
    replica_ports: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Set last, over everything else (tests use it to point a stack at fakes).
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        host = "127.0.0.1" if self.gateway_host in {"0.0.0.0", "::", ""} else self.gateway_host
        return f"http://{host}:{self.gateway_port}"

    @property
    def gateway_bind_url(self) -> str:
        """Where the gateway process itself answers (behind Envoy when Envoy runs)."""
        if self.gateway_bind_port is None:
            return self.gateway_url
        return f"http://127.0.0.1:{self.gateway_bind_port}"

    def grpc_address(self, service: str) -> str:
        """Where a service's first (or only) copy listens."""
        return f"127.0.0.1:{self.grpc_ports[service]}"

    def grpc_target(self, service: str) -> str:
        """Where clients reach a service: every copy, balanced per call (gRPC's ``ipv4:`` list)."""
        ports = self.replica_ports.get(service)
        if not ports:
            return self.grpc_address(service)
        return "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)

    def bind_port(self, spec: ProcessSpec) -> int | None:
        """The port a service or gateway process binds (its copy's, when replicated)."""
        kind = spec.replicated
        if kind is not None and spec.replica:
            return self.replica_ports[kind][spec.replica - 1]
        if spec.kind is Kind.GRPC and spec.service is not None:
            return self.grpc_ports[spec.service]
        if spec.kind is Kind.HTTP:
            return self.gateway_port if self.gateway_bind_port is None else self.gateway_bind_port
        return None

    @property
    def gateway_upstreams(self) -> list[str]:
        """Every gateway copy Envoy balances over."""
        ports = self.replica_ports.get("gateway") or (self.gateway_bind_port,)
        return [f"127.0.0.1:{port}" for port in ports]


def is_wiring_name(name: str) -> bool:
    """Names the stack decides per process and never lets a child inherit."""
    upper = name.upper()
    return (
        upper.startswith("DATABASE_URL")
        or upper == "KAFKA_BOOTSTRAP_SERVERS"
        or upper in {"GRPC_BIND", "GRPC_TARGET", "METRICS_BIND"}
        or upper.endswith(("_GRPC_BIND", "_GRPC_TARGET", "_METRICS_BIND"))
        or upper.startswith(("EDGE_", "PRINCIPAL_"))
    )


def secret_key(state_dir: Path, environ: Mapping[str, str] = os.environ) -> str:
    """``SECRET_KEY`` when set, else a key generated once and kept in ``STATE_DIR/secret_key``.

    Persisting it is what keeps issued tokens and signed media URLs valid across restarts; 0600
    because it signs every token. Created with O_EXCL so two starters agree on one key.
    """
    if environ.get("SECRET_KEY"):
        return environ["SECRET_KEY"]
    path = state_dir / SECRET_KEY_FILE
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def principal_keys(state_dir: Path) -> KeySet:
    """The signing keys of every process of the stack, generated once and kept (0600) in
    ``STATE_DIR/principal_keys.json``, so a restarted process still verifies the others."""
    path = state_dir / PRINCIPAL_KEYS_FILE
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        saved = json.loads(path.read_text())
        return KeySet(saved["private"], saved["public"])
    keys = generate_keys()
    with os.fdopen(fd, "w") as out:
        json.dump({"private": dict(keys.private), "public": keys.public}, out)
    return keys


def signer_of(spec: ProcessSpec) -> str | None:
    """Which signer a process is: the gateway, a service, or a worker signing as its service."""
    if spec.kind is Kind.HTTP:
        return "gateway"
    if spec.kind is Kind.GRPC:
        return spec.service
    if spec.kind is Kind.WORKER:
        return spec.database
    return None


def superuser_credentials(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """The first superuser the gateway creates at start (its own defaults when unset)."""
    email = environ.get("FIRST_SUPERUSER") or DEFAULT_SUPERUSER[0]
    password = environ.get("FIRST_SUPERUSER_PASSWORD") or DEFAULT_SUPERUSER[1]
    return email, password


def process_env(spec: ProcessSpec, wiring: Wiring, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The complete environment of one process of the table."""
    env = {k: v for k, v in base.items() if not is_wiring_name(k)}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        # Lines reach the supervisor as they are written, not when a 8 KiB buffer fills.
        PYTHONUNBUFFERED="1",
        STATE_DIR=str(wiring.state_dir),
        SECRET_KEY=wiring.secret_key,
        LOG_FORMAT=wiring.log_format,
        KAFKA_BOOTSTRAP_SERVERS=wiring.kafka_bootstrap,
        GATEWAY_HOST=wiring.gateway_host,
        GATEWAY_PORT=str(wiring.gateway_port),
    )
    for service in wiring.grpc_ports:
        env[f"{service.upper()}_GRPC_TARGET"] = wiring.grpc_target(service)
    if spec.database is not None:
        env[f"DATABASE_URL_{spec.database.upper()}"] = wiring.database_urls[spec.database]
    if spec.kind is Kind.GRPC and spec.service is not None:
        env[f"{spec.service.upper()}_GRPC_BIND"] = f"127.0.0.1:{wiring.bind_port(spec)}"
    if spec.kind is Kind.HTTP and wiring.gateway_bind_port is not None:
        # Behind Envoy: loopback only, whatever public host Envoy listens on.
        env.update(GATEWAY_HOST="127.0.0.1", GATEWAY_PORT=str(wiring.bind_port(spec)))
    if spec.kind is Kind.EDGE:
        env["EDGE_UPSTREAM"] = ",".join(wiring.gateway_upstreams)
        env["EDGE_ADMIN_PORT"] = str(wiring.edge_admin_port)
    if spec.name in wiring.metrics_ports:
        env["METRICS_BIND"] = f"127.0.0.1:{wiring.metrics_ports[spec.name]}"
    signer = signer_of(spec)
    if wiring.principal_keys is not None and signer in wiring.principal_keys.private:
        env.update(wiring.principal_keys.env_for(signer))
    env.update(wiring.extra)
    if env.get("ENVIRONMENT") != "production":
        # Local stacks fetch from and push to loopback (fakes, a developer's receiver): the
        # public-only default is production's, so it is turned off here, explicitly.
        env.setdefault("OUTBOUND_PUBLIC_ONLY", "false")
    return env
