"""A downstream integration that fails, times out or answers late: pushes retry with backoff and
end in a defined state (D0.37), never stuck IN_PROGRESS, never sent again once
settled.

The fault stack's push protocol is scaled down (tests/reliability/conftest.py: three sends, a
one-second timeout, 0.2 s first pause); the receiver misbehaves by path
(:mod:`tests.support.fake_receiver`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from tests.reliability.conftest import PUSHES, FaultStack
from tests.support.fake_receiver import FAILURES_BEFORE_SUCCESS
from tests.support.kanban import Studio

pytestmark = pytest.mark.asyncio(loop_scope="session")
ATTEMPTS = int(PUSHES["PUSH_MAX_ATTEMPTS"])
FIRST_PAUSE = float(PUSHES["PUSH_RETRY_INITIAL_SECONDS"])


@dataclass(frozen=True)
class Downstream:
    behaviour: str
    status: str
    sends: int
    reason: str | None  # in the push's error_message


DOWNSTREAMS = [
    Downstream("ok", "COMPLETED", 1, None),
    Downstream("flaky", "COMPLETED", FAILURES_BEFORE_SUCCESS + 1, None),
    Downstream("down", "FAILED", ATTEMPTS, "HTTP 503"),
    Downstream("hang", "FAILED", ATTEMPTS, "timed out"),
]


@pytest.mark.parametrize("downstream", DOWNSTREAMS, ids=[d.behaviour for d in DOWNSTREAMS])
async def test_pushes_retry_with_backoff_and_end_in_a_defined_state(
    faults: FaultStack, new_user, downstream: Downstream
) -> None:
    owner = await new_user()
    studio = await Studio.open(owner.client, faults.receiver.url(downstream.behaviour))
    shot_id = (await studio.new_look())["shots"][0]["id"]
    await studio.generate(shot_id)
    exported = await studio.approved_and_exported(shot_id)
    assert exported["exports_created"] == 1, exported

    push = await studio.settled_push(shot_id, timeout=60)
    assert push["push_status"] == downstream.status, push
    if downstream.reason is None:
        assert push["error_message"] is None and push["completed_at"] is not None
    else:
        assert downstream.reason in push["error_message"] and f"after {ATTEMPTS} attempts" in push["error_message"]
    sends = faults.receiver.posts_of(push["id"])
    assert [path for path, _ in sends] == [f"/{downstream.behaviour}"] * downstream.sends
    pauses = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(sends)]
    assert all(pause >= FIRST_PAUSE / 2 for pause in pauses), pauses  # backed off, never hammered
    assert (await studio.pushes(shot_id)) == [push]  # settled for good: no further send, no second record
