"""gRPC handlers of ShotsService."""

from __future__ import annotations

import uuid

import grpc

from platformkit.db import transaction
from platformkit.errors import Invalid
from platformkit.event_types import EventType
from platformkit.media import MediaSettings, open_store
from platformkit.outbox import NewEvent, add_events
from platformkit.principal import caller
from platformkit.principal_tokens import GATEWAY
from platformkit.protoconv import parse_uuid, uuid_texts
from platformkit.rpc import current_principal, require_issuer
from platformkit.service import ServiceContext
from platformkit.topics import SHOTS_EVENTS
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1 import shots_pb2_grpc
from services.shots import queries, shooting_source
from services.shots import repository as repo
from services.shots.convert import shot_state, shot_to_pb, shot_view_to_pb
from services.shots.domain.access import ensure_visible
from services.shots.events import SOURCE
from services.shots.generations_api import GenerationHandlers
from services.shots.media_api import MediaHandlers
from services.shots.models import messaging
from services.shots.quotas_api import QuotaHandlers
from services.shots.revisions_api import RevisionHandlers
from services.shots.shots_api import ShotHandlers

# Who may make the batch writes: look commands create and remove a look's shots, and the
# gateway adds one shot to a look (E37).
SHOOTINGS = "shootings"
CREATORS = (GATEWAY, SHOOTINGS)
# A look creation may carry up to 1,000 looks x a few shot types.
MAX_SHOTS_PER_CALL = 20_000


def _new_shot_rows(request: pb.CreateShotsRequest, shooting_id: uuid.UUID) -> list[dict[str, object]]:
    return [
        {
            "id": parse_uuid(s.id, ("shots", i, "id")),
            "production_request_id": parse_uuid(s.look_id, ("shots", i, "look_id")),
            "shooting_id": shooting_id,
            "shot_type_id": parse_uuid(s.shot_type_id, ("shots", i, "shot_type_id")) if s.shot_type_id else None,
            "pose_preset_id": uuid.UUID(s.pose_preset_id) if s.HasField("pose_preset_id") else None,
        }
        for i, s in enumerate(request.shots)
    ]


class ShotsServicer(
    ShotHandlers,
    RevisionHandlers,
    GenerationHandlers,
    MediaHandlers,
    QuotaHandlers,
    shots_pb2_grpc.ShotsServiceServicer,
):
    """The batch calls other services make (here) and the per-resource handlers (mixins)."""

    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context
        # Revision images and other contexts name uploaded objects, read once to be registered;
        # media named by URL are fetched under the media settings' outbound rules.
        self.media_settings = MediaSettings()
        self.store = open_store(self.media_settings)

    async def CreateShots(
        self, request: pb.CreateShotsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateShotsResponse:
        """The shots of new looks (and E37's one shot): only the shootings service and the gateway
        make this call, for a caller who can see the shooting by this service's own record of who
        owns it (see shooting_source)."""
        require_issuer(*CREATORS)
        if len(request.shots) > MAX_SHOTS_PER_CALL:
            raise Invalid.at(("shots",), f"At most {MAX_SHOTS_PER_CALL} shots per call")
        shooting_id = parse_uuid(request.shooting_id, ("shooting_id",))
        async with transaction(self.ctx.sessions) as session:
            scope = await shooting_source.scope_of(self.ctx, shooting_id, session)
            ensure_visible(caller(current_principal()), scope, "Shooting")
            rows = _new_shot_rows(request, shooting_id)
            shots, inserted = await repo.insert_shots(session, rows)
            await add_events(
                session,
                messaging,
                topic=SHOTS_EVENTS,
                source=SOURCE,
                events=[NewEvent(EventType.SHOT_CREATED, str(s.id), shot_state(s)) for s in shots if s.id in inserted],
            )
        return pb.CreateShotsResponse(shots=[shot_to_pb(s) for s in shots])

    async def ListShotsByLooks(
        self, request: pb.ListShotsByLooksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShotsByLooksResponse:
        """Only the shots of shootings the caller may reach (owner, members, admins)."""
        look_ids = [parse_uuid(i, ("look_ids",)) for i in request.look_ids]
        entitled = queries.entitled(caller(current_principal()))
        async with self.ctx.reads() as session:
            shots = await repo.shots_of_looks(session, look_ids, entitled)
            if not request.include_revisions:
                return pb.ListShotsByLooksResponse(shots=[shot_to_pb(s) for s in shots])
            # Full looks show every shot's revisions with their images: one statement per level.
            views = await queries.shot_views(session, shots)
        return pb.ListShotsByLooksResponse(shots=[shot_view_to_pb(v) for v in views])

    async def GetShotsByLooksVersion(
        self, request: pb.ListShotsByLooksRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Version:
        """The version of what ListShotsByLooks reads for the same caller, revisions included."""
        look_ids = uuid_texts(request.look_ids, ("look_ids",))
        value = await queries.shots_of_looks_version(self.ctx.rows, look_ids, caller(current_principal()))
        return common_pb2.Version(value=value)

    async def DeleteShots(
        self, request: pb.DeleteShotsRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteShotsResponse:
        """The shootings service's call alone; only shots of shootings the caller may reach go."""
        require_issuer(SHOOTINGS)
        ids = [parse_uuid(i, ("shot_ids",)) for i in request.shot_ids]
        entitled = queries.entitled(caller(current_principal()))
        async with transaction(self.ctx.sessions) as session:
            removed = await repo.delete_shots(session, ids, entitled)
            await add_events(
                session,
                messaging,
                topic=SHOTS_EVENTS,
                source=SOURCE,
                events=[NewEvent(EventType.SHOT_DELETED, str(s.id), shot_state(s, deleted=True)) for s in removed],
            )
        return pb.DeleteShotsResponse(deleted=len(removed))


SERVICE_NAMES = (pb.DESCRIPTOR.services_by_name["ShotsService"].full_name,)


def add_servicers(server: grpc.aio.Server, context: ServiceContext) -> None:
    shots_pb2_grpc.add_ShotsServiceServicer_to_server(ShotsServicer(context), server)
