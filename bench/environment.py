"""The stack a benchmark measures: isolated, its own engines, free ports, a temporary folder.

:func:`isolated_stack` builds the devstack :class:`~devstack.stack.Stack` the way the end-to-end
``stack`` fixture does, but with engines it owns (started and stopped with it), so nothing is
shared with a running `make run` or a test session. :class:`BenchEnvironment` adds what only the
bench needs around it: the floor process (bench/floor.py) on the same PostgreSQL, the pids the
sampler watches, Prometheus scrapes of every process and SQL statement counting through
the origin-labelled statement counter.
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from devstack.backends import Backends
from devstack.child import Child
from devstack.engines import EmbeddedBroker, EmbeddedPostgres, use_private_runtime_dir
from devstack.environment import DEFAULT_SUPERUSER
from devstack.health import wait_until
from devstack.ports import free_port
from devstack.processes import DATABASES
from devstack.stack import Stack
from devstack.stack_config import StackConfig
from platformkit.settings import DEFAULT_GRPC_PORTS

SHOWN_ON_FAILURE = 200


def isolated_stack(state_dir: Path, sink: collections.deque[str], extra_env: Mapping[str, str] | None = None) -> Stack:
    """Engines of its own (owned: started and stopped with the stack) on free ports."""
    # The embedded PostgreSQL keeps a lock under XDG_RUNTIME_DIR: ours, not the machine's (D0.43).
    os.environ.pop("XDG_RUNTIME_DIR", None)
    use_private_runtime_dir(state_dir / "run" / "xdg")
    email, password = DEFAULT_SUPERUSER
    backends = Backends(
        # Commit timestamps: scenario 5 reads when a change and the roll-up that applied it committed.
        postgres=EmbeddedPostgres(state_dir / "postgres", free_port(), settings={"track_commit_timestamp": "on"}),
        broker=EmbeddedBroker(free_port(), log_path=state_dir / "logs" / "broker.log"),
        owned=True,
    )
    env = {"FIRST_SUPERUSER": email, "FIRST_SUPERUSER_PASSWORD": password, "LOG_LEVEL": "WARNING"}
    return Stack(
        StackConfig(
            state_dir=state_dir,
            backends=backends,
            gateway_port=free_port(),
            grpc_ports={name: free_port() for name in DEFAULT_GRPC_PORTS},
            sink=lambda name, line: sink.append(f"{name} | {line}"),
            startup_timeout=120.0,
            extra_env={**env, **(extra_env or {})},
        )
    )


def database_name(key: str) -> str:
    return next(db.name for db in DATABASES if db.key == key)


class BenchEnvironment:
    """An isolated stack with the bench routes on, plus the floor process; ``with`` stops all."""

    def __init__(self, root: Path | None = None) -> None:
        if root is not None:
            root.mkdir(parents=True)
        self.root = root or Path(tempfile.mkdtemp(prefix="bench-"))
        self.output: collections.deque[str] = collections.deque(maxlen=SHOWN_ON_FAILURE)
        self.stack = isolated_stack(self.root, self.output, {"BENCH_ENDPOINTS": "1"})
        self.floor: Child | None = None
        self.floor_port = free_port()
        self.started_seconds = 0.0

    @property
    def postgres(self) -> EmbeddedPostgres:
        pg = self.stack.config.backends.postgres
        assert pg is not None
        return pg

    @property
    def public_url(self) -> str:
        """Envoy's port: the path every client takes."""
        return self.stack.gateway_url

    @property
    def gateway_url(self) -> str:
        """The gateway's own loopback port (behind Envoy)."""
        assert self.stack.wiring is not None
        return self.stack.wiring.gateway_bind_url

    @property
    def floor_url(self) -> str:
        return f"http://127.0.0.1:{self.floor_port}"

    def dsn(self, key: str) -> str:
        """A plain asyncpg DSN of one of the stack's databases."""
        return self.postgres.url(database_name(key), driver="postgresql")

    def start(self) -> None:
        began = time.monotonic()
        self.stack.start()
        env = {**os.environ, "BENCH_FLOOR_DSN": self.dsn("shootings"), "BENCH_FLOOR_PORT": str(self.floor_port)}
        self.floor = Child.python_module("floor", "bench.floor", env, lambda name, line: self.output.append(line))
        self.floor.start()
        wait_until(self._floor_up, timeout=60, what="the floor process")
        self.started_seconds = time.monotonic() - began

    def _floor_up(self) -> bool:
        try:
            return httpx.get(f"{self.floor_url}/floor/constant", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        try:
            if self.floor is not None:
                self.floor.stop(10)
        finally:
            self.stack.stop()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> BenchEnvironment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the sampler and the counters look at ----------------------------------------

    def pids(self) -> dict[str, int]:
        """Every process of the run by name: the stack's, the engines, the floor, the driver."""
        pids = {name: self.stack.pid(name) for name in self.stack.names}
        pid_file = self.postgres.data_dir / "postmaster.pid"
        pids["postgres"] = int(pid_file.read_text().split()[0])
        broker = self.stack.config.backends.broker
        if broker is not None and broker.process is not None:
            pids["broker"] = broker.process.pid
        if self.floor is not None:
            pids["floor"] = self.floor.pid
        pids["driver"] = os.getpid()
        return pids

    def metrics_urls(self) -> dict[str, str]:
        """Prometheus endpoint of every Python process of the stack."""
        wiring = self.stack.wiring
        assert wiring is not None
        urls = {name: f"http://127.0.0.1:{port}/metrics" for name, port in wiring.metrics_ports.items()}
        urls["gateway"] = f"{self.gateway_url}/metrics"
        return urls
