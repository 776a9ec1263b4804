"""Helpers of the shots service tests: shots of a fresh shooting, and rows read back."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.support.services import RunningService, as_user, seed_shooting

OWNER = uuid.uuid4()


async def new_shot(service: RunningService, owner: uuid.UUID = OWNER, organization: uuid.UUID | None = None) -> pb.Shot:
    """One shot of a new look in a new shooting owned by ``owner`` (known to the service)."""
    shooting_id = uuid.uuid4()
    await seed_shooting(service.engine, shooting_id, owner, organization)
    stub = ShotsServiceStub(service.channel)
    request = pb.CreateShotsRequest(
        shooting_id=str(shooting_id),
        shots=[pb.NewShot(id=str(uuid.uuid4()), look_id=str(uuid.uuid4()), shot_type_id=str(uuid.uuid4()))],
    )
    return (await stub.CreateShots(request, metadata=as_user(owner))).shots[0]


def upload_image() -> pb.NewRevisionImage:
    """An image uploaded elsewhere, named by its URL (a prediction id must name a real prediction)."""
    return pb.NewRevisionImage(source_type="UPLOAD", image_url="https://images.example.com/a.jpg")


async def add_revision(
    stub: ShotsServiceStub, shot_id: str, status: str = "PROPOSAL", images: int = 1, **fields: object
) -> pb.Revision:
    request = pb.CreateRevisionRequest(
        shot_id=shot_id, shot_status=status, images=[upload_image() for _ in range(images)], **fields
    )
    return await stub.CreateRevision(request, metadata=as_user(OWNER))


async def outbox_rows(engine, key: str) -> list[tuple[str, bytes]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT event_type, payload FROM outbox WHERE key = :key ORDER BY created_at"), {"key": key}
        )
        return [(r.event_type, r.payload) for r in rows]
