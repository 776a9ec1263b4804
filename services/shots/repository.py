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


async def remember_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, owner_id: uuid.UUID, organization_id: uuid.UUID | None
) -> None:
    """Record a shooting's owner when the caller tells us before its event arrives (events keep it current)."""
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


async def insert_shots(session: AsyncSession, rows: Sequence[dict[str, object]]) -> set[uuid.UUID]:
    """Insert the shots that do not exist yet; returns the ids actually inserted (retries are harmless)."""
    if not rows:
        return set()
    inserted = await session.scalars(
        insert(Shot).values(list(rows)).on_conflict_do_nothing(index_elements=[Shot.id]).returning(Shot.id)
    )
    return set(inserted)


async def shots_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Shot]:
    return list(await session.scalars(sa.select(Shot).where(Shot.id.in_(ids)).order_by(Shot.created_at, Shot.id)))


async def shots_of_looks(session: AsyncSession, look_ids: Sequence[uuid.UUID]) -> list[sa.Row[Any]]:
    """The looks' shots as Core rows (a board page reads hundreds: no ORM instances for them)."""
    shots = Shot.__table__
    query = sa.select(shots).where(any_of(shots.c.production_request_id, look_ids))
    return list((await session.execute(query.order_by(shots.c.created_at, shots.c.id))).all())


async def delete_shots(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Shot]:
    """Delete for real (shots have no soft delete); returns the rows removed. Their revisions go
    with them (cascade), so the media of their images are detached first (R143)."""
    await detach_media_of_shots(session, ids)
    rows = await session.scalars(sa.delete(Shot).where(Shot.id.in_(ids)).returning(Shot))
    return list(rows)
