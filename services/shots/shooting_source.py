"""Whose shooting a batch of new shots belongs to, from this service's own data or its owner.

The shots service keeps who owns each shooting (``shooting_access``, fed by the shootings
events) and decides from that whether a caller may add shots to it; it never takes an owner or an
organization from the request. A look's shots are created a moment after its shooting may have
been, before the shooting's event arrived: then the service asks the shootings service, as the
caller (so its visibility rule decides), and records what the owner answered with the oldest
possible snapshot time, so the events, when they arrive, overwrite it.
"""

from __future__ import annotations

import uuid

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import NotFound, Unavailable
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from protos.shootings.v1 import shootings_pb2
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from services.shots import queries
from services.shots import repository as repo
from services.shots.domain.access import ShootingScope

_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
_HIDDEN = {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED}


async def scope_of(
    context: ServiceContext, shooting_id: uuid.UUID, session: AsyncSession | None = None
) -> ShootingScope:
    """The shooting's owner and organization: recorded here (read in ``session`` when the caller
    has one open, else in a session of its own), else learned from its owner (NotFound when the
    caller cannot see it there, Unavailable while that service is down)."""
    if session is not None:
        known = await queries.scope_of(session, shooting_id)
    else:
        async with context.sessions() as own:
            known = await queries.scope_of(own, shooting_id)
    if known is not None:
        return known
    stub = ShootingsServiceStub(context.channel("shootings"))
    try:
        shooting = await stub.GetShooting(
            shootings_pb2.GetShootingRequest(id=str(shooting_id)), metadata=principal_metadata(current_principal())
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() in _HIDDEN:
            raise NotFound("Shooting not found") from None
        if exc.code() in _RETRYABLE:
            raise Unavailable("The shootings service is unavailable; nothing was changed") from exc
        raise
    owner = uuid.UUID(shooting.owner_id)
    organization = uuid.UUID(shooting.organization_id) if shooting.HasField("organization_id") else None
    async with transaction(context.sessions) as session:
        await repo.remember_shooting(session, shooting_id, owner, organization)
    return ShootingScope(owner, organization)
