"""Revision chains over real gRPC and a real database (RULES 2.14, A52, A59, A60)."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa

from platformkit.event_types import EventType
from protos.common.v1 import common_pb2
from protos.events.v1 import shots_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.integration.shots.support import OWNER, add_revision, new_shot, outbox_rows
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


def ref(id_: str) -> common_pb2.IdRequest:
    return common_pb2.IdRequest(id=id_)


async def shot_states(engine, shot_id: str) -> list[tuple[str, events_pb2.ShotState]]:
    """The shot's events in the outbox, in publishing order, with their ShotState."""
    states = []
    for event_type, payload in await outbox_rows(engine, shot_id):
        state = events_pb2.ShotState()
        EventEnvelope.FromString(payload).payload.Unpack(state)
        states.append((event_type, state))
    return states


async def test_a52_new_revisions_chain_become_current_and_set_the_status(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    first = await add_revision(stub, shot.id, "PROPOSAL")
    second = await add_revision(stub, shot.id, "REVIEW", images=2)
    assert (first.version, second.version) == (1, 2)
    assert second.previous_revision_id == first.id and not first.HasField("previous_revision_id")
    current = await stub.GetShot(ref(shot.id), metadata=as_user(OWNER))
    assert current.current_revision_id == second.id and current.status == "REVIEW"
    assert [r.id for r in current.revisions] == [first.id, second.id] and len(current.revisions[1].images) == 2
    # Every status change is a newer ShotState on shots.events (what the roll-ups consume); each
    # new revision follows it as shot.revision_created, naming the revision, at the same version.
    states = [
        (event_type, state.status, state.version, state.revision_id or None)
        for event_type, state in await shot_states(shots.engine, shot.id)
    ]
    assert [s[:2] for s in states] == [
        (EventType.SHOT_CREATED, "PENDING"),
        (EventType.SHOT_STATUS_CHANGED, "PROPOSAL"),
        (EventType.SHOT_REVISION_CREATED, "PROPOSAL"),
        (EventType.SHOT_STATUS_CHANGED, "REVIEW"),
        (EventType.SHOT_REVISION_CREATED, "REVIEW"),
    ]
    changes = [s for s in states if s[0] != EventType.SHOT_REVISION_CREATED]
    assert [s[2] for s in changes] == sorted({s[2] for s in changes})
    assert [(s[2], s[3]) for s in states if s[0] == EventType.SHOT_REVISION_CREATED] == [
        (states[1][2], first.id),
        (states[3][2], second.id),
    ]


async def test_r145_r144_only_tips_are_deleted_and_the_current_moves_back(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    first = await add_revision(stub, shot.id, "PROPOSAL")
    second = await add_revision(stub, shot.id, "REVIEW")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.DeleteRevision(ref(first.id), metadata=as_user(OWNER))
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    await stub.DeleteRevision(ref(second.id), metadata=as_user(OWNER))
    after = await stub.GetShot(ref(shot.id), metadata=as_user(OWNER))
    assert after.current_revision_id == first.id and after.status == "PROPOSAL"
    await stub.DeleteRevision(ref(first.id), metadata=as_user(OWNER))
    empty = await stub.GetShot(ref(shot.id), metadata=as_user(OWNER))
    assert not empty.HasField("current_revision_id") and empty.status == "PENDING" and list(empty.revisions) == []
    # Each deletion is announced after the status change it caused, with the shot as it is after it.
    deletions = [
        (event_type, state.status, state.revision_id)
        for event_type, state in await shot_states(shots.engine, shot.id)
        if event_type == EventType.SHOT_REVISION_DELETED
    ]
    assert deletions == [
        (EventType.SHOT_REVISION_DELETED, "PROPOSAL", second.id),
        (EventType.SHOT_REVISION_DELETED, "PENDING", first.id),
    ]


async def test_r148_r149_a59_restore_deletes_later_revisions_unless_pushed(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    chain = [await add_revision(stub, shot.id, status) for status in ("PROPOSAL", "REVIEW", "REJECTED", "APPROVED")]
    async with shots.engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO revision_push_refs (revision_id, push_id) VALUES (:r, :p)"),
            {"r": uuid.UUID(chain[3].id), "p": uuid.uuid4()},
        )
    with pytest.raises(grpc.aio.AioRpcError) as pushed:
        await stub.RestoreRevision(ref(chain[1].id), metadata=as_user(OWNER))
    assert pushed.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    async with shots.engine.begin() as conn:
        await conn.execute(
            sa.text("DELETE FROM revision_push_refs WHERE revision_id = :r"), {"r": uuid.UUID(chain[3].id)}
        )
    restored = await stub.RestoreRevision(ref(chain[1].id), metadata=as_user(OWNER))
    assert restored.id == chain[1].id
    after = await stub.GetShot(ref(shot.id), metadata=as_user(OWNER))
    assert [r.id for r in after.revisions] == [chain[0].id, chain[1].id]
    assert after.current_revision_id == chain[1].id and after.status == "REVIEW"
    again = await stub.RestoreRevision(ref(chain[1].id), metadata=as_user(OWNER))  # R149: a no-op
    assert again.id == chain[1].id
    assert len((await stub.GetShot(ref(shot.id), metadata=as_user(OWNER))).revisions) == 2


async def test_a60_images_need_what_their_source_says(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    request = pb.CreateRevisionRequest(
        shot_id=shot.id, shot_status="PROPOSAL", images=[pb.NewRevisionImage(source_type="PREDICTION")]
    )
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await stub.CreateRevision(request, metadata=as_user(OWNER))
    assert invalid.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_strangers_see_nothing_and_org_members_see_the_shot(shots):
    stub = ShotsServiceStub(shots.channel)
    organization = uuid.uuid4()
    shot = await new_shot(shots, organization=organization)
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await stub.GetShot(ref(shot.id), metadata=as_user(uuid.uuid4()))
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    seen = await stub.GetShot(ref(shot.id), metadata=as_user(uuid.uuid4(), organizations=[organization]))
    assert seen.id == shot.id
