"""The shots service learns of push records from `exports.events` (A59): a pushed revision is
never deleted, neither by a restore past it nor by deleting it; a redelivered or late event is
harmless."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa

from platformkit import db
from platformkit.db import transaction
from platformkit.event_types import EventType
from platformkit.outbox import build_envelope
from protos.common.v1 import common_pb2
from protos.events.v1 import exports_pb2 as export_events
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots.push_refs import record_push
from tests.integration.shots.support import OWNER, add_revision, new_shot
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def deliver(shots, revision_id: str, push_id: uuid.UUID, event_type: str = EventType.PUSH_CREATED) -> None:
    payload = export_events.PushChanged(
        push=export_events.PushState(push_id=str(push_id), revision_id=revision_id, push_status="PENDING")
    )
    envelope = build_envelope(
        event_id=uuid.uuid4(), event_type=event_type, aggregate_id=str(push_id), payload=payload, source="exports"
    )
    async with transaction(db.session_factory(shots.engine)) as session:
        await record_push(session, envelope)


async def refs(shots, revision_id: str) -> int:
    async with shots.engine.connect() as conn:
        query = "SELECT count(*) FROM revision_push_refs WHERE revision_id = :r"
        return (await conn.execute(sa.text(query), {"r": uuid.UUID(revision_id)})).scalar_one()


async def refused(call) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code()


async def test_a59_a_pushed_revision_blocks_restore_and_delete(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    first = await add_revision(stub, shot.id, "PROPOSAL")
    second = await add_revision(stub, shot.id, "APPROVED")
    push_id = uuid.uuid4()
    await deliver(shots, second.id, push_id)
    await deliver(shots, second.id, push_id)  # a redelivery inserts nothing twice
    await deliver(shots, first.id, uuid.uuid4(), EventType.PUSH_STATUS_CHANGED)  # only creations count
    assert (await refs(shots, second.id), await refs(shots, first.id)) == (1, 0)
    me = as_user(OWNER)
    restore = stub.RestoreRevision(common_pb2.IdRequest(id=first.id), metadata=me)
    assert await refused(restore) is grpc.StatusCode.FAILED_PRECONDITION
    delete = stub.DeleteRevision(common_pb2.IdRequest(id=second.id), metadata=me)
    assert await refused(delete) is grpc.StatusCode.FAILED_PRECONDITION
    after = await stub.GetShot(common_pb2.IdRequest(id=shot.id), metadata=me)
    assert after.current_revision_id == second.id and len(after.revisions) == 2


async def test_a_push_of_a_deleted_revision_is_dropped(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    gone = await add_revision(stub, shot.id, "APPROVED")
    await stub.DeleteRevision(common_pb2.IdRequest(id=gone.id), metadata=as_user(OWNER))
    await deliver(shots, gone.id, uuid.uuid4())
    assert await refs(shots, gone.id) == 0
