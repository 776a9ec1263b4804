"""Login throttling on the running gateway with its defaults: 10 failures per account and 50 per
client address within 15 minutes, then 429 with ``Retry-After``.

The requests go to the gateway's own port with ``X-Forwarded-For`` naming a documentation
address, exactly as Envoy forwards a remote client's request (uvicorn trusts the header from
the loopback proxy; Envoy overwrites whatever a client sent, tests/integration/devstack/test_edge.py).
So these failures never count against the address every other test logs in from through Envoy.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.stack import Stack
from tests.support.stack import CLIENT_TIMEOUT, SUPERUSER_EMAIL, SUPERUSER_PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="session")

DETAIL = "Too many failed login attempts; retry later"
WINDOW_SECONDS = 15 * 60


@pytest.fixture
async def behind_edge(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway as Envoy talks to it; each test names its own client address."""
    assert stack.wiring is not None
    async with httpx.AsyncClient(base_url=f"{stack.wiring.gateway_bind_url}/api/v1", timeout=CLIENT_TIMEOUT) as client:
        yield client


async def log_in(
    client: httpx.AsyncClient, address: str, email: str, password: str = "not-the-password"
) -> httpx.Response:
    return await client.post(
        "/login/access-token",
        data={"username": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"detail": DETAIL}
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW_SECONDS


async def test_ten_failures_lock_an_account_and_an_unknown_one_alike(behind_edge, new_user):
    user, address = await new_user(), "203.0.113.21"
    answers: dict[str, list[httpx.Response]] = {}
    for email in (user.email, f"nobody-{uuid.uuid4().hex[:8]}@example.com"):
        answers[email] = [await log_in(behind_edge, address, email) for _ in range(11)]
    for email, responses in answers.items():
        assert [r.status_code for r in responses[:10]] == [401] * 10, email
        assert_throttled(responses[10])
    # Whether the account exists is not told apart: same statuses, same bodies.
    known, unknown = answers.values()
    assert [r.json() for r in known] == [r.json() for r in unknown]
    # The right password waits too, and so does a login through the edge (the account is locked).
    assert_throttled(await log_in(behind_edge, address, user.email, user.password))
    assert_throttled(
        await user.client.post("/login/access-token", data={"username": user.email, "password": user.password})
    )


async def test_a_successful_login_resets_the_accounts_count(behind_edge, new_user):
    user, address = await new_user(), "203.0.113.22"
    statuses = [(await log_in(behind_edge, address, user.email)).status_code for _ in range(9)]
    statuses.append((await log_in(behind_edge, address, user.email, user.password)).status_code)
    statuses += [(await log_in(behind_edge, address, user.email)).status_code for _ in range(10)]
    assert statuses == [401] * 9 + [200] + [401] * 10
    assert_throttled(await log_in(behind_edge, address, user.email))


async def test_fifty_failures_from_one_address_lock_it_for_every_account(behind_edge):
    address, elsewhere = "198.51.100.17", "198.51.100.18"
    gate = asyncio.Semaphore(8)

    async def one_guess() -> int:
        async with gate:
            return (await log_in(behind_edge, address, f"guess-{uuid.uuid4().hex[:10]}@example.com")).status_code

    statuses = await asyncio.gather(*(one_guess() for _ in range(50)))
    assert statuses == [401] * 50
    assert_throttled(await log_in(behind_edge, address, f"fresh-{uuid.uuid4().hex[:8]}@example.com"))
    assert_throttled(await log_in(behind_edge, address, SUPERUSER_EMAIL, SUPERUSER_PASSWORD))
    assert (await log_in(behind_edge, elsewhere, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)).status_code == 200
