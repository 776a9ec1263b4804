"""Looks this context has not heard of yet, read from their owner.

A look's creation event reaches the outfits service a moment after the look exists, and a client
may name the look at once (E18 right after E8). Rather than answer 404 meanwhile, the service
reads the look and its shooting from the shootings service, as the caller (so visibility is the
owner's rule), and records them with the oldest possible snapshot time: the events, when they
arrive, overwrite the record and do the outfit work they carry.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import looks_pb2, shootings_pb2
from protos.shootings.v1.looks_pb2_grpc import LookQueriesServiceStub
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from services.outfits import repository as repo
from services.outfits.models import Look

_BEFORE_ANY_EVENT = datetime(1970, 1, 1, tzinfo=UTC)


def _uuid(message: object, name: str) -> uuid.UUID | None:
    return uuid.UUID(getattr(message, name)) if message.HasField(name) else None  # type: ignore[attr-defined]


async def learn_look(
    session: AsyncSession, channel: grpc.aio.Channel, look_id: uuid.UUID, principal: common_pb2.Principal
) -> Look | None:
    """The look, read from the shootings service and recorded here; None when the caller cannot see it."""
    metadata = principal_metadata(principal)
    try:
        page = await LookQueriesServiceStub(channel).GetLook(
            looks_pb2.GetLookRequest(id=str(look_id)), metadata=metadata
        )
        look = page.looks[0]
        shooting = await ShootingsServiceStub(channel).GetShooting(
            shootings_pb2.GetShootingRequest(id=look.shooting_id), metadata=metadata
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() in {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED}:
            return None
        raise
    await session.execute(
        insert(Look)
        .values(
            id=look_id,
            shooting_id=uuid.UUID(look.shooting_id),
            owner_id=uuid.UUID(shooting.owner_id),
            organization_id=_uuid(shooting, "organization_id"),
            product_id=_uuid(look, "product_id"),
            subject_id=_uuid(look, "subject_id"),
            source_updated_at=_BEFORE_ANY_EVENT,
        )
        .on_conflict_do_nothing(index_elements=[Look.id])
    )
    return await repo.get_look(session, look_id, for_update=True)
