"""ShotsService handlers for one shot at a time (E38-E41, overview PATCH, approve/reject).

Mixed into :class:`services.shots.grpc_api.ShotsServicer`; every handler acts for the caller in
the call metadata and answers 404 for a shot the caller cannot see.
"""

from __future__ import annotations

import uuid

import grpc

from platformkit.db import transaction
from platformkit.errors import NotFound
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2 as pb
from services.shots import queries, shot_commands
from services.shots.convert import shot_view_to_pb
from services.shots.domain.access import ensure_organization_scope


class ShotHandlers:
    ctx: ServiceContext

    async def _shot_answer(self, shot_id: uuid.UUID) -> pb.Shot:
        async with self.ctx.sessions() as session:
            shot = await queries.visible_shot(session, caller(current_principal()), shot_id)
            if shot is None:
                raise NotFound("Shot not found")
            [view] = await queries.shot_views(session, [shot])
        return shot_view_to_pb(view)

    async def GetShot(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Shot:
        return await self._shot_answer(parse_uuid(request.id, ("id",)))

    async def ListShots(self, request: pb.ListShotsRequest, context: grpc.aio.ServicerContext) -> pb.ListShotsResponse:
        who = caller(current_principal())
        filters = queries.ShotFilters(
            organization_id=optional_uuid(request, "organization_id", ("organization_id",)),
            has_generations=request.has_generations if request.HasField("has_generations") else None,
            product_id=optional_uuid(request, "product_id", ("product_id",)),
            look_id=optional_uuid(request, "look_id", ("look_id",)),
            shooting_id=optional_uuid(request, "shooting_id", ("shooting_id",)),
            shot_type_id=optional_uuid(request, "shot_type", ("shot_type",)),
            status=request.status if request.HasField("status") else None,
        )
        ensure_organization_scope(who, filters.organization_id)
        async with self.ctx.sessions() as session:
            shots, total = await queries.list_shots(session, who, filters, request.page.skip, request.page.limit)
            views = await queries.shot_views(session, shots)
        return pb.ListShotsResponse(shots=[shot_view_to_pb(v) for v in views], count=total)

    async def UpdateShot(self, request: pb.UpdateShotRequest, context: grpc.aio.ServicerContext) -> pb.Shot:
        shot_id = parse_uuid(request.id, ("id",))
        changes: dict[str, object] = {}
        for name in request.update_mask.paths:
            if name in ("current_revision_id", "shot_type_id"):
                changes[name] = optional_uuid(request, name, (name,))
            elif name in ("rework_available", "rework_used"):
                changes[name] = getattr(request, name) if request.HasField(name) else None
        async with transaction(self.ctx.sessions) as session:
            await shot_commands.update_shot(session, caller(current_principal()), shot_id, changes)
        return await self._shot_answer(shot_id)

    async def DeleteShot(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Shot:
        async with transaction(self.ctx.sessions) as session:
            _, view = await shot_commands.delete_shot(
                session, caller(current_principal()), parse_uuid(request.id, ("id",))
            )
        return shot_view_to_pb(view)

    async def ReviewShot(self, request: pb.ReviewShotRequest, context: grpc.aio.ServicerContext) -> pb.Shot:
        shot_id = parse_uuid(request.id, ("id",))
        notes = request.notes if request.HasField("notes") else None
        async with transaction(self.ctx.sessions) as session:
            await shot_commands.review_shot(session, caller(current_principal()), shot_id, request.decision, notes)
        return await self._shot_answer(shot_id)
