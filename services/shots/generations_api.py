"""ShotsService handlers of generations; mixed into the servicer."""

from __future__ import annotations

import grpc

from platformkit.db import transaction
from platformkit.errors import Invalid, NotFound
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2 as pb
from services.shots import generations
from services.shots.convert import generation_to_pb

# E8 may start generations for a thousand looks at once.
MAX_SPECS = 20_000


class GenerationHandlers:
    ctx: ServiceContext

    @replayable(pb.StartGenerationsResponse)
    async def StartGenerations(
        self, request: pb.StartGenerationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartGenerationsResponse:
        if len(request.specs) > MAX_SPECS:
            raise Invalid.at((), f"At most {MAX_SPECS} shots per call")
        for index, spec in enumerate(request.specs):
            parse_uuid(spec.shot_id, ("specs", index, "shot_id"))
        async with transaction(self.ctx.sessions) as session:
            started = await generations.start(
                session,
                caller(current_principal()),
                request.specs,
                owner_only=request.owner_only,
                explicit=request.explicit,
                quota=self.ctx.settings.generation_quota,
            )
        return pb.StartGenerationsResponse(
            generations=[
                pb.GenerationRef(id=str(g.id), shot_id=str(g.shot_id), look_id=str(g.production_request_id))
                for g in started.generations
            ],
            skipped=[pb.SkippedShot(shot_id=str(shot), reason=reason) for shot, reason in started.skipped],
        )

    async def GetGeneration(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Generation:
        generation_id = parse_uuid(request.id, ("id",))
        async with self.ctx.sessions() as session:
            found = await generations.visible_generations(
                session, caller(current_principal()), generation_id=generation_id
            )
        if not found:
            raise NotFound("Generation not found")
        return generation_to_pb(*found[0])

    async def ListGenerations(
        self, request: pb.ListGenerationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListGenerationsResponse:
        shot_id = parse_uuid(request.shot_id, ("shot_id",))
        async with self.ctx.sessions() as session:
            found = await generations.visible_generations(session, caller(current_principal()), shot_id=shot_id)
        return pb.ListGenerationsResponse(generations=[generation_to_pb(g, p) for g, p in found])
