"""Media objects of the shots database: the record of a stored file that revision images use.

Uploads reach the store without the shots service (signed PUT to the gateway, or straight to the
bucket), but never unannounced: whoever hands out or writes a new object first reserves it as an
upload slot (:func:`reserve_slots`). The first revision image naming the object registers it
here, reading it once for its size, hash and dimensions, and consumes the slot; predictions are
registered by the worker that stored them. What nothing names any more is detached, and the media
sweep (:mod:`services.shots.media_sweep`) deletes it after the grace period, as it deletes the
objects of slots nobody named.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Invalid, TooLarge
from platformkit.field_paths import FieldPath
from platformkit.media.keys import content_type_of, extension_of
from platformkit.media.store import MediaStore, content_hash
from services.shots.models import MediaObject, Revision, RevisionImage, UploadSlot

Image.MAX_IMAGE_PIXELS = 100_000_000  # refuse decompression bombs well before memory runs out


def image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


async def reserve_slots(session: AsyncSession, keys: Sequence[str], owner_id: uuid.UUID | None) -> None:
    """Announce objects about to be stored: until something names them, they are upload slots."""
    if keys:
        rows = [{"key": key, "owner_id": owner_id} for key in keys]
        await session.execute(insert(UploadSlot).values(rows).on_conflict_do_nothing(index_elements=["key"]))


async def record_media(
    session: AsyncSession, key: str, data: bytes, *, shooting_id: uuid.UUID | None = None
) -> MediaObject:
    """The media row of ``key`` (created from ``data`` when new; a retry finds the first one); the
    object is named now, so its upload slot is consumed."""
    size = image_size(data)
    values = {
        "shooting_id": shooting_id,
        "id": uuid.uuid4(),
        "key": key,
        "content_type": content_type_of(key),
        "file_size": len(data),
        "content_hash": content_hash(data),
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "extension": extension_of(key),
    }
    await session.execute(insert(MediaObject).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    await session.execute(sa.delete(UploadSlot).where(UploadSlot.key == key))
    row = await session.scalar(sa.select(MediaObject).where(MediaObject.key == key))
    assert row is not None
    return row


async def register_upload(
    session: AsyncSession, store: MediaStore, key: str, loc: FieldPath, max_bytes: int
) -> MediaObject:
    """An uploaded object named by a revision image: it must exist (422), be at most ``max_bytes``
    (413, and the object is deleted: it never becomes media, whichever backend took it) and be an
    image (422). An object named before is named again: its media row is attached once more.

    The slot and the media row are locked first, as the media sweep locks them, so a sweep never
    deletes an object while it is being named (whichever comes second finds what the first left)."""
    await session.execute(sa.select(UploadSlot.key).where(UploadSlot.key == key).with_for_update())
    existing = await session.scalar(sa.select(MediaObject).where(MediaObject.key == key).with_for_update())
    info = await store.head(key)
    if info is None:
        raise Invalid.at(loc, "The image was not uploaded (or its upload URL expired)")
    if existing is not None:
        existing.detached_at = None
        await session.execute(sa.delete(UploadSlot).where(UploadSlot.key == key))
        return existing
    if info.size > max_bytes:
        await store.delete(key)
        raise TooLarge(f"The image exceeds the {max_bytes} byte limit")
    data = await store.get(key)
    if data is None:
        raise Invalid.at(loc, "The image was not uploaded (or its upload URL expired)")
    if image_size(data) is None:
        raise Invalid.at(loc, "The uploaded file is not an image")
    return await record_media(session, key, data)


async def attach_media(session: AsyncSession, media_ids: Sequence[uuid.UUID]) -> None:
    """Media a new image uses are attached again (a prediction picked after its own revision was
    deleted, an earlier image refined): only media nobody uses may be swept."""
    if media_ids:
        await session.execute(
            sa.update(MediaObject)
            .where(MediaObject.id.in_(media_ids), MediaObject.detached_at.is_not(None))
            .values(detached_at=None)
        )


def named_by(images: sa.ColumnElement[bool]) -> sa.Exists:
    """Whether an image (or sketch) of the revision images ``images`` selects names the media row."""
    return (
        sa.select(RevisionImage.id)
        .where(
            images,
            sa.or_(
                RevisionImage.image_media_id == MediaObject.id, RevisionImage.sketch_image_media_id == MediaObject.id
            ),
        )
        .exists()
    )


async def detach_media(session: AsyncSession, revision_ids: Sequence[uuid.UUID]) -> int:
    """R143: the media of the revisions' images are detached (the images go with the revision),
    unless something else still uses them: another revision's image (a refine, an upload named
    twice) or another context (media named for an outfit, which the shots service cannot follow)."""
    if not revision_ids:
        return 0
    leaving = RevisionImage.shot_revision_id.in_(revision_ids)
    result = await session.execute(
        sa.update(MediaObject)
        .where(
            named_by(leaving),
            ~named_by(~leaving),
            MediaObject.shooting_id.is_(None),
            MediaObject.detached_at.is_(None),
        )
        .values(detached_at=datetime.now(UTC))
    )
    return result.rowcount or 0


async def detach_media_of_shots(session: AsyncSession, shot_ids: Sequence[uuid.UUID]) -> int:
    """The media of every revision of shots about to be deleted (their revisions go with them)."""
    revision_ids = list(await session.scalars(sa.select(Revision.id).where(Revision.shot_id.in_(shot_ids))))
    return await detach_media(session, revision_ids)
