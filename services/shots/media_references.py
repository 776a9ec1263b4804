"""Media another context names for a caller (outfit references given as MediaInput, issue 18).

The shots service keeps the media registry, so it answers which stored media a caller may name
and registers new ones:

- by id: a media resource the caller can see in a shooting of the scope it will be used in (that
  organization's shootings, or that owner's personal ones): through a revision image or a
  prediction of a visible shot there, or registered for such a shooting. Another scope's media
  are refused even to a member of both (as catalog references are).
- by URL: this platform's media (an E44 upload, registered on first use like a revision image's);
  an http(s) or ``data:`` image, fetched once (the outbound rules of every fetch apply), checked
  to be an image and stored, so the reference survives its source.

Media named here remember the shooting they were first named for, and are never detached by a
revision deletion again (the shots service cannot tell when the other context stops using them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access_conditions import listing_scope
from platformkit.media import MediaSettings, MediaStore
from platformkit.media.fetch import FetchError, fetch_image
from platformkit.media.images import image_content_type
from platformkit.media.keys import key_from_url, upload_key
from protos.shots.v1 import shots_pb2 as pb
from services.shots.domain.access import Caller
from services.shots.media import record_media
from services.shots.models import (
    Generation,
    MediaObject,
    Prediction,
    Revision,
    RevisionImage,
    ShootingAccess,
    Shot,
)
from services.shots.queries import visible_to

NOT_USABLE = "Unknown media resource, or not one the caller may use in this shooting"


@dataclass(frozen=True)
class UseScope:
    """Where the media will be used: a shooting, and the scope its catalog belongs to."""

    shooting_id: uuid.UUID
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None


def _in_scope(scope: UseScope) -> sa.ColumnElement[bool]:
    return listing_scope(ShootingAccess.owner_id, ShootingAccess.organization_id, scope.owner_id, scope.organization_id)


def _usable(caller: Caller, scope: UseScope) -> sa.ColumnElement[bool]:
    """The condition on MediaObject under which ``caller`` may name it in ``scope``."""
    shooting_ok = sa.and_(visible_to(caller), _in_scope(scope))
    through_images = (
        sa.exists()
        .where(
            sa.or_(
                RevisionImage.image_media_id == MediaObject.id, RevisionImage.sketch_image_media_id == MediaObject.id
            )
        )
        .where(Revision.id == RevisionImage.shot_revision_id, Shot.id == Revision.shot_id)
        .where(ShootingAccess.shooting_id == Shot.shooting_id, shooting_ok)
    )
    through_predictions = (
        sa.exists()
        .where(Prediction.media_key == MediaObject.key, Generation.id == Prediction.generation_id)
        .where(Shot.id == Generation.shot_id, ShootingAccess.shooting_id == Shot.shooting_id, shooting_ok)
    )
    registered_here = sa.exists().where(ShootingAccess.shooting_id == MediaObject.shooting_id, shooting_ok)
    return sa.or_(through_images, through_predictions, registered_here)


async def _usable_row(
    session: AsyncSession, caller: Caller, scope: UseScope, condition: sa.ColumnElement[bool]
) -> MediaObject | None:
    return await session.scalar(sa.select(MediaObject).where(condition, _usable(caller, scope)))


async def _by_id(session: AsyncSession, caller: Caller, scope: UseScope, raw: str) -> tuple[MediaObject | None, str]:
    try:
        media_id = uuid.UUID(raw)
    except ValueError:
        return None, "Input should be a valid UUID"
    found = await _usable_row(session, caller, scope, MediaObject.id == media_id)
    return (found, "") if found is not None else (None, NOT_USABLE)


async def _stored(
    session: AsyncSession, store: MediaStore, settings: MediaSettings, key: str, scope: UseScope
) -> tuple[MediaObject | None, str]:
    info = await store.head(key)
    if info is not None and info.size > settings.media_max_bytes:
        await store.delete(key)  # never becomes media, on either backend (as revision uploads)
        return None, f"The image exceeds the {settings.media_max_bytes} byte limit"
    data = await store.get(key) if info is not None else None
    if data is None:
        return None, "Nothing was uploaded at this URL (or its upload URL expired)"
    if image_content_type(data) is None:
        return None, "The uploaded file is not an image"
    return await record_media(session, key, data, shooting_id=scope.shooting_id), ""


async def _fetched(
    session: AsyncSession, store: MediaStore, settings: MediaSettings, url: str, scope: UseScope
) -> tuple[MediaObject | None, str]:
    try:
        data = await fetch_image(url, settings, store)
    except FetchError as exc:
        return None, f"The image cannot be fetched: {exc}"
    content_type = image_content_type(data)
    if content_type is None:
        return None, "The URL does not name an image (JPEG, PNG, WebP, AVIF or GIF)"
    key = upload_key(str(scope.shooting_id), None, content_type)
    await store.put(key, data, content_type)
    return await record_media(session, key, data, shooting_id=scope.shooting_id), ""


async def _by_url(
    session: AsyncSession, caller: Caller, store: MediaStore, settings: MediaSettings, scope: UseScope, url: str
) -> tuple[MediaObject | None, str]:
    key = key_from_url(url)
    if key is None:
        return await _fetched(session, store, settings, url, scope)
    if await session.scalar(sa.select(MediaObject.id).where(MediaObject.key == key)) is None:
        return await _stored(session, store, settings, key, scope)
    found = await _usable_row(session, caller, scope, MediaObject.key == key)
    return (found, "") if found is not None else (None, NOT_USABLE)


async def resolve(
    session: AsyncSession,
    caller: Caller,
    store: MediaStore,
    settings: MediaSettings,
    scope: UseScope,
    references: Sequence[pb.MediaReference],
) -> list[tuple[MediaObject | None, str]]:
    """Each reference's media, or why the caller cannot use it (in the order given)."""
    answers = []
    for reference in references:
        target = reference.WhichOneof("target")
        if target == "media_id":
            answer = await _by_id(session, caller, scope, reference.media_id)
        elif target == "url":
            answer = await _by_url(session, caller, store, settings, scope, reference.url)
        else:
            answer = (None, "A media reference names a media_id or a url")
        if answer[0] is not None:
            _kept_for(answer[0], scope)
        answers.append(answer)
    return answers


def judged_by_access(reference: pb.MediaReference) -> bool:
    """Does resolving ``reference`` ask whether the caller may use a stored media resource? A
    media id and one of this platform's media URLs do; an external or ``data:`` image is fetched
    and registered for the scope's shooting without."""
    target = reference.WhichOneof("target")
    return target == "media_id" or (target == "url" and key_from_url(reference.url) is not None)


def _kept_for(media: MediaObject, scope: UseScope) -> None:
    """Media another context uses are attached, and stay so (deleting a revision that shows them
    must not let a sweep take them from the outfit)."""
    media.detached_at = None
    if media.shooting_id is None:
        media.shooting_id = scope.shooting_id
