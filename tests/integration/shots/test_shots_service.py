"""The shots service's batch API over real gRPC and a real database, as the shootings service
calls it; and who else may not: other callers, other users."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa

from platformkit.event_types import EventType
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.support.services import RunningService, as_user, seed_shooting

pytestmark = pytest.mark.asyncio(loop_scope="session")
OWNER = uuid.uuid4()


def as_shootings(shots: RunningService) -> ShotsServiceStub:
    return ShotsServiceStub(shots.channel_as("shootings"))


async def new_shots(
    shots: RunningService, looks: int, shot_types: list[str]
) -> tuple[pb.CreateShotsRequest, list[str]]:
    """A batch for a new shooting of OWNER that the service knows of."""
    shooting = uuid.uuid4()
    await seed_shooting(shots.engine, shooting, OWNER)
    look_ids = [str(uuid.uuid4()) for _ in range(looks)]
    request = pb.CreateShotsRequest(
        shooting_id=str(shooting),
        shots=[
            pb.NewShot(id=str(uuid.uuid4()), look_id=look, shot_type_id=shot_type)
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
    stub = as_shootings(shots)
    request, looks = await new_shots(shots, 3, [str(uuid.uuid4()), str(uuid.uuid4())])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert len(created.shots) == 6 and {s.status for s in created.shots} == {"PENDING"}
    again = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert sorted(s.id for s in again.shots) == sorted(s.id for s in created.shots)
    ids = [s.id for s in created.shots]
    assert await outbox_types(shots.engine, ids) == [EventType.SHOT_CREATED] * 6  # the retry announced nothing twice
    listed = await stub.ListShotsByLooks(pb.ListShotsByLooksRequest(look_ids=looks[:2]), metadata=as_user(OWNER))
    assert {s.look_id for s in listed.shots} == set(looks[:2]) and len(listed.shots) == 4


async def test_a_partly_retried_batch_answers_every_shot_oldest_first_and_announces_only_the_new(shots):
    """New shots come back from the insert itself, earlier ones from a read: both the same."""
    stub = as_shootings(shots)
    request, looks = await new_shots(shots, 2, [str(uuid.uuid4())])
    first = await stub.CreateShots(request, metadata=as_user(OWNER))
    request.shots.extend(pb.NewShot(id=str(uuid.uuid4()), look_id=looks[0], shot_type_id="") for _ in range(2))
    again = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert list(again.shots[:2]) == list(first.shots)  # the earlier shots, read back, as first answered
    assert {s.id for s in again.shots[2:]} == {s.id for s in request.shots[2:]}
    assert again.shots[2].created_at.ToDatetime() > first.shots[0].created_at.ToDatetime()
    ids = [s.id for s in request.shots]
    assert await outbox_types(shots.engine, ids) == [EventType.SHOT_CREATED] * 4


async def test_delete_shots_removes_them_and_announces_a_newer_version(shots):
    stub = as_shootings(shots)
    request, looks = await new_shots(shots, 1, [str(uuid.uuid4())])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    deleted = await stub.DeleteShots(pb.DeleteShotsRequest(shot_ids=[created.shots[0].id]), metadata=as_user(OWNER))
    assert deleted.deleted == 1
    listed = await stub.ListShotsByLooks(pb.ListShotsByLooksRequest(look_ids=looks), metadata=as_user(OWNER))
    assert list(listed.shots) == []
    assert await outbox_types(shots.engine, [created.shots[0].id]) == [EventType.SHOT_CREATED, EventType.SHOT_DELETED]


async def test_a_thousand_looks_of_three_shots_in_one_call(shots):
    stub = as_shootings(shots)
    request, _ = await new_shots(shots, 1000, [str(uuid.uuid4()) for _ in range(3)])
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    assert len(created.shots) == 3000


async def refused(call) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    return failure.value.code()


async def test_the_batch_calls_check_the_caller_against_the_services_own_record(shots):
    stub, stranger = as_shootings(shots), as_user(uuid.uuid4())
    request, looks = await new_shots(shots, 1, [str(uuid.uuid4())])
    # A caller who cannot see the shooting adds nothing to it, whatever the request says.
    assert await refused(stub.CreateShots(request, metadata=stranger)) is grpc.StatusCode.NOT_FOUND
    created = await stub.CreateShots(request, metadata=as_user(OWNER))
    listing = pb.ListShotsByLooksRequest(look_ids=looks)
    assert list((await stub.ListShotsByLooks(listing, metadata=stranger)).shots) == []
    deleting = pb.DeleteShotsRequest(shot_ids=[s.id for s in created.shots])
    assert (await stub.DeleteShots(deleting, metadata=stranger)).deleted == 0
    assert len((await stub.ListShotsByLooks(listing, metadata=as_user(OWNER))).shots) == 1
    admin = as_user(uuid.uuid4(), superuser=True)
    assert len((await stub.ListShotsByLooks(listing, metadata=admin)).shots) == 1


async def test_only_look_commands_create_and_delete_shots_in_batches(shots):
    request, _ = await new_shots(shots, 1, [str(uuid.uuid4())])
    exports = ShotsServiceStub(shots.channel_as("exports"))
    gateway = ShotsServiceStub(shots.channel)
    assert await refused(exports.CreateShots(request, metadata=as_user(OWNER))) is grpc.StatusCode.PERMISSION_DENIED
    created = await gateway.CreateShots(request, metadata=as_user(OWNER))  # E37 adds a shot this way
    deleting = pb.DeleteShotsRequest(shot_ids=[created.shots[0].id])
    assert await refused(gateway.DeleteShots(deleting, metadata=as_user(OWNER))) is grpc.StatusCode.PERMISSION_DENIED
