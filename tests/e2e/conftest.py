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

``browser`` (session), ``browser_page``
    Debian's chromium driven by Playwright, and a page per test that may only talk to the stack
    and saves screenshots under ``test-results/<test>/`` (tests/e2e/browser_support.py).

``new_user`` (session)
    ``user = await new_user(is_superuser=False, email=None, password=None, full_name=None)``
    creates a user through the API (unique email by default) and returns an :class:`ApiUser`
    whose ``client`` is logged in as them.

``generation_owner`` (module), ``generation_look`` (function)
    A user of the test module, and a new look of theirs ready for generation
    (:class:`tests.e2e.shots_support.GenerationLook`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.browser_support import browser, browser_page  # noqa: F401  (fixtures of the browser tests)
from tests.e2e.shots_support import GenerationLook
from tests.support.otlp import OtlpReceiver
from tests.support.stack import (
    CLIENT_TIMEOUT,
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    ApiUser,
    Output,
    Users,
    api_client,
    logged_in,
    login,
    report_hooks,
    started_stack,
)

__all__ = ["CLIENT_TIMEOUT", "OUTPUT", "ApiUser", "NewUser", "login"]

OUTPUT = Output()
pytest_runtest_setup, pytest_runtest_makereport = report_hooks(OUTPUT)


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
    tracing = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
        # Export spans within a fraction of a second rather than the default 5 s.
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    with started_stack(tmp_path_factory, postgres=engines.pg, sink=OUTPUT, prefix="e2e", extra_env=tracing) as running:
        yield running


@pytest.fixture(scope="session")
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with logged_in(stack, SUPERUSER_EMAIL, SUPERUSER_PASSWORD) as client:
        yield client


@pytest.fixture(scope="session")
async def anon_api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(stack) as client:
        yield client


NewUser = Callable[..., Awaitable[ApiUser]]


@pytest.fixture(scope="session")
async def new_user(stack: Stack, api: httpx.AsyncClient) -> AsyncIterator[NewUser]:
    users = Users(stack, api)
    yield users.create
    await users.aclose()


@pytest.fixture(scope="module")
async def generation_owner(new_user: NewUser) -> ApiUser:
    return await new_user()


@pytest.fixture
async def generation_look(generation_owner: ApiUser) -> GenerationLook:
    return await GenerationLook(generation_owner.client).build()
