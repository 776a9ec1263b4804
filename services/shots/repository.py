"""Reads and writes of the shots database. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import any_of
from services.shots.media import detach_media_of_shots
from services.shots.models import ShootingAccess, Shot

SHOTS = Shot.__table__


async def remember_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, owner_id: uuid.UUID, organization_id: uuid.UUID | None
) -> None:
    """Record a shooting's owner, as its owner service answered before the shooting's event
    arrived (the events then keep it current: they carry newer snapshots)."""
    await session.execute(
        insert(ShootingAccess)
        .values(
            shooting_id=shooting_id,
            owner_id=owner_id,
            organization_id=organization_id,
            source_updated_at=sa.func.to_timestamp(0),
        )
        .on_conflict_do_nothing(index_elements=[ShootingAccess.shooting_id])
    )


async def insert_shots(
    session: AsyncSession, rows: Sequence[dict[str, object]]
) -> tuple[list[sa.Row[Any]], set[uuid.UUID]]:
    """Insert the shots that do not exist yet (retries are harmless): every shot of ``rows`` as
    stored, oldest first, and the ids this call inserted. The new rows come back from the insert
    itself; only shots an earlier call created are read again."""
    if not rows:
        return [], set()
    new = (
        await session.execute(
            insert(SHOTS).values(list(rows)).on_conflict_do_nothing(index_elements=[SHOTS.c.id]).returning(SHOTS)
        )
    ).all()
    inserted = {row.id for row in new}
    earlier = [row["id"] for row in rows if row["id"] not in inserted]
    if earlier:
        new += (await session.execute(sa.select(SHOTS).where(any_of(SHOTS.c.id, earlier)))).all()
    return sorted(new, key=lambda row: (row.created_at, row.id)), inserted


def _reachable(entitled: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Shots of the shootings that match ``entitled`` (a condition on ShootingAccess)."""
    return Shot.shooting_id.in_(sa.select(ShootingAccess.shooting_id).where(entitled))


async def shots_of_looks(
    session: AsyncSession, look_ids: Sequence[uuid.UUID], entitled: sa.ColumnElement[bool]
) -> list[sa.Row[Any]]:
    """The looks' shots whose shooting matches ``entitled`` (the others stay unseen), as Core rows
    (a board page reads hundreds: no ORM instances for them)."""
    query = sa.select(SHOTS).where(*looks_shots(look_ids, entitled))
    return list((await session.execute(query.order_by(SHOTS.c.created_at, SHOTS.c.id))).all())


def looks_shots(
    look_ids: Sequence[uuid.UUID] | sa.BindParameter[Any], entitled: sa.ColumnElement[bool]
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of :func:`shots_of_looks` (and of the version of what it reads)."""
    return [any_of(SHOTS.c.production_request_id, look_ids), _reachable(entitled)]


async def delete_shots(session: AsyncSession, ids: Sequence[uuid.UUID], entitled: sa.ColumnElement[bool]) -> list[Shot]:
    """Delete for real (shots have no soft delete) those whose shooting matches ``entitled``;
    returns the rows removed. Their revisions go with them (cascade), so the media of their images
    are detached first (R143)."""
    reachable = list(await session.scalars(sa.select(Shot.id).where(Shot.id.in_(ids), _reachable(entitled))))
    await detach_media_of_shots(session, reachable)
    rows = await session.scalars(sa.delete(Shot).where(Shot.id.in_(reachable)).returning(Shot))
    return list(rows)
