"""ExportsService handler of E42: the shot's current revision image as a file (R137, R138).

The image is rendered here and streamed to the gateway in chunks (one header first), so the
gateway never holds a whole image. 404 when the caller cannot see the shot; 400 without a current
revision or without an image; an image that cannot be fetched or decoded is INTERNAL (the
gateway answers 500 "Image processing failed", R138).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from platformkit.errors import BadRequest
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.exports.v1 import exports_pb2 as pb
from services.exports.configuration_choice import render_spec
from services.exports.rendering import RefusedSource, Renderer, RenderError
from services.exports.sources import Sources
from services.exports.targets import current_revision, target


class DownloadHandlers:
    ctx: ServiceContext
    sources: Sources
    renderer: Renderer
    chunk_bytes: int

    async def DownloadShot(
        self, request: pb.DownloadShotRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.DownloadChunk]:
        who = caller(current_principal())
        shot_id = parse_uuid(request.shot_id, ("shot_id",))
        user_choice = optional_uuid(request, "user_export_configuration_id", ("user_export_configuration_id",))
        shot = await self.sources.shot(str(shot_id))
        revision = current_revision(shot)
        if revision is None:
            raise BadRequest("The shot has no current revision")
        look = await self.sources.with_shot_types(await self.sources.look_context(shot.look_id), [shot])
        found = target(look, shot, revision)
        if found.source is None:
            raise BadRequest("The current revision has no image")
        async with self.ctx.sessions() as session:
            spec = await render_spec(session, who, look.configuration_id, user_choice)
        try:
            rendered = await self.renderer.render(found.source, spec, found.facts)
        except RefusedSource as exc:
            raise BadRequest(f"The current revision's image cannot be downloaded: {exc}") from None
        except RenderError as exc:
            await context.abort(grpc.StatusCode.INTERNAL, f"Image processing failed: {exc}")
        header = pb.DownloadHeader(
            filename=rendered.filename, content_type=rendered.content_type, size=len(rendered.data)
        )
        yield pb.DownloadChunk(header=header)
        for offset in range(0, len(rendered.data), self.chunk_bytes):
            yield pb.DownloadChunk(data=rendered.data[offset : offset + self.chunk_bytes])
