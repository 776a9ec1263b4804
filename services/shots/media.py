"""Media objects of the shots database: the record of a stored file that revision images use.

Uploads reach the store without the shots service (signed PUT to the gateway, or straight to the
bucket); the first revision image naming the object registers it here, reading the bytes once
for their size, hash and dimensions. Predictions are registered by the worker that stored them.
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

from platformkit.errors import Invalid
from platformkit.media.keys import content_type_of, extension_of
from platformkit.media.store import MediaStore, content_hash
from services.shots.models import MediaObject, RevisionImage

Image.MAX_IMAGE_PIXELS = 100_000_000  # refuse decompression bombs well before memory runs out


def image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


async def record_media(
    session: AsyncSession, key: str, data: bytes, *, shooting_id: uuid.UUID | None = None
) -> MediaObject:
    """The media row of ``key`` (created from ``data`` when new; a retry finds the first one)."""
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
    row = await session.scalar(sa.select(MediaObject).where(MediaObject.key == key))
    assert row is not None
    return row


async def register_upload(session: AsyncSession, store: MediaStore, key: str, loc: tuple[str, ...]) -> MediaObject:
    """An uploaded object named by a revision image: it must exist and be an image (422)."""
    existing = await session.scalar(sa.select(MediaObject).where(MediaObject.key == key))
    if existing is not None:
        return existing
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


def _media_of(images: sa.ColumnElement[bool]) -> sa.CompoundSelect:
    """Ids of the media (images and sketches) of the revision images ``images`` selects."""
    return sa.union(
        sa.select(RevisionImage.image_media_id).where(images, RevisionImage.image_media_id.is_not(None)),
        sa.select(RevisionImage.sketch_image_media_id).where(images, RevisionImage.sketch_image_media_id.is_not(None)),
    )


async def detach_media(session: AsyncSession, revision_ids: Sequence[uuid.UUID]) -> int:
    """R143: the media of the revisions' images are detached (the images go with the revision),
    unless something else still uses them: another revision's image (a refine, an upload named
    twice) or another context (media named for an outfit, which the shots service cannot follow)."""
    leaving = RevisionImage.shot_revision_id.in_(revision_ids)
    result = await session.execute(
        sa.update(MediaObject)
        .where(
            MediaObject.id.in_(_media_of(leaving)),
            MediaObject.id.not_in(_media_of(~leaving)),
            MediaObject.shooting_id.is_(None),
            MediaObject.detached_at.is_(None),
        )
        .values(detached_at=datetime.now(UTC))
    )
    return result.rowcount or 0
