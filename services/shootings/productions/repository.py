"""Reads and writes of productions, look statuses and shooting types. Callers own the transaction.

Creating a production bakes its guidelines snapshot (:func:`add_production`), the same way for a
production of its own, the MAIN of a shooting's creation and the R42 re-bake.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.shootings.guidelines.repository import snapshot_guidelines
from services.shootings.looks import repository as looks_repo
from services.shootings.models import (
    Guidelines,
    Look,
    Production,
    Shooting,
    ShootingType,
    StatusKey,
    shooting_type_statuses,
)
from services.shootings.productions.rules import ProductionKind
from services.shootings.shootings import repository as repo


async def live_kinds(session: AsyncSession, shooting_id: uuid.UUID) -> set[ProductionKind]:
    """The kinds among the shooting's live productions: all the MAIN guards need to know."""
    kinds = await session.scalars(
        sa.select(Production.kind)
        .distinct()
        .where(Production.shooting_id == shooting_id, Production.deleted_at.is_(None))
    )
    return {ProductionKind(k) for k in kinds}


def create_production(session: AsyncSession, shooting: Shooting, kind: ProductionKind, at: datetime) -> Production:
    """Stage a production with its guidelines snapshot (R53; none without a default template).

    The timestamps are set here rather than by the column defaults so the reply can be built
    from the object without reading the row back.
    """
    production = add_production(session, shooting, kind.value, shooting.default_guidelines)
    production.created_at = production.updated_at = at
    return production


async def list_productions(
    session: AsyncSession, shooting_id: uuid.UUID, *, include_deleted: bool, kind: ProductionKind | None
) -> list[Production]:
    """R59, A19: every matching row, oldest first (no paging)."""
    query = sa.select(Production).where(Production.shooting_id == shooting_id)
    if not include_deleted:
        query = query.where(Production.deleted_at.is_(None))
    if kind is not None:
        query = query.where(Production.kind == kind.value)
    return list(await session.scalars(query.order_by(Production.created_at, Production.id)))


async def get_production(
    session: AsyncSession, shooting_id: uuid.UUID, production_id: uuid.UUID, *, for_update: bool = False
) -> Production | None:
    """A live production of that shooting (one of another shooting is as unknown as a missing one)."""
    query = sa.select(Production).where(
        Production.id == production_id, Production.shooting_id == shooting_id, Production.deleted_at.is_(None)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def soft_delete_production(session: AsyncSession, production: Production, at: datetime) -> list[Look]:
    """R61: stamp the production and its live looks with the same instant, so they can be told
    from looks deleted on their own (the rule shooting delete/restore follows, R44-R46); the
    shooting's roll-ups then leave those looks out. Returns the looks it took."""
    production.deleted_at = production.updated_at = at
    return await looks_repo.soft_delete_looks(session, production.shooting_id, at, production_id=production.id)


async def statuses_of_type(session: AsyncSession, shooting_type_id: uuid.UUID) -> list[StatusKey]:
    """R130-R131: the type's statuses from the junction table, worst to best."""
    rows = await session.scalars(
        sa.select(StatusKey)
        .join(shooting_type_statuses, shooting_type_statuses.c.status_id == StatusKey.id)
        .where(shooting_type_statuses.c.shooting_type_id == shooting_type_id)
        .order_by(StatusKey.sorting, StatusKey.key)
    )
    return list(rows)


async def type_id_of(session: AsyncSession, shooting: Shooting) -> uuid.UUID:
    """Every shooting has a type: rows written before types existed fall back to the default one."""
    if shooting.shooting_type_id is not None:
        return shooting.shooting_type_id
    return (await repo.default_shooting_type(session)).id


async def list_shooting_types(session: AsyncSession, *, skip: int, limit: int) -> tuple[list[ShootingType], int]:
    """Every shooting type (archived ones too, flagged) with its statuses, by key."""
    total = await session.scalar(sa.select(sa.func.count()).select_from(ShootingType))
    rows = await session.scalars(
        sa.select(ShootingType)
        .options(selectinload(ShootingType.statuses))
        .order_by(ShootingType.key, ShootingType.id)
        .offset(skip)
        .limit(limit)
    )
    return list(rows), int(total or 0)


def add_production(session: AsyncSession, shooting: Shooting, kind: str, template: Guidelines | None) -> Production:
    production = Production(
        id=uuid.uuid4(),
        shooting_id=shooting.id,
        kind=kind,
        guidelines_id=snapshot_guidelines(session, template).id if template else None,
    )
    session.add(production)
    return production


async def live_productions(session: AsyncSession, shooting_id: uuid.UUID) -> list[Production]:
    rows = await session.scalars(
        sa.select(Production).where(Production.shooting_id == shooting_id, Production.deleted_at.is_(None))
    )
    return list(rows)


async def rebake_snapshots(session: AsyncSession, shooting_id: uuid.UUID, template: Guidelines | None) -> int:
    """R42: live productions take a fresh snapshot of the shooting's (new) default guidelines."""
    productions = await live_productions(session, shooting_id)
    for production in productions:
        production.guidelines_id = snapshot_guidelines(session, template).id if template else None
    return len(productions)


async def soft_delete_productions(session: AsyncSession, shooting_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        sa.update(Production)
        .where(Production.shooting_id == shooting_id, Production.deleted_at.is_(None))
        .values(deleted_at=at, updated_at=at)
    )


async def restore_productions(session: AsyncSession, shooting_id: uuid.UUID, shooting_deleted_at: datetime) -> None:
    """Revive the productions the shooting's deletion took with it (R45-R46)."""
    await session.execute(
        sa.update(Production)
        .where(Production.shooting_id == shooting_id, Production.deleted_at >= shooting_deleted_at)
        .values(deleted_at=None, updated_at=sa.func.now())
    )
