"""A service process killed (SIGKILL, as a crash or an OOM kill would): the gateway answers 503
with ``Retry-After`` for the calls that need that service, endpoints that do not need it keep
working, and once the process is back (started again by whoever supervises it) the same calls
work again with no manual step: no gateway restart, no reconnect command.

Table-driven over the services: each row names a call that needs the service and one that does
not (both on resources the owner created before the kill).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.brief import Brief
from tests.e2e.shots_support import eventually
from tests.reliability.conftest import FaultStack

pytestmark = pytest.mark.asyncio(loop_scope="session")

Path = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Kill:
    service: str
    needs: Path  # a GET that cannot be answered without the service
    spared: Path  # a GET that never reaches the service


KILLS = [
    Kill("shootings", lambda r: f"/shootings/{r['shooting']}", lambda r: "/organizations/"),
    Kill("shots", lambda r: f"/shots/{r['shot']}", lambda r: f"/shootings/{r['shooting']}/header"),
    Kill("outfits", lambda r: f"/outfits/?production_request_id={r['look']}", lambda r: f"/shots/{r['shot']}"),
]


@pytest.fixture(scope="module")
async def owned(new_user) -> tuple[Any, dict[str, Any]]:
    """An owner and the ids of a shooting, one of its looks and that look's shot."""
    owner = await new_user()
    brief = await Brief(owner.client).build()
    shooting = await brief.shooting()
    created = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["anna"]],
        shot_type_ids=[brief.shot_types["front"]],
    )
    look = created.json()["production_requests"][0]
    return owner, {"shooting": shooting["id"], "look": look["id"], "shot": look["shots"][0]["id"]}


def assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("kill", KILLS, ids=[k.service for k in KILLS])
async def test_a_killed_service_is_503_with_retry_after_only_where_needed_and_back_without_manual_steps(
    faults: FaultStack, owned, kill: Kill
) -> None:
    owner, ids = owned
    needs, spared = kill.needs(ids), kill.spared(ids)
    assert (await owner.client.get(needs)).status_code == 200
    faults.stack.auto_restart = False  # the test plays the supervisor
    faults.stack.kill(kill.service)

    async def refused():  # type: ignore[no-untyped-def]
        response = await owner.client.get(needs)
        return response if response.status_code != 200 else None

    assert_unavailable(await eventually(refused, f"{needs} to notice {kill.service} is gone", timeout=20))
    assert_unavailable(await owner.client.get(needs))
    assert (await owner.client.get(spared)).status_code == 200
    assert (await owner.client.get("/users/me")).status_code == 200

    faults.stack.start_process(kill.service)

    async def answered():  # type: ignore[no-untyped-def]
        response = await owner.client.get(needs)
        return response if response.status_code != 503 else None

    back = await eventually(answered, f"{needs} to work again", timeout=20)
    assert back.status_code == 200, back.text


async def test_a_crashed_service_restarted_by_the_supervisor_serves_again(faults: FaultStack, owned) -> None:
    owner, ids = owned
    pid = faults.stack.kill("shots")
    faults.stack.wait_ready("shots", replacing_pid=pid)

    async def answered():  # type: ignore[no-untyped-def]
        # The gateway's channel reconnects on its own backoff (at most 2 s): no manual step.
        response = await owner.client.get(f"/shots/{ids['shot']}")
        return response if response.status_code != 503 else None

    response = await eventually(answered, "the restarted shots service to answer", timeout=20)
    assert response.status_code == 200, response.text
    assert faults.stack.restarts("shots") >= 1
