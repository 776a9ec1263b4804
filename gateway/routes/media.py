"""Media: E44's signed upload URL, and the local backend's signed uploads and reads.

``PUT`` and ``GET /media/<key>`` carry no bearer token: the HMAC signature in the query
(``expires``, ``signature``; see :mod:`platformkit.media.signing`) is the authorisation, so a
browser can load an image and a client can upload without sharing its token. A tampered or
expired signature is 403, a non-image type 415 at upload (422 when asking for the URL), a body
over ``MEDIA_MAX_BYTES`` 413 (checked on Content-Length and again while streaming).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.deps import ClientsDep, PrincipalDep
from gateway.media import Media, MediaDep
from gateway.media.uploads import too_large
from gateway.route_index import IndexedRouter
from platformkit.errors import Invalid
from platformkit.media.keys import content_type_of, is_image_type, is_valid_key, upload_key
from platformkit.media.signing import verify
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2

router = IndexedRouter(tags=["media"])
FORBIDDEN = "Invalid or expired signature"
Signed = Annotated[int, Query(description="Expiry, seconds since the epoch")]


@router.get("/shots/revisions/upload-url", summary="Get Revision Upload Url")
async def get_upload_url(
    clients: ClientsDep,
    principal: PrincipalDep,
    media: MediaDep,
    content_type: str = "image/jpeg",
    filename: str | None = None,
    shot_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """E44 (R142): ``{upload_url, image_url, method: "PUT", headers, expires_at}``; PUT the bytes to
    ``upload_url`` with those headers and no token, then name ``image_url`` in an UPLOAD image
    (within ``MEDIA_SWEEP_GRACE_SECONDS``: an upload nothing names is deleted after that)."""
    if not is_image_type(content_type):
        raise Invalid.at(("query", "content_type"), "Only image content types can be uploaded")
    if shot_id is not None:  # 404 for a shot the caller cannot see
        await clients.shots.GetShot(common_pb2.IdRequest(id=str(shot_id)), metadata=principal_metadata(principal))
    content_type = content_type.split(";")[0].strip().lower()
    key = upload_key(str(shot_id or principal.user_id), filename, content_type)
    # The slot is known before the URL exists: an upload nothing names is swept after the grace period.
    await clients.shots.ReserveUploads(
        shots_pb2.ReserveUploadsRequest(keys=[key]), metadata=principal_metadata(principal)
    )
    return media.upload(key, content_type)


def _check(media: Media, method: str, key: str, expires: int, signature: str, content_type: str = "") -> None:
    if not is_valid_key(key) or not verify(media.secret, method, key, expires, signature, content_type):
        raise HTTPException(status.HTTP_403_FORBIDDEN, FORBIDDEN)


@router.put("/media/{key:path}", summary="Upload Media", status_code=status.HTTP_200_OK)
async def upload(request: Request, media: MediaDep, key: str, expires: Signed, signature: str) -> dict[str, Any]:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    _check(media, "PUT", key, expires, signature, content_type)
    if not is_image_type(content_type):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Only image content types can be uploaded")
    limit = media.settings.media_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    await media.store.put(key, b"".join(chunks), content_type)
    return {"key": key, "size": size, "image_url": media.canonical_url(key)}


@router.get("/media/{key:path}", summary="Read Media")
async def read(media: MediaDep, key: str, expires: Signed | None = None, signature: str | None = None) -> Response:
    if not media.settings.media_public_reads:
        _check(media, "GET", key, expires or 0, signature or "")
    elif not is_valid_key(key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    native = media.store.presigned_get(key, media.settings.media_read_ttl_seconds)
    if native is not None:
        return RedirectResponse(native, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    data = await media.store.get(key)
    if data is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    # Keys are never reused for other bytes than a re-render of the same seed: caching is safe.
    return Response(data, media_type=content_type_of(key), headers={"Cache-Control": "private, max-age=3600"})
