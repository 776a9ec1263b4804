"""End-to-end fixtures: the whole platform as separate processes, started the way `make run` does.

``stack`` (session)
    A started :class:`devstack.stack.Stack`: the gateway and every service and worker of
    :data:`devstack.processes.PROCESSES`, each its own process, on the session's PostgreSQL
    (``engines`` in tests/conftest.py) with freshly created, uniquely named databases, a broker
    of its own, free ports and a temporary state folder. Never touches a running `make run`.
    Process output: ``<stack.state.root>/logs/<name>.log``; a failing test's report gets a
    "platform output" section with the lines every process wrote while it ran.
    A crashed process is restarted (``stack.restarts(name)`` counts it). To kill one on purpose:
    ``stack.kill(name)`` then ``stack.wait_ready(name, replacing_pid=pid)`` (auto-restart), or
    ``stack.restart(name)``; set ``stack.auto_restart = False`` to keep it down.

``api`` (session)
    ``httpx.AsyncClient`` whose base URL is ``{gateway}/api/v1`` (write ``await
    api.get("/users/me")``), holding the first superuser's bearer token. Async because the suite
    runs on one session event loop (pyproject) and end-to-end tests often fire requests
    concurrently or poll for a worker's result while doing other calls.

``anon_api`` (session)
    The same without a token (401 paths, signed media URLs, callbacks).

``new_user`` (session)
    ``user = await new_user(is_superuser=False, email=None, password=None, full_name=None)``
    creates a user through the API (unique email by default) and returns an :class:`ApiUser`
    whose ``client`` is logged in as them.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from devstack.backends import Backends
from devstack.engines import EmbeddedBroker, free_port
from devstack.environment import DEFAULT_SUPERUSER
from devstack.processes import DATABASES, PROCESSES
from devstack.stack import Stack, StackConfig
from platformkit.settings import DEFAULT_GRPC_PORTS
from tests.support.otlp import OtlpReceiver

SUPERUSER_EMAIL, SUPERUSER_PASSWORD = DEFAULT_SUPERUSER
CLIENT_TIMEOUT = 30.0
REPORTED_LINES = 300


class Output:
    """The stack's sink: numbered lines in memory, so a failing test shows what the processes said
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


OUTPUT = Output()
_started_at = pytest.StashKey[int]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_started_at] = OUTPUT.mark()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.failed and _started_at in item.stash:
        lines = OUTPUT.since(item.stash[_started_at])[-REPORTED_LINES:]
        if lines:
            report.sections.append(("platform output", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    """Where every stack process exports its spans (OTLP/gRPC), so tests can follow a trace."""
    receiver = OtlpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture(scope="session")
def stack(engines, otlp: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    state_dir = tmp_path_factory.mktemp("e2e-stack")
    # A broker of its own: integration tests in the same session run service code with the same
    # consumer group ids on the session broker, and would steal this stack's partitions.
    broker = EmbeddedBroker(free_port(), log_path=state_dir / "broker.log")
    broker.start()
    run = uuid.uuid4().hex[:8]
    stack = Stack(
        StackConfig(
            state_dir=state_dir,
            backends=Backends(postgres=engines.pg, external_kafka=broker.bootstrap, owned=False),
            databases=tuple(replace(db, name=f"e2e_{db.key}_{run}") for db in DATABASES),
            gateway_port=free_port(),
            grpc_ports={name: free_port() for name in DEFAULT_GRPC_PORTS},
            sink=OUTPUT,
            startup_timeout=90.0,
            # Fixed credentials: the fixtures log in with them whatever the developer exported.
            extra_env={
                "FIRST_SUPERUSER": SUPERUSER_EMAIL,
                "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
                "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
                # Export spans within a fraction of a second rather than the default 5 s.
                "OTEL_BSP_SCHEDULE_DELAY": "200",
            },
        )
    )
    began = time.monotonic()
    try:
        stack.start()
        stack.say(f"e2e stack ready in {time.monotonic() - began:.1f}s at {stack.gateway_url}")
        yield stack
    finally:
        stack.stop()
        broker.stop()


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    """Trade credentials for a bearer token and make ``client`` send it."""
    response = await client.post("/login/access-token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def _client(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"{stack.gateway_url}/api/v1", timeout=CLIENT_TIMEOUT)


@pytest.fixture(scope="session")
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(stack) as client:
        await login(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        yield client


@pytest.fixture(scope="session")
async def anon_api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(stack) as client:
        yield client


@dataclass
class ApiUser:
    id: str
    email: str
    password: str
    client: httpx.AsyncClient
    public: dict[str, Any]


NewUser = Callable[..., Awaitable[ApiUser]]


@pytest.fixture(scope="session")
async def new_user(stack: Stack, api: httpx.AsyncClient) -> AsyncIterator[NewUser]:
    clients: list[httpx.AsyncClient] = []

    async def create(
        *,
        is_superuser: bool = False,
        email: str | None = None,
        password: str | None = None,
        full_name: str | None = None,
    ) -> ApiUser:
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = password or f"pw-{uuid.uuid4().hex}"
        body = {"email": email, "password": password, "full_name": full_name, "is_superuser": is_superuser}
        response = await api.post("/users/", json=body)
        assert response.status_code == 200, response.text
        client = _client(stack)
        clients.append(client)
        await login(client, email, password)
        public = response.json()
        return ApiUser(id=public["id"], email=email, password=password, client=client, public=public)

    yield create
    for client in clients:
        await client.aclose()
