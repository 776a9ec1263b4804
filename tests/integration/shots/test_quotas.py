"""Generation budgets in the shots database: a personal shooting spends its owner's budget, an
organization's shooting the organization's whoever starts it, and two requests at once cannot
both take the room for one."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from platformkit.db import session_factory, transaction
from platformkit.errors import TooManyRequests
from platformkit.principal import Caller
from protos.shots.v1 import shots_pb2 as pb
from services.shots import generations
from services.shots.domain.quotas import Limits
from tests.integration.shots.support import OWNER, new_shot

pytestmark = pytest.mark.asyncio(loop_scope="session")

SMALL = Limits(per_hour=3, per_day=100)
INPUTS = pb.GenerationInputs(base_image_url="data:image/png;base64,AA==", view_angle="FRONT")


def spec(shot: pb.Shot, images: int) -> pb.GenerationSpec:
    return pb.GenerationSpec(shot_id=shot.id, count=1, num_predictions=images, inputs=INPUTS)


async def start(shots, caller: Caller, shot: pb.Shot, images: int) -> int:  # type: ignore[no-untyped-def]
    async with transaction(session_factory(shots.engine)) as session:
        started = await generations.start(session, caller, [spec(shot, images)], owner_only=False, quota=SMALL)
    return len(started.generations)


def person(user_id: uuid.UUID, *organizations: uuid.UUID, admin: bool = False) -> Caller:
    return Caller(user_id, admin, frozenset(organizations))


async def test_a_personal_shooting_spends_its_owners_budget(shots):
    owner = uuid.uuid4()
    first, second = await new_shot(shots, owner), await new_shot(shots, owner)
    assert await start(shots, person(owner), first, 2) == 1
    with pytest.raises(TooManyRequests, match="your personal hourly budget of 3 images") as refused:
        await start(shots, person(owner), second, 2)  # another shooting of the same owner
    assert refused.value.retry_after > 3500
    other = await new_shot(shots, uuid.uuid4())
    assert await start(shots, person(uuid.UUID(int=1), admin=True), other, 3) == 1  # another owner's budget


async def test_an_organizations_shooting_spends_the_organizations_budget_whoever_starts(shots):
    organization = uuid.uuid4()
    shot = await new_shot(shots, OWNER, organization)
    assert await start(shots, person(OWNER, organization), shot, 2) == 1
    with pytest.raises(TooManyRequests, match="this organization's hourly budget"):
        await start(shots, person(uuid.uuid4(), organization), shot, 2)  # another member
    with pytest.raises(TooManyRequests):
        await start(shots, person(uuid.uuid4(), admin=True), shot, 2)  # an admin spends it too


async def test_two_requests_at_once_cannot_both_take_the_last_room(shots):
    owner = uuid.uuid4()
    shot = await new_shot(shots, owner)
    outcomes = await asyncio.gather(*(start(shots, person(owner), shot, 2) for _ in range(4)), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["TooManyRequests"] * 3 + ["int"]
