"""The gateway's principal cache across replicas: two gateway processes on one identity database.

Gateway A is the stack's own (reached through Envoy), gateway B a second process started here
with the same environment on a port of its own. B serves a user's requests from its cache (its
hit counter grows, no identity statement is sent); then A changes that user (a membership
removed, the account deactivated, then reactivated, deleted) and the next request to B answers as
the change says. A answers a change only once PostgreSQL handed the notification back to A
itself, and PostgreSQL signals every listener at once; the test still waits until B counts the
notification before asking (a process starved of CPU on a loaded machine may read it a moment
later), so what it checks is that B is told and then never serves the stale identity.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.child import Child
from devstack.environment import process_env
from devstack.health import http_true, wait_until
from devstack.ports import free_port
from devstack.processes import GATEWAY
from devstack.stack import Stack
from tests.e2e.conftest import CLIENT_TIMEOUT, NewUser
from tests.support.stack import ApiUser

DUE = "2027-03-01T10:00:00Z"


@pytest.fixture(scope="module")
def second_gateway(stack: Stack) -> Iterator[str]:
    """Base URL of another gateway process of the same stack (same databases, services, key)."""
    assert stack.wiring is not None
    port = free_port()
    env = process_env(GATEWAY, stack.wiring, stack.config.environ)
    env.update(GATEWAY_HOST="127.0.0.1", GATEWAY_PORT=str(port))
    lines: collections.deque[str] = collections.deque(maxlen=200)
    child = Child.python_module("gateway-2", GATEWAY.module, env, lambda name, line: lines.append(line))
    child.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_true(f"{url}/api/v1/utils/health-check/"), timeout=90, what="the second gateway")
        yield url
    except Exception:
        print("\n".join(lines))
        raise
    finally:
        child.stop(10)


@pytest.fixture
async def on_b(second_gateway: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{second_gateway}/api/v1", timeout=CLIENT_TIMEOUT) as client:
        yield client


def _as(user: ApiUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}


async def _counted(gateway: str, family_name: str, **labels: str) -> float:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT) as client:
        exposition = (await client.get(f"{gateway}/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == family_name
        for sample in family.samples
        if sample.name.endswith("_total") and labels.items() <= sample.labels.items()
    )


async def _cache_hits(gateway: str) -> float:
    return await _counted(gateway, "principal_cache_lookups", outcome="hit")


async def _invalidations(gateway: str) -> float:
    return await _counted(gateway, "principal_cache_invalidations")


async def _told(gateway: str, since: float) -> None:
    """Until ``gateway`` counted a notification after ``since`` (30 s bound)."""
    deadline = time.monotonic() + 30
    while await _invalidations(gateway) <= since:
        assert time.monotonic() < deadline, "the second gateway never heard of the change"
        await asyncio.sleep(0.02)


async def test_a_change_made_through_one_gateway_applies_to_the_next_request_on_another(
    api: httpx.AsyncClient, new_user: NewUser, on_b: httpx.AsyncClient, second_gateway: str
) -> None:
    member = await new_user()
    organization = (await member.client.post("/organizations/", json={"name": "Cache test"})).json()
    admin_id = (await api.get("/users/me")).json()["id"]
    added = await member.client.post(f"/organizations/{organization['id']}/members", json={"user_id": admin_id})
    assert added.status_code == 200, added.text
    created = await member.client.post(
        "/shootings/", params={"organization_id": organization["id"]}, json={"name": "Cached", "due_date": DUE}
    )
    assert created.status_code == 200, created.text
    path = f"/shootings/{created.json()['id']}/header"
    scoped = {"organization_id": organization["id"]}

    hits_before = await _cache_hits(second_gateway)
    for _ in range(3):
        answer = await on_b.get(path, params=scoped, headers=_as(member))
        assert answer.status_code == 200, answer.text
    assert await _cache_hits(second_gateway) >= hits_before + 2, "gateway B did not serve the member from its cache"

    told = await _invalidations(second_gateway)
    removed = await api.delete(f"/organizations/{organization['id']}/members/{member.id}")
    assert removed.status_code == 200, removed.text
    await _told(second_gateway, told)
    refused = await on_b.get(path, params=scoped, headers=_as(member))
    assert refused.status_code == 403, refused.text

    told = await _invalidations(second_gateway)
    deactivated = await api.patch(f"/users/{member.id}", json={"is_active": False})
    assert deactivated.status_code == 200, deactivated.text
    await _told(second_gateway, told)
    inactive = await on_b.get("/shootings/", headers=_as(member))
    assert (inactive.status_code, inactive.json()) == (400, {"detail": "Inactive user"})

    told = await _invalidations(second_gateway)
    reactivated = await api.patch(f"/users/{member.id}", json={"is_active": True})
    assert reactivated.status_code == 200, reactivated.text
    await _told(second_gateway, told)
    again = await on_b.get("/shootings/", headers=_as(member))
    assert again.status_code == 200, again.text


async def test_a_deleted_user_is_refused_at_once_by_every_gateway(
    api: httpx.AsyncClient, new_user: NewUser, on_b: httpx.AsyncClient, second_gateway: str
) -> None:
    doomed = await new_user()
    assert (await on_b.get("/shootings/", headers=_as(doomed))).status_code == 200
    assert (await doomed.client.get("/shootings/")).status_code == 200  # gateway A knows them too

    told = await _invalidations(second_gateway)
    assert (await api.delete(f"/users/{doomed.id}")).status_code == 200
    await _told(second_gateway, told)

    for client in (on_b, doomed.client):
        answer = await client.get("/shootings/", headers=_as(doomed))
        assert (answer.status_code, answer.json()) == (401, {"detail": "Could not validate credentials"})
