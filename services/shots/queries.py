"""Reads of the shots database: shots scoped by their shooting, revisions with their images
and media, generations with their predictions. Each read is a constant number of statements
whatever a page holds (one per level, never one per row).

The pages a board reads (shots of many looks, their revisions, images and media) come back as
Core rows, not ORM objects: the converters only read attributes, and building hundreds of mapped
instances per page (identity map, instance state) was most of the board's cost in this service.
Their id lists travel as one array parameter (:func:`platformkit.db.any_of`), so each statement is
prepared once per connection.
"""

from __future__ import annotations

import uuid
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access_conditions import caller_parameters, listing_scope, reached_by, reached_by_parameters
from platformkit.db import any_of, array_parameter
from platformkit.direct_reads import DirectRead, RowReader
from platformkit.row_versions import read_version, rows_version, version_read
from services.shots.domain.access import Caller, ShootingScope
from services.shots.models import (
    Generation,
    LookProjection,
    MediaObject,
    Prediction,
    Revision,
    RevisionImage,
    ShootingAccess,
    Shot,
)
from services.shots.repository import SHOTS, looks_shots

# Shots of deleted looks vanish from reads (a look not projected yet counts as live).
_LIVE_LOOK = ~sa.exists().where(LookProjection.look_id == Shot.production_request_id, LookProjection.deleted)


@dataclass
class RevisionView:
    """A revision row and its images, each with its image and sketch media rows (or None)."""

    row: Any
    images: list[tuple[Any, Any | None, Any | None]] = field(default_factory=list)


@dataclass
class ShotView:
    row: Any
    revisions: list[RevisionView] = field(default_factory=list)
    has_generations: bool = False


REVISIONS = Revision.__table__
IMAGES = RevisionImage.__table__
MEDIA = MediaObject.__table__
_IMAGE_MEDIA = MEDIA.alias("image_media")
_SKETCH_MEDIA = MEDIA.alias("sketch_media")
# An image row, then its two media rows, split off the one joined row by position and read by name.
_ImageRow = namedtuple("_ImageRow", [c.key for c in IMAGES.c])  # type: ignore[misc]
_MediaRow = namedtuple("_MediaRow", [c.key for c in MEDIA.c])  # type: ignore[misc]
_IMAGE_END = len(IMAGES.c)
_MEDIA_END = _IMAGE_END + len(MEDIA.c)


def _media(values: tuple[Any, ...]) -> Any | None:
    return None if values[0] is None else _MediaRow._make(values)


def visible_to(caller: Caller) -> sa.ColumnElement[bool]:
    """The condition on ShootingAccess under which ``caller`` sees a shooting's shots."""
    return sa.and_(~ShootingAccess.deleted, entitled(caller))


def entitled(caller: Caller) -> sa.ColumnElement[bool]:
    """The condition on ShootingAccess under which ``caller`` may reach a shooting's shots at
    all, deleted or not (the owner, its organization's members, admins): what the batch calls
    other services make on a caller's behalf check, whatever state the shooting is in."""
    return reached_by(caller, ShootingAccess.owner_id, ShootingAccess.organization_id)


async def scope_of(session: AsyncSession, shooting_id: uuid.UUID) -> ShootingScope | None:
    row = await session.get(ShootingAccess, shooting_id)
    return None if row is None else ShootingScope(row.owner_id, row.organization_id, row.deleted)


async def visible_shot(session: AsyncSession, caller: Caller, shot_id: uuid.UUID, *, lock: bool = False) -> Shot | None:
    query = (
        sa.select(Shot)
        .join(ShootingAccess, ShootingAccess.shooting_id == Shot.shooting_id)
        .where(Shot.id == shot_id, visible_to(caller), _LIVE_LOOK)
    )
    return await session.scalar(query.with_for_update(of=Shot) if lock else query)


async def visible_revision(
    session: AsyncSession, caller: Caller, revision_id: uuid.UUID
) -> tuple[Revision, Shot] | None:
    """The revision and its shot, the shot locked: every revision change of a shot serialises on it."""
    shot_id = await session.scalar(sa.select(Revision.shot_id).where(Revision.id == revision_id))
    if shot_id is None:
        return None
    shot = await visible_shot(session, caller, shot_id, lock=True)
    revision = await session.get(Revision, revision_id) if shot is not None else None
    return None if revision is None or shot is None else (revision, shot)


@dataclass(frozen=True)
class ShotFilters:
    organization_id: uuid.UUID | None = None
    has_generations: bool | None = None
    product_id: uuid.UUID | None = None
    look_id: uuid.UUID | None = None
    shooting_id: uuid.UUID | None = None
    shot_type_id: uuid.UUID | None = None
    status: str | None = None


def _has_generations() -> sa.Exists:
    return sa.exists().where(Generation.shot_id == Shot.id)


