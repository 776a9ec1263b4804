"""Replicas under faults: two replicas of the gateway (behind Envoy) and of each service (clients
balance over both), and one replica of each killed while users do the kanban loop with their
board open (read every second, so every service, outfits included, is called throughout).

Envoy retries idempotent requests on connection failures and resets and ejects a replica that
refuses connections; gRPC clients retry calls that never got an answer on the other replica.
What reaches a client is what the retry policy documents (README "Reliability"): a POST or PATCH
in flight on a killed gateway may answer 502/503, and the client sends it again with its
``Idempotency-Key`` (:class:`tests.support.retrying.IdempotentRetries`), which makes it take
effect once. Every final answer must be a success; the soak's bookkeeping then checks that every
accepted action is visible once (look, proposal, generation with one revision, statuses and
roll-ups, one push per export) and that no look exists that no accepted request made.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.soak import Answers, User, open_user
from bench.soak_bookkeeping import accepted, doubled_of, settle
from devstack.processes import process_table
from devstack.stack import Stack
from platformkit.settings import SERVICE_NAMES
from tests.reliability.conftest import FAST_GROUPS, OUTPUT
from tests.support.fake_receiver import FakeReceiver
from tests.support.retrying import IdempotentRetries
from tests.support.stack import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, logged_in, started_stack

# A soak-class test (several minutes on a doubled stack): `make soak` runs it, `make test` deselects it.
pytestmark = [pytest.mark.soak, pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(1200)]

REPLICATED = ("gateway", *SERVICE_NAMES)
USERS = int(os.environ.get("REPLICAS_TEST_USERS") or 6)
LOAD_SECONDS = float(os.environ.get("REPLICAS_TEST_SECONDS") or 60)
BOARD_REFRESH_SECONDS = 1.0


@pytest.fixture(scope="module")
def replicated(engines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, FakeReceiver]]:  # type: ignore[no-untyped-def]
    receiver = FakeReceiver().start()
    table = process_table(replicas=dict.fromkeys(REPLICATED, 2))
    try:
        with started_stack(
            tmp_path_factory,
            postgres=engines.pg,
            sink=OUTPUT,
            prefix="replicas",
            extra_env=FAST_GROUPS,
            processes=table,
        ) as stack:
            yield stack, receiver
    finally:
        receiver.stop()


def _sum(text: str, metric: str, counted: Callable[[dict[str, str]], bool]) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == metric and counted(sample.labels)
    )


async def served(stack: Stack, copy: str) -> float:
    """Calls a copy answered since it started, health checks aside (its own metrics)."""
    wiring = stack.wiring
    assert wiring is not None
    async with httpx.AsyncClient(timeout=10) as http:
        if copy.startswith("gateway"):
            spec = next(spec for spec in stack.config.processes if spec.name == copy)
            text = (await http.get(f"http://127.0.0.1:{wiring.bind_port(spec)}/metrics")).text
            return _sum(text, "http_requests_total", lambda labels: "health" not in labels["route"])
        text = (await http.get(f"http://127.0.0.1:{wiring.metrics_ports[copy]}/metrics")).text
        return _sum(text, "grpc_server_handled_total", lambda labels: not labels["grpc_service"].startswith("grpc."))


async def kill_one_of_each(stack: Stack, first_after: float, between: float) -> dict[str, tuple[float, float]]:
    """SIGKILL the first replica of the gateway and of each service, one after the other; each
    comes back by itself (the supervisor restarts it). Returns what was killed, with the calls
    each of its two copies had served just before (both serve: clients balance over them)."""
    await asyncio.sleep(first_after)
    killed = {}
    for name in REPLICATED:
        replica = f"{name}-1"
        killed[replica] = (await served(stack, replica), await served(stack, f"{name}-2"))
        pid = stack.kill(replica)
        await asyncio.sleep(between)
        await asyncio.to_thread(stack.wait_ready, replica, 120, replacing_pid=pid)
    return killed


async def watch_board(user: User, deadline: float, answers: Answers) -> None:
    """The user keeps the board open beside the loop: it is read again every second (looks with
    their shots and outfit proposals: the shootings, shots and outfits services)."""
    while time.monotonic() < deadline:
        response = await user.client.get(
            f"/shootings/{user.studio.shooting_id}/production-requests", params={"limit": 100}
        )
        if response.status_code != 200:
            answers.unexpected.append(f"user {user.number} board: {response.status_code} {response.text[:200]}")
        await asyncio.sleep(BOARD_REFRESH_SECONDS)


async def envoy_retries(stack: Stack, counter: str = "upstream_rq_retry") -> float:
    """Requests Envoy sent again to the other gateway (connection failures and resets); with
    ``upstream_rq_retry_overflow``, those it could not send again (too many retries in flight)."""
    assert stack.wiring is not None
    async with httpx.AsyncClient(timeout=10) as http:
        stats = (await http.get(f"http://127.0.0.1:{stack.wiring.edge_admin_port}/stats/prometheus")).text
    return _sum(stats, f"envoy_cluster_{counter}", lambda labels: labels.get("envoy_cluster_name") == "gateway")


async def test_killing_one_replica_of_each_during_the_kanban_loop_loses_and_doubles_nothing(replicated):
    stack, receiver = replicated
    answers, client = Answers(), IdempotentRetries()
    async with logged_in(stack, SUPERUSER_EMAIL, SUPERUSER_PASSWORD) as admin:
        users: list[User] = [await open_user(n, stack, admin, receiver, answers, client) for n in range(USERS)]
    began = time.monotonic()
    deadline = began + LOAD_SECONDS
    killing = asyncio.create_task(kill_one_of_each(stack, LOAD_SECONDS * 0.15, LOAD_SECONDS * 0.1))
    await asyncio.gather(
        *(user.loop(deadline, answers) for user in users),
        *(watch_board(user, deadline, answers) for user in users),
    )
    killed = await killing
    missing, _ = await settle(users, receiver, timeout=180)
    doubled = [look for user in users for look in await doubled_of(user)]
    for user in users:
        await user.client.aclose()

    figures = (
        f"replicas test: {answers.total} answers {dict(answers.by_status)}, {accepted(users)}; "
        f"retried by Envoy: {await envoy_retries(stack):.0f} (not retried for lack of room:"
        f" {await envoy_retries(stack, 'upstream_rq_retry_overflow'):.0f}), by the client: {dict(client.absorbed)}; "
        f"calls served by each copy before its kill: {killed}; restarts: {[stack.restarts(n) for n in killed]}"
    )
    stack.say(figures)
    print(figures)  # shown with -s or -rP (make replicas)
    assert list(killed) == [f"{name}-1" for name in REPLICATED]
    # Both copies of each were serving when one was killed: clients balance over them.
    assert all(first > 0 and second > 0 for first, second in killed.values()), killed
    assert all(stack.restarts(name) == 1 for name in killed)
    assert answers.server_errors == [], answers.server_errors  # no final answer was a 5xx
    assert answers.unanswered == [] and answers.unexpected == [], (answers.unanswered, answers.unexpected)
    assert missing == [], missing
    assert doubled == [], doubled
    # Only writes were retried by the client, for what the policy names (and reads only when a
    # dying gateway had begun to answer, which Envoy cannot retry).
    writes = {reason.split()[0] for reason in client.absorbed if " cut off: " not in reason}
    assert writes <= {"POST", "PATCH"}, client.absorbed
    done = accepted(users)
    assert done["looks"] >= USERS and done["exports"] >= 1, done
