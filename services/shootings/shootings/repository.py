"""Reads and writes of shootings, their types and their phase history. Callers own the transaction."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from platformkit.access_conditions import listing_scope
from platformkit.direct_reads import DirectRead, RecordRow, RowReader
from services.shootings.models import (
    Guidelines,
    Shooting,
    ShootingPhaseChange,
    ShootingType,
)
from services.shootings.shared.statuses import StatusFilter

# One statement for the shooting, its type and its template; one more for the template's rules.
_WITH_TEMPLATE = sa.select(Shooting).options(
    joinedload(Shooting.default_guidelines).selectinload(Guidelines.shot_type_rules)
)


def _shooting_query(*, include_deleted: bool, for_update: bool) -> sa.Select[tuple[Shooting]]:
    query = _WITH_TEMPLATE.where(Shooting.id == sa.bindparam("shooting_id"))
    if not include_deleted:
        query = query.where(Shooting.deleted_at.is_(None))
    return query.with_for_update(of=Shooting) if for_update else query


# Built once: statements are immutable, and building one (its loader options and cache key) cost
# more of a header read's CPU than running it.
_SHOOTING_QUERIES = {
    (include_deleted, for_update): _shooting_query(include_deleted=include_deleted, for_update=for_update)
    for include_deleted in (False, True)
    for for_update in (False, True)
}


# The header's read (R37): the shooting's own columns as one row, which is checked and converted,
# never changed (no ORM instance, identity map or loader), read on asyncpg directly (the header is
# the platform's most frequent request; platformkit.direct_reads); its template loads on its own, rarely.
_SHOOTINGS = Shooting.__table__
_LIVE_SHOOTING_ROW = DirectRead.of(
    sa.select(_SHOOTINGS).where(_SHOOTINGS.c.id == sa.bindparam("shooting_id"), _SHOOTINGS.c.deleted_at.is_(None))
)
# One statement for the template and its rule groups (joined): the header stays at three.
_GUIDELINES_WITH_RULES = (
    sa.select(Guidelines)
    .where(Guidelines.id == sa.bindparam("guidelines_id"))
    .options(joinedload(Guidelines.shot_type_rules))
)


async def live_shooting_row(rows: RowReader, shooting_id: uuid.UUID) -> RecordRow | None:
    return await rows.first(_LIVE_SHOOTING_ROW, shooting_id=shooting_id)


async def guidelines_with_rules(session: AsyncSession, guidelines_id: uuid.UUID | None) -> Guidelines | None:
    """A shooting's template (whatever its state, as the shooting names it) with its rule groups."""
    if guidelines_id is None:
        return None
    found = await session.execute(_GUIDELINES_WITH_RULES, {"guidelines_id": guidelines_id})
    return found.unique().scalar_one_or_none()


async def get_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, *, include_deleted: bool = False
) -> Shooting | None:
    query = _SHOOTING_QUERIES[include_deleted, False]
    return (await session.execute(query, {"shooting_id": shooting_id})).scalar_one_or_none()


async def lock_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, *, include_deleted: bool = False
) -> Shooting | None:
    """The shooting, locked for the rest of the transaction (serialises concurrent changes)."""
    query = _SHOOTING_QUERIES[include_deleted, True]
    return (await session.execute(query, {"shooting_id": shooting_id})).scalar_one_or_none()


async def list_shootings(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    status_filter: StatusFilter,
    skip: int,
    limit: int,
) -> tuple[list[Shooting], int]:
    """R5: an organization's shootings, or the caller's personal ones (no organization)."""
    conditions: list[sa.ColumnElement[bool]] = [Shooting.deleted_at.is_(None)]
    conditions.append(listing_scope(Shooting.owner_id, Shooting.organization_id, owner_id, organization_id))
    if status_filter.active:
        alternatives: list[sa.ColumnElement[bool]] = []
        if status_filter.statuses:
            alternatives.append(Shooting.status.in_(sorted(status_filter.statuses)))
        if status_filter.without_status:
            # No live looks, or looks without any shot: no shot status to roll up.
            alternatives.append(Shooting.shot_status.is_(None))
        conditions.append(sa.or_(*alternatives))
    total = await session.scalar(sa.select(sa.func.count()).select_from(Shooting).where(*conditions))
    rows = await session.scalars(
        _WITH_TEMPLATE.where(*conditions)
        .order_by(Shooting.created_at.desc(), Shooting.id.desc())
        .offset(skip)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def default_shooting_type(session: AsyncSession) -> ShootingType:
    return (await session.execute(sa.select(ShootingType).where(ShootingType.is_default))).scalar_one()


async def get_shooting_type(session: AsyncSession, shooting_type_id: uuid.UUID | None) -> ShootingType | None:
    return await session.get(ShootingType, shooting_type_id) if shooting_type_id else None


def add_phase_change(session: AsyncSession, shooting: Shooting, from_phase: str | None, changed_by: uuid.UUID) -> None:
    session.add(
        ShootingPhaseChange(
            id=uuid.uuid4(),
            shooting_id=shooting.id,
            from_phase=from_phase,
            to_phase=shooting.phase,
            changed_by=changed_by,
        )
    )
