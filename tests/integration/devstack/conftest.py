"""Stacks made of fake processes (tests/integration/devstack/fakes) on the session's engines.

The fakes behave like the real components at the edges the supervisor sees (a gRPC health
server on ``<SERVICE>_GRPC_BIND``, an HTTP health check, a port-less worker), so the mechanics
are tested with real processes, real engines and real signals, without the domain code.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack.backends import Backends
from devstack.child import group_members
from devstack.ports import free_port
from devstack.processes import Database, Kind, ProcessSpec
from devstack.stack import Stack
from devstack.stack_config import StackConfig

FAKES = "tests.integration.devstack.fakes"
_names = itertools.count()


def fake_service(name: str) -> ProcessSpec:
    return ProcessSpec(name, f"{FAKES}.grpc_service", Kind.GRPC, database=name, service=name)


FAKE_GATEWAY = ProcessSpec("gateway", f"{FAKES}.gateway", Kind.HTTP, database="gateway")
FAKE_WORKER = ProcessSpec("worker", f"{FAKES}.worker", Kind.WORKER, database="alpha")
FAKE_TABLE = (fake_service("alpha"), fake_service("beta"), FAKE_WORKER, FAKE_GATEWAY)


@dataclass
class Lines:
    """A sink that keeps every (process, line) it is given."""

    items: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, name: str, line: str) -> None:
        with self.lock:
            self.items.append((name, line))

    def of(self, name: str) -> list[str]:
        with self.lock:
            return [line for who, line in self.items if who == name]


def unique_databases(keys: Sequence[str]) -> tuple[Database, ...]:
    """Uniquely named databases without migrations (the fakes have no models)."""
    n = next(_names)
    return tuple(Database(key, None, f"devstack_{key}_{os.getpid()}_{n}") for key in keys)


def fake_config(
    state_dir: Path, backends: Backends, processes: Sequence[ProcessSpec] = FAKE_TABLE, **overrides: object
) -> StackConfig:
    services = [p.service for p in processes if p.service]
    keys = sorted({p.database for p in processes if p.database} | {"gateway"})
    options: dict[str, object] = {
        "gateway_port": free_port(),
        "grpc_ports": {s: free_port() for s in services},
        "processes": tuple(processes),
        "databases": unique_databases(keys),
        "sink": Lines(),
        "startup_timeout": 30.0,
        "stop_grace": 5.0,
        "restart_backoff": (0.1, 1.0),
        **overrides,
    }
    return StackConfig(state_dir=state_dir, backends=backends, **options)  # type: ignore[arg-type]


def shared_backends(engines) -> Backends:  # type: ignore[no-untyped-def]
    return Backends(postgres=engines.pg, broker=engines.broker, owned=False)


@pytest.fixture
def make_stack(tmp_path: Path, engines) -> Iterator[Callable[..., Stack]]:  # type: ignore[no-untyped-def]
    """Build (not start) stacks of fakes on the session engines; every one is stopped at teardown."""
    stacks: list[Stack] = []

    def make(processes: Sequence[ProcessSpec] = FAKE_TABLE, **overrides: object) -> Stack:
        state_dir = Path(overrides.pop("state_dir", tmp_path / f"state{len(stacks)}"))  # type: ignore[arg-type]
        stack = Stack(fake_config(state_dir, shared_backends(engines), processes, **overrides))
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Poll a condition that becomes true asynchronously (a bound, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def env_of(stack: Stack, name: str) -> dict[str, str]:
    """The environment a fake process really received (it dumps it at start)."""
    return json.loads((stack.state.root / "env" / f"{stack.pid(name)}.json").read_text())


def assert_groups_gone(pids: Sequence[int]) -> None:
    """No process of any of these groups (leader, grandchildren) is alive."""
    leftovers = {pid: group_members(pid) for pid in pids if group_members(pid)}
    assert leftovers == {}


def persistent_stack(state_dir: Path, ports: dict[str, int], **overrides: object) -> Stack:
    """A stack that owns embedded engines in ``state_dir``, configured the way `make run` does it.

    Fixed names and ports, so that two stacks built from the same arguments are two runs of the
    same installation (the state-folder tests and ``fakes.supervisor`` share it).
    """
    from devstack.run import backends_from_env

    backends = backends_from_env({k: str(v) for k, v in ports.items()}, state_dir)
    options: dict[str, object] = {
        "databases": (Database("alpha", None, "platform_alpha"),),
        "grpc_ports": {"alpha": ports["ALPHA_GRPC_PORT"]},
        **overrides,
    }
    return Stack(fake_config(state_dir, backends, (fake_service("alpha"), FAKE_WORKER), **options))
