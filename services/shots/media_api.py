"""ShotsService handler of the media other contexts name (ResolveMedia); mixed into the servicer."""

from __future__ import annotations

import contextlib

import grpc

from platformkit.db import transaction
from platformkit.errors import Invalid, NotFound
from platformkit.media import MediaSettings, MediaStore
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.shots.v1 import shots_pb2 as pb
from services.shots import media_references, shooting_source
from services.shots.convert import media_to_pb

# An outfit names a handful of references; a bound keeps one call's fetches short.
MAX_REFERENCES = 50


class MediaHandlers:
    ctx: ServiceContext
    store: MediaStore
    media_settings: MediaSettings

    async def ResolveMedia(
        self, request: pb.ResolveMediaRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveMediaResponse:
        if len(request.references) > MAX_REFERENCES:
            raise Invalid.at(("references",), f"At most {MAX_REFERENCES} media references per call")
        scope = media_references.UseScope(
            shooting_id=parse_uuid(request.shooting_id, ("shooting_id",)),
            owner_id=parse_uuid(request.owner_id, ("owner_id",)),
            organization_id=optional_uuid(request, "organization_id", ("organization_id",)),
        )
        if any(media_references.judged_by_access(reference) for reference in request.references):
            # Whether the caller may use a media resource is judged by this service's record of
            # who owns the shootings (D19.4). A shooting created a moment ago may not be recorded
            # yet (a look created with an outfit reference right after its shooting, and no shot
            # to create, which would have learned it): learn it from its owner as the caller, as
            # CreateShots does. One the caller cannot see there stays unknown: its references are
            # answered "not usable" one by one, as the call promises.
            with contextlib.suppress(NotFound):
                await shooting_source.scope_of(self.ctx, scope.shooting_id)
        async with transaction(self.ctx.sessions) as session:
            answers = await media_references.resolve(
                session, caller(current_principal()), self.store, self.media_settings, scope, request.references
            )
        return pb.ResolveMediaResponse(
            media=[pb.ResolvedMedia(media=media_to_pb(media), error=error) for media, error in answers]
        )