async def list_shots(
    session: AsyncSession, caller: Caller, filters: ShotFilters, skip: int, limit: int
) -> tuple[list[Shot], int]:
    """R7: an organization's shots, or the shots of the caller's personal shootings."""
    conditions: list[sa.ColumnElement[bool]] = [~ShootingAccess.deleted, _LIVE_LOOK]
    conditions.append(
        listing_scope(ShootingAccess.owner_id, ShootingAccess.organization_id, caller.user_id, filters.organization_id)
    )
    exact = {
        Shot.production_request_id: filters.look_id,
        Shot.shooting_id: filters.shooting_id,
        Shot.shot_type_id: filters.shot_type_id,
        Shot.status: filters.status,
    }
    conditions += [column == value for column, value in exact.items() if value is not None]
    if filters.has_generations is not None:
        conditions.append(_has_generations() if filters.has_generations else ~_has_generations())
    if filters.product_id is not None:
        conditions.append(
            sa.exists().where(
                LookProjection.look_id == Shot.production_request_id, LookProjection.product_id == filters.product_id
            )
        )
    base = sa.select(Shot).join(ShootingAccess, ShootingAccess.shooting_id == Shot.shooting_id).where(*conditions)
    total = await session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = await session.scalars(base.order_by(Shot.created_at.desc(), Shot.id).offset(skip).limit(limit))
    return list(rows), int(total or 0)


async def revisions_of(session: AsyncSession, shot_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[RevisionView]]:
    """Every revision of the shots (oldest first) with their images and media: two statements."""
    revisions = (
        await session.execute(
            sa.select(REVISIONS)
            .where(any_of(REVISIONS.c.shot_id, shot_ids))
            .order_by(REVISIONS.c.created_at, REVISIONS.c.version)
        )
    ).all()
    views = {r.id: RevisionView(r) for r in revisions}
    if views:
        rows = await session.execute(
            sa.select(IMAGES, _IMAGE_MEDIA, _SKETCH_MEDIA)
            .outerjoin(_IMAGE_MEDIA, _IMAGE_MEDIA.c.id == IMAGES.c.image_media_id)
            .outerjoin(_SKETCH_MEDIA, _SKETCH_MEDIA.c.id == IMAGES.c.sketch_image_media_id)
            .where(any_of(IMAGES.c.shot_revision_id, views))
            .order_by(IMAGES.c.position)
        )
        for row in rows:
            image = _ImageRow._make(row[:_IMAGE_END])
            views[image.shot_revision_id].images.append(
                (image, _media(row[_IMAGE_END:_MEDIA_END]), _media(row[_MEDIA_END:]))
            )
    grouped: dict[uuid.UUID, list[RevisionView]] = defaultdict(list)
    for revision in revisions:
        grouped[revision.shot_id].append(views[revision.id])
    return grouped


async def shot_views(session: AsyncSession, shots: Sequence[Any], *, revisions: bool = True) -> list[ShotView]:
    ids = [s.id for s in shots]
    with_generations = set(
        await session.scalars(sa.select(Generation.shot_id).where(any_of(Generation.shot_id, ids)).distinct())
    )
    chains = await revisions_of(session, ids) if revisions and ids else {}
    return [ShotView(s, chains.get(s.id, []), s.id in with_generations) for s in shots]


def _shots_of_looks_version_read() -> DirectRead:
    """The version (:mod:`platformkit.row_versions`) of every row a board's ``shots_of_looks`` then
    ``shot_views`` read: the shots, which of them have generations, their revisions, the
    revisions' images and the images' media; the caller as parameters."""
    of_looks = looks_shots(
        array_parameter("look_ids", SHOTS.c.production_request_id),
        reached_by_parameters(ShootingAccess.owner_id, ShootingAccess.organization_id),
    )
    # Each set once (WITH), not once per part that reads it.
    board_shots = sa.select(SHOTS.c.id).where(*of_looks).cte("board_shots")
    shots = sa.select(board_shots.c.id)
    board_revisions = sa.select(REVISIONS.c.id).where(REVISIONS.c.shot_id.in_(shots)).cte("board_revisions")
    revisions = sa.select(board_revisions.c.id)
    image_media = sa.select(IMAGES.c.image_media_id).where(IMAGES.c.shot_revision_id.in_(revisions))
    sketch_media = sa.select(IMAGES.c.sketch_image_media_id).where(IMAGES.c.shot_revision_id.in_(revisions))
    return version_read(
        rows_version(SHOTS, *of_looks),
        rows_version(Generation.__table__, Generation.shot_id.in_(shots)),
        rows_version(REVISIONS, REVISIONS.c.shot_id.in_(shots)),
        rows_version(IMAGES, IMAGES.c.shot_revision_id.in_(revisions)),
        rows_version(MEDIA, MEDIA.c.id.in_(sa.union(image_media, sketch_media))),
        ctes=(board_shots, board_revisions),
    )


SHOTS_OF_LOOKS_VERSION = _shots_of_looks_version_read()


async def shots_of_looks_version(rows: RowReader, look_ids: Sequence[str], caller: Caller) -> str:
    return await read_version(rows, SHOTS_OF_LOOKS_VERSION, look_ids=list(look_ids), **caller_parameters(caller))


async def revision_view(session: AsyncSession, revision: Revision) -> RevisionView:
    views = (await revisions_of(session, [revision.shot_id])).get(revision.shot_id, [])
    return next(v for v in views if v.row.id == revision.id)


async def generation_with_predictions(
    session: AsyncSession, generation_ids: Sequence[uuid.UUID]
) -> list[tuple[Generation, list[Prediction]]]:
    generations = list(
        await session.scalars(
            sa.select(Generation).where(Generation.id.in_(generation_ids)).order_by(Generation.created_at)
        )
    )
    predictions: dict[uuid.UUID, list[Prediction]] = defaultdict(list)
    for prediction in await session.scalars(
        sa.select(Prediction).where(Prediction.generation_id.in_(generation_ids)).order_by(Prediction.position)
    ):
        predictions[prediction.generation_id].append(prediction)
    return [(g, predictions[g.id]) for g in generations]
