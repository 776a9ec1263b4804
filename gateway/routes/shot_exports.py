"""Download (E42) and export (E48, E49) of approved images; the exports service owns the rules.

Each passes the caller's default export configuration (``PATCH /users/me``; identity lives here)
so the exports service can choose: the look's configuration, else the user's, else JPEG with the
`default` adapter. E42 streams: the exports service renders and sends the file in chunks, which
go out as they arrive, so a large image is never held whole in the gateway.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
from fastapi import HTTPException, status
from fastapi.responses import StreamingResponse

from gateway.deps import ClientsDep, CurrentUser, PrincipalDep
from gateway.field_locations import rest_names
from gateway.protoconv import text
from gateway.route_index import IndexedRouter
from gateway.schemas.exports import ExportProductionRequestResponse, ExportRevisionResponse
from platformkit.rpc import principal_metadata
from protos.exports.v1 import exports_pb2 as pb

router = IndexedRouter(prefix="/shots", tags=["shots"])
# The caller's default export configuration, which the public API names as in the user's body.
USER_EXPORT_CONFIGURATION = ("body", "export_configuration_id")
# Rendering a large image may take a while; the default deadline is for quick calls.
DOWNLOAD_DEADLINE_SECONDS = 120.0
PROCESSING_FAILED = "Image processing failed"


async def _rest(call: grpc.aio.UnaryStreamCall) -> AsyncIterator[bytes]:  # type: ignore[type-arg]
    """The file's chunks as the exports service sends them; the call ends with the response."""
    try:
        while (chunk := await call.read()) is not grpc.aio.EOF:
            yield chunk.data
    finally:
        call.cancel()


@router.get(
    "/{shot_id}/download",
    summary="Download Shot Revision Image",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/*": {}}, "description": "The image, as an attachment"}},
)
@rest_names(user_export_configuration_id=USER_EXPORT_CONFIGURATION)
async def download_shot(
    clients: ClientsDep, principal: PrincipalDep, user: CurrentUser, shot_id: uuid.UUID
) -> StreamingResponse:
    """E42 (R137, R138): the current revision's image in the configuration's format, with the
    adapter's metadata and file name. 404 when the shot cannot be seen, 400 without a current
    revision or image, 500 when the image cannot be processed."""
    request = pb.DownloadShotRequest(
        shot_id=str(shot_id), user_export_configuration_id=text(user.export_configuration_id)
    )
    call = clients.exports.DownloadShot(
        request, metadata=principal_metadata(principal), timeout=DOWNLOAD_DEADLINE_SECONDS
    )
    try:
        first = await call.read()
    except grpc.aio.AioRpcError as exc:
        if exc.code() is grpc.StatusCode.INTERNAL:
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, PROCESSING_FAILED) from None
        raise
    if first is grpc.aio.EOF or not first.HasField("header"):
        call.cancel()
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "Upstream service error")
    header = first.header
    headers = {
        "Content-Disposition": f'attachment; filename="{header.filename}"',
        "Content-Length": str(header.size),
    }
    return StreamingResponse(_rest(call), media_type=header.content_type, headers=headers)


@router.post("/revisions/{revision_id}/export", summary="Export Revision")
@rest_names(user_export_configuration_id=USER_EXPORT_CONFIGURATION)
async def export_revision(
    clients: ClientsDep, principal: PrincipalDep, user: CurrentUser, revision_id: uuid.UUID
) -> ExportRevisionResponse:
    """E48 (R151-R153, A26, A27): one push per integration the product maps to, answered at
    once; 400 unless the revision is APPROVED and has an image, or when the product has no
    external mapping. Integrations with a live or completed push of it count in `exports_skipped`."""
    request = pb.ExportRevisionRequest(
        revision_id=str(revision_id), user_export_configuration_id=text(user.export_configuration_id)
    )
    reply = await clients.exports.ExportRevision(request, metadata=principal_metadata(principal))
    return ExportRevisionResponse(
        revision_id=reply.revision_id,
        exports_created=reply.exports_created,
        exports_skipped=reply.exports_skipped,
        message=reply.message,
    )


@router.post("/production-requests/{production_request_id}/export", summary="Export Production Request")
@rest_names(user_export_configuration_id=USER_EXPORT_CONFIGURATION)
async def export_production_request(
    clients: ClientsDep, principal: PrincipalDep, user: CurrentUser, production_request_id: uuid.UUID
) -> ExportProductionRequestResponse:
    """E49 (R153, R154): every shot whose current revision is APPROVED is exported as in E48;
    the others count in `revisions_skipped`. 400 when the look's product has no external mapping."""
    request = pb.ExportLookRequest(
        look_id=str(production_request_id),
        user_export_configuration_id=text(user.export_configuration_id),
    )
    reply = await clients.exports.ExportLook(request, metadata=principal_metadata(principal))
    return ExportProductionRequestResponse(
        production_request_id=reply.look_id,
        revisions_processed=reply.revisions_processed,
        revisions_skipped=reply.revisions_skipped,
        exports_created=reply.exports_created,
        exports_skipped=reply.exports_skipped,
        message=reply.message,
    )
