"""The shots service's batch API over real gRPC and a real database."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")
OWNER = uuid.uuid4()


def new_shots(looks: int, shot_types: list[str]) -> tuple[pb.CreateShotsRequest, list[str]]:
    shooting = str(uuid.uuid4())
    look_ids = [str(uuid.uuid4()) for _ in range(looks)]
    request = pb.CreateShotsRequest(
        shooting=pb.ShootingScope(shooting_id=shooting, owner_id=str(OWNER)),
        shots=[
            pb.NewShot(id=str(uuid.uuid4()), production_request_id=look, shot_type_id=shot_type)
            for look in look_ids
            for shot_type in shot_types
        ],
    )
    return request, look_ids


async def outbox_types(engine, aggregate_ids) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT event_type FROM outbox WHERE key = ANY(:ids) ORDER BY created_at"),
            {"ids": list(aggregate_ids)},
        )
        return [r.event_type for r in rows]


async def test_create_shots_is_one_batch_idempotent_and_announced(shots):
    stub = ShotsServiceStub(shots.channel)
    request, looks = new_shots(3, [str(uuid.uuid4()), str(uuid.uuid4())])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert len(created.shots) == 6 and {s.status for s in created.shots} == {"PENDING"}
    again = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert sorted(s.id for s in again.shots) == sorted(s.id for s in created.shots)
    ids = [s.id for s in created.shots]
    assert await outbox_types(shots.engine, ids) == ["shot.created"] * 6  # the retry announced nothing twice
    listed = await stub.ListShotsByLooks(
        pb.ListShotsByLooksRequest(production_request_ids=looks[:2]), metadata=as_user(OWNER)
    )
    assert {s.production_request_id for s in listed.shots} == set(looks[:2]) and len(listed.shots) == 4


async def test_delete_shots_removes_them_and_announces_a_newer_version(shots):
    stub = ShotsServiceStub(shots.channel)
    request, looks = new_shots(1, [str(uuid.uuid4())])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    deleted = await stub.DeleteShots(pb.DeleteShotsRequest(shot_ids=[created.shots[0].id]), metadata=as_user(OWNER))
    assert deleted.deleted == 1
    listed = await stub.ListShotsByLooks(
        pb.ListShotsByLooksRequest(production_request_ids=looks), metadata=as_user(OWNER)
    )
    assert list(listed.shots) == []
    assert await outbox_types(shots.engine, [created.shots[0].id]) == ["shot.created", "shot.deleted"]


async def test_a_thousand_looks_of_three_shots_in_one_call(shots):
    stub = ShotsServiceStub(shots.channel)
    request, _ = new_shots(1000, [str(uuid.uuid4()) for _ in range(3)])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert len(created.shots) == 3000
