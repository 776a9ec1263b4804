"""SQL of looks and of their status roll-ups. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.shootings.models import Look, LookShot, Production, Shooting
from services.shootings.shared.rollups import ordering_sql_array


async def live_production(session: AsyncSession, shooting_id: uuid.UUID, production_id: uuid.UUID) -> Production | None:
    return await session.scalar(
        sa.select(Production).where(
            Production.id == production_id, Production.shooting_id == shooting_id, Production.deleted_at.is_(None)
        )
    )


async def live_main(session: AsyncSession, shooting_id: uuid.UUID) -> Production | None:
    return await session.scalar(
        sa.select(Production).where(
            Production.shooting_id == shooting_id, Production.kind == "MAIN", Production.deleted_at.is_(None)
        )
    )


async def insert_looks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[sa.Row[Any]]:
    """Insert the looks; the rows as stored (defaults included), in the order given, from the same
    statement (no second read of what was just written)."""
    if not rows:
        return []
    looks = Look.__table__
    inserted = await session.execute(sa.insert(looks).returning(*looks.c, sort_by_parameter_order=True), list(rows))
    return list(inserted.all())


async def insert_look_shots(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(LookShot), list(rows))


def _rank(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """Position in the roll-up order (1 = least progressed), for ORDER BY."""
    return sa.func.array_position(sa.literal(ordering_sql_array(), sa.ARRAY(sa.Text)), column)


async def recompute_looks(session: AsyncSession, look_ids: Sequence[uuid.UUID]) -> None:
    """A look's shot_status is its lowest live shot status; its status is DRAFT while it is a draft,
    else that shot status, else READY (D0.2). One statement for any number of looks."""
    if not look_ids:
        return
    lowest_shot = (
        sa.select(LookShot.status)
        .where(LookShot.look_id == Look.id, LookShot.deleted.is_(False))
        .order_by(_rank(LookShot.status))
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(Look)
        .where(Look.id.in_(look_ids))
        .values(shot_status=lowest_shot)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        sa.update(Look)
        .where(Look.id.in_(look_ids))
        .values(
            status=sa.case(
                (Look.readiness == "DRAFT", "DRAFT"),
                else_=sa.func.coalesce(Look.shot_status, "READY"),
            )
        )
        .execution_options(synchronize_session=False)
    )


async def recompute_shooting(session: AsyncSession, shooting_id: uuid.UUID) -> None:
    """A shooting's status is the lowest computed status of its live looks, its shot_status the
    lowest shot status among them (null when there are none)."""
    live = sa.and_(Look.shooting_id == Shooting.id, Look.deleted_at.is_(None))
    lowest_status = sa.select(Look.status).where(live).order_by(_rank(Look.status)).limit(1).scalar_subquery()
    lowest_shot = (
        sa.select(Look.shot_status)
        .where(live, Look.shot_status.is_not(None))
        .order_by(_rank(Look.shot_status))
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(Shooting)
        .where(Shooting.id == shooting_id)
        .values(status=lowest_status, shot_status=lowest_shot)
        .execution_options(synchronize_session=False)
    )


async def apply_shot_state(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Record a shot's state unless a newer one is known; returns its look when something changed."""
    statement = insert(LookShot).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[LookShot.shot_id],
        set_={k: statement.excluded[k] for k in ("status", "current_revision_id", "version", "deleted")},
        where=LookShot.version < statement.excluded.version,
    ).returning(LookShot.look_id)
    return await session.scalar(statement)


# -- changing looks: update, soft delete and restore (E13, E14, E16) and the cascades (R44-R46, R61) --

# A deleted shot has no later state (shots are deleted for real and ids never come back), so its
# row in the read model takes a version no event can beat: a late status event never revives it.
DELETED_SHOT_VERSION = 2**62


async def get_look(
    session: AsyncSession, shooting_id: uuid.UUID, look_id: uuid.UUID, *, include_deleted: bool = False
) -> Look | None:
    """The look of that shooting, locked for the rest of the transaction (a look of another
    shooting is as unknown as a missing one)."""
    query = sa.select(Look).where(Look.id == look_id, Look.shooting_id == shooting_id)
    if not include_deleted:
        query = query.where(Look.deleted_at.is_(None))
    return (await session.execute(query.with_for_update())).scalar_one_or_none()


async def forget_shots(session: AsyncSession, shots: Sequence[dict[str, Any]]) -> None:
    """Mark shots deleted in the read model (their rows may not have arrived by event yet)."""
    for values in shots:
        await apply_shot_state(session, {**values, "version": DELETED_SHOT_VERSION, "deleted": True})


async def _cascade(
    session: AsyncSession, shooting_id: uuid.UUID, where: list[sa.ColumnElement[bool]], values: dict[str, Any]
) -> list[Look]:
    """Change the matching looks in one statement, recompute the shooting's roll-ups over its live
    looks, and return the looks changed (their events are the caller's)."""
    rows = await session.scalars(
        sa.update(Look)
        .where(Look.shooting_id == shooting_id, *where)
        .values(**values)
        .returning(Look)
        .execution_options(synchronize_session=False)
    )
    changed = list(rows)
    await recompute_shooting(session, shooting_id)
    return changed


async def soft_delete_looks(
    session: AsyncSession, shooting_id: uuid.UUID, at: datetime, *, production_id: uuid.UUID | None = None
) -> list[Look]:
    """Stamp the live looks of a shooting, or of one of its productions, with the instant of the
    deletion that takes them, so a restore can tell them from looks deleted earlier on their own
    (R44, R46, R61)."""
    where = [Look.deleted_at.is_(None)]
    if production_id is not None:
        where.append(Look.production_id == production_id)
    return await _cascade(session, shooting_id, where, {"deleted_at": at, "updated_at": at})


async def restore_looks(
    session: AsyncSession, shooting_id: uuid.UUID, shooting_deleted_at: datetime, at: datetime
) -> list[Look]:
    """R45-R46: revive the looks the shooting's deletion took with it."""
    where = [Look.deleted_at >= shooting_deleted_at]
    return await _cascade(session, shooting_id, where, {"deleted_at": None, "updated_at": at})
