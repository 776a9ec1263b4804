"""Whole-platform stacks for tests: every process of `make run`, each its own process, on engines
the test chooses.

One builder serves the session's end-to-end stack (tests/e2e/conftest.py) and the fault stacks
that tests/reliability breaks on purpose, so both start exactly the way `make run` does and a
fix to start-up reaches both. What differs is passed in: the PostgreSQL server (the session's
one, or a private one a test may restart), the broker (always private: integration tests use
the same consumer group ids on the session broker and would steal a stack's partitions), extra
environment and whether crashed processes come back on their own.

Also here: the in-memory :class:`Output` sink whose lines a failing test's report shows, and the
HTTP helpers (:func:`api_client`, :func:`login`, :class:`Users`) tests drive the platform with.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.backends import Backends
from devstack.engines import EmbeddedBroker, EmbeddedPostgres
from devstack.environment import DEFAULT_SUPERUSER
from devstack.ports import free_port
from devstack.processes import DATABASES, PROCESSES, ProcessSpec
from devstack.stack import Stack
from devstack.stack_config import StackConfig
from platformkit.settings import DEFAULT_GRPC_PORTS
from tests.support.passwords import CHEAP_HASHING_ENV

SUPERUSER_EMAIL, SUPERUSER_PASSWORD = DEFAULT_SUPERUSER
# Generous: the first /openapi.json and the first calls after a fault are slow on a loaded machine.
CLIENT_TIMEOUT = 30.0
REPORTED_LINES = 300


class Output:
    """A stack's sink: numbered lines in memory, so a failing test shows what the processes said
    meanwhile. Never the terminal: relay threads write at any time, also while pytest reports."""

    def __init__(self, keep: int = 50_000) -> None:
        self._lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=keep)
        self._count = itertools.count()
        self._lock = threading.Lock()
        self.width = max(len(p.name) for p in PROCESSES)

    def __call__(self, name: str, line: str) -> None:
        with self._lock:
            self._lines.append((next(self._count), f"{name:<{self.width}} | {line}"))

    def mark(self) -> int:
        with self._lock:
            return self._lines[-1][0] + 1 if self._lines else 0

    def since(self, mark: int) -> list[str]:
        with self._lock:
            return [line for number, line in self._lines if number >= mark]


ReportHooks = tuple[Callable[[pytest.Item], None], Callable[..., Generator[None, Any, Any]]]


def report_hooks(output: Output) -> ReportHooks:
    """``pytest_runtest_setup`` and ``pytest_runtest_makereport`` for a conftest: a failing test's
    report gets a "platform output" section with the lines ``output`` received while it ran."""
    started_at = pytest.StashKey[int]()

    def setup(item: pytest.Item) -> None:
        item.stash[started_at] = output.mark()

    @pytest.hookimpl(wrapper=True)
    def makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        if report.failed and started_at in item.stash:
            lines = output.since(item.stash[started_at])[-REPORTED_LINES:]
            if lines:
                report.sections.append(("platform output", "\n".join(lines)))
        return report

    return setup, makereport


def build_stack(
    state_dir: Path,
    *,
    postgres: EmbeddedPostgres,
    broker_bootstrap: str,
    sink: Output,
    prefix: str,
    extra_env: Mapping[str, str] | None = None,
    auto_restart: bool = True,
    processes: Sequence[ProcessSpec] = PROCESSES,
) -> Stack:
    """A stack (not started) of every process on ``postgres`` (fresh databases named
    ``<prefix>_<key>_<run>``) and the broker at ``broker_bootstrap``, on free ports.

    The engines are borrowed (``owned=False``): the caller starts, restarts and stops them, which
    is what fault tests need. The first superuser has fixed credentials whatever the developer
    exported, so fixtures can log in.
    """
    run = uuid.uuid4().hex[:8]
    return Stack(
        StackConfig(
            state_dir=state_dir,
            backends=Backends(postgres=postgres, external_kafka=broker_bootstrap, owned=False),
            databases=tuple(replace(db, name=f"{prefix}_{db.key}_{run}") for db in DATABASES),
            gateway_port=free_port(),
            grpc_ports={name: free_port() for name in DEFAULT_GRPC_PORTS},
            sink=sink,
            startup_timeout=90.0,
            auto_restart=auto_restart,
            processes=processes,
            extra_env={
                "FIRST_SUPERUSER": SUPERUSER_EMAIL,
                "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
                **CHEAP_HASHING_ENV,
                # Every board a test serves from memory is composed again and compared.
                "BOARD_CACHE_AUDIT": "1",
                **(extra_env or {}),
            },
        )
    )


@contextlib.contextmanager
def started_stack(
    folders: pytest.TempPathFactory,
    *,
    postgres: EmbeddedPostgres,
    sink: Output,
    prefix: str,
    extra_env: Mapping[str, str],
    processes: Sequence[ProcessSpec] = PROCESSES,
) -> Iterator[Stack]:
    """A stack of :func:`build_stack` on ``postgres`` and a broker of its own, in a new folder,
    started; both are stopped when the block ends. (A broker of its own: integration tests in the
    same session run service code with the same consumer group ids on the session broker, and
    would steal the stack's partitions.)"""
    state_dir = folders.mktemp(f"{prefix}-stack")
    broker = EmbeddedBroker(free_port(), log_path=state_dir / "broker.log")
    broker.start()
    stack = build_stack(
        state_dir,
        postgres=postgres,
        broker_bootstrap=broker.bootstrap,
        sink=sink,
        prefix=prefix,
        extra_env=extra_env,
        processes=processes,
    )
    began = time.monotonic()
    try:
        stack.start()
        stack.say(f"{prefix} stack ready in {time.monotonic() - began:.1f}s at {stack.gateway_url}")
        yield stack
    finally:
        stack.stop()
        broker.stop()


def api_client(stack: Stack, token: str | None = None) -> httpx.AsyncClient:
    """A client of the stack's public ``/api/v1`` (through Envoy), with ``token`` when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return httpx.AsyncClient(base_url=f"{stack.gateway_url}/api/v1", timeout=CLIENT_TIMEOUT, headers=headers)


@contextlib.asynccontextmanager
async def logged_in(stack: Stack, email: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the stack's API holding ``email``'s bearer token."""
    async with api_client(stack) as client:
        await login(client, email, password)
        yield client


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    """Trade credentials for a bearer token and make ``client`` send it."""
    response = await client.post("/login/access-token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return str(token)


@dataclass
class ApiUser:
    id: str
    email: str
    password: str
    client: httpx.AsyncClient
    public: dict[str, Any]

    @property
    def token(self) -> str:
        return str(self.client.headers["Authorization"]).removeprefix("Bearer ")


class Users:
    """Creates users through an admin's client and logs each in with a client of its own.

    ``await users.create(is_superuser=False, email=None, password=None, full_name=None)``; unique
    email and a random password by default. ``aclose()`` closes every client it opened.
    """

    def __init__(self, stack: Stack, admin: httpx.AsyncClient) -> None:
        self.stack = stack
        self.admin = admin
        self._clients: list[httpx.AsyncClient] = []

    async def create(
        self,
        *,
        is_superuser: bool = False,
        email: str | None = None,
        password: str | None = None,
        full_name: str | None = None,
    ) -> ApiUser:
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = password or f"pw-{uuid.uuid4().hex}"
        body = {"email": email, "password": password, "full_name": full_name, "is_superuser": is_superuser}
        response = await self.admin.post("/users/", json=body)
        assert response.status_code == 200, response.text
        client = api_client(self.stack)
        self._clients.append(client)
        await login(client, email, password)
        public = response.json()
        return ApiUser(id=public["id"], email=email, password=password, client=client, public=public)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
