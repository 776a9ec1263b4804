"""What a :class:`devstack.stack.Stack` is asked to run: its configuration, its error, and the
console its processes and its supervisor write to."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devstack.backends import Backends
from devstack.child import LineSink
from devstack.processes import DATABASES, PROCESSES, Database, ProcessSpec
from platformkit.settings import DEFAULT_GRPC_PORTS

# The name the supervisor's own lines go under, beside the processes' names.
SUPERVISOR = "devstack"
Migrate = Callable[[str, str], None]


class StackError(RuntimeError):
    """The stack could not start (busy port, failed migration, process dead or never healthy)."""


def _default_migrate(component: str, url: str) -> None:
    from platformkit.migrations import upgrade

    upgrade(component, url)


def console_sink(names: Sequence[str]) -> LineSink:
    """``name | line`` on stdout, names padded to one column so the lines stay readable."""
    width = max(len(n) for n in [*names, SUPERVISOR])
    lock = threading.Lock()

    def write(name: str, line: str) -> None:
        with lock:
            sys.stdout.write(f"{name:<{width}} | {line}\n")
            sys.stdout.flush()

    return write


@dataclass
class StackConfig:
    state_dir: Path
    backends: Backends
    # The public port: Envoy's when the table has Envoy, else the gateway's own.
    gateway_port: int = 8000
    gateway_host: str = "127.0.0.1"
    # Behind Envoy: where the gateway binds and Envoy's admin port (None: a free port each).
    gateway_internal_port: int | None = None
    edge_admin_port: int | None = None
    grpc_ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_GRPC_PORTS))
    processes: Sequence[ProcessSpec] = PROCESSES
    databases: Sequence[Database] = DATABASES
    migrate: Migrate = _default_migrate
    log_format: str = "json"
    # Also append each process's raw output to STATE_DIR/logs/<name>.log.
    log_files: bool = True
    # None: console_sink over the process names.
    sink: LineSink | None = None
    auto_restart: bool = True
    startup_timeout: float = 120.0
    stop_grace: float = 10.0
    # First delay after a crash, doubled per consecutive crash, capped.
    restart_backoff: tuple[float, float] = (0.5, 30.0)
    # A process that ran this long before dying starts its backoff afresh.
    stable_after: float = 30.0
    # The environment children inherit (wiring names removed) and SECRET_KEY/FIRST_SUPERUSER come from.
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    extra_env: Mapping[str, str] = field(default_factory=dict)
