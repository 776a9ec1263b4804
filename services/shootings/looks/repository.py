"""SQL of looks and of their status roll-ups. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import compiled_once
from services.shootings.models import Guidelines, Look, LookShot, Production, Shooting
from services.shootings.shared.rollups import ordering_sql_array


async def live_production(
    session: AsyncSession, shooting_id: uuid.UUID, production_id: uuid.UUID | None
) -> tuple[Production, Guidelines | None] | None:
    """The shooting's live production ``production_id``, or its live MAIN when none is named,
    with the guidelines snapshot it was baked with (one statement)."""
    query = (
        sa.select(Production, Guidelines)
        .outerjoin(Guidelines, Guidelines.id == Production.guidelines_id)
        .where(Production.shooting_id == shooting_id, Production.deleted_at.is_(None))
    )
    named = Production.id == production_id if production_id is not None else Production.kind == "MAIN"
    found = (await session.execute(query.where(named))).first()
    return None if found is None else (found[0], found[1])


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


_LOOKS = Look.__table__
_LOOK_SHOTS = LookShot.__table__
_SHOOTINGS = Shooting.__table__


def _recompute_looks_statement() -> sa.Update:
    lowest_shot = (
        sa.select(_LOOK_SHOTS.c.status)
        .where(_LOOK_SHOTS.c.look_id == _LOOKS.c.id, _LOOK_SHOTS.c.deleted.is_(False))
        .order_by(_rank(_LOOK_SHOTS.c.status))
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.update(_LOOKS)
        .where(_LOOKS.c.id == sa.any_(sa.bindparam("look_ids", type_=ARRAY(_LOOKS.c.id.type))))
        .values(
            shot_status=lowest_shot,
            status=sa.case((_LOOKS.c.readiness == "DRAFT", "DRAFT"), else_=sa.func.coalesce(lowest_shot, "READY")),
        )
    )


def _lowest_statuses(looks: sa.FromClause, shooting_id: sa.ColumnElement[Any]) -> dict[str, Any]:
    """A shooting's roll-up from the rows of its looks in ``looks``: the lowest computed status of
    its live looks and the lowest shot status among them (each null when there is none)."""
    live = sa.and_(looks.c.shooting_id == shooting_id, looks.c.deleted_at.is_(None))
    ranked = sa.select(looks.c.status).where(live).order_by(_rank(looks.c.status)).limit(1)
    lowest_shot = (
        sa.select(looks.c.shot_status)
        .where(live, looks.c.shot_status.is_not(None))
        .order_by(_rank(looks.c.shot_status))
        .limit(1)
    )
    return {"status": ranked.scalar_subquery(), "shot_status": lowest_shot.scalar_subquery()}


def _recompute_shooting_statement() -> sa.Update:
    return (
        sa.update(_SHOOTINGS)
        .where(_SHOOTINGS.c.id == sa.bindparam("shooting_id"))
        .values(**_lowest_statuses(_LOOKS, _SHOOTINGS.c.id))
    )


_ROLLUP_COLUMNS = ("id", "shooting_id", "status", "shot_status", "deleted_at")


def _recompute_look_and_shooting_statement() -> sa.Update:
    """One look's roll-up and then its shooting's, in one statement (one round trip instead of two,
    on the consumers' path). Every part of a statement sees the same snapshot, so the shooting's
    part reads the recomputed look from what the look's update returned, the others from the table."""
    changed = _recompute_looks_statement().returning(*(_LOOKS.c[name] for name in _ROLLUP_COLUMNS)).cte("changed_look")
    others = sa.select(*(_LOOKS.c[name] for name in _ROLLUP_COLUMNS)).where(_LOOKS.c.id.not_in(sa.select(changed.c.id)))
    looks_now = sa.union_all(others, sa.select(*(changed.c[name] for name in _ROLLUP_COLUMNS))).subquery("looks_now")
    return (
        sa.update(_SHOOTINGS)
        .where(_SHOOTINGS.c.id == sa.bindparam("shooting_id"))
        .values(**_lowest_statuses(looks_now, _SHOOTINGS.c.id))
        .add_cte(changed)
    )


def _shot_state_statement() -> Any:
    """Record a shot's state unless a newer one is known, its shooting and then its look locked
    first, the order every request that changes looks takes (the shooting, then its looks, then
    their shots' rows). A look-first roll-up deadlocked with a shooting's deletion: the deletion held
    the shooting and waited for the look, the roll-up held the look and waited for the shooting to
    recompute it. The locks are a subquery of the row's values, so they are taken before the row is
    written, in the same round trip; the shooting's is FOR NO KEY UPDATE, what the recompute's own
    update of the shooting takes (foreign-key checks still pass it)."""
    # Given explicitly (not bound by column), so the locks can read the same parameters.
    look_id = sa.bindparam("look_id", type_=_LOOK_SHOTS.c.look_id.type)
    shooting_id = sa.bindparam("shooting_id", type_=_LOOK_SHOTS.c.shooting_id.type)
    locked_shooting = sa.select(_SHOOTINGS.c.id).where(_SHOOTINGS.c.id == shooting_id).with_for_update(key_share=True)
    # The shooting's lock is a condition of its own (PostgreSQL's one-time filter, checked before the
    # look is looked for), so it is taken also when the look is not there yet: a look whose creation
    # is still running, whose shots the shots service created and announced meanwhile (D14.25).
    # Inside the look's condition it was only evaluated for a look found: the event then wrote the
    # shot's row first and waited for the shooting in its recompute, while the creation, holding the
    # shooting, waited to write the same row: a deadlock.
    locked_look = (
        sa.select(_LOOKS.c.id)
        .where(
            locked_shooting.scalar_subquery().is_not(None),
            _LOOKS.c.id == look_id,
            _LOOKS.c.shooting_id == shooting_id,
        )
        .with_for_update()
    )
    upsert = insert(_LOOK_SHOTS).values(
        look_id=sa.func.coalesce(locked_look.scalar_subquery(), look_id), shooting_id=shooting_id
    )
    return upsert.on_conflict_do_update(
        index_elements=[_LOOK_SHOTS.c.shot_id],
        set_={k: upsert.excluded[k] for k in ("status", "current_revision_id", "version", "deleted")},
        where=_LOOK_SHOTS.c.version < upsert.excluded.version,
    ).returning(_LOOK_SHOTS.c.look_id)


# The roll-ups run for every shot event a consumer folds: built once as Core statements (building an
# ORM statement, its cache key and the ORM's bulk-DML bookkeeping cost more than running it).
_RECOMPUTE_LOOKS = _recompute_looks_statement()
_RECOMPUTE_SHOOTING = _recompute_shooting_statement()
# As text: SQLAlchemy's cache key of an UPDATE misses the literals of a CTE added to it, so a cached
# execution would run without their values.
_RECOMPUTE_LOOK_AND_SHOOTING = compiled_once(_recompute_look_and_shooting_statement())
_SHOT_STATE = compiled_once(
    _shot_state_statement(),
    *(column.key for column in _LOOK_SHOTS.c if column.key not in ("look_id", "shooting_id")),
)


async def _flush_pending(session: AsyncSession) -> None:
    """Core statements do not flush the ORM's pending changes (a look changed in the same
    transaction) by themselves; the consumers' sessions have none, so they skip the round of the
    greenlet bridge that a flush costs even when there is nothing to write."""
    if session.new or session.dirty or session.deleted:
        await session.flush()


async def recompute_looks(session: AsyncSession, look_ids: Sequence[uuid.UUID]) -> None:
    """A look's shot_status is its lowest live shot status; its status is DRAFT while it is a draft,
    else that shot status, else READY (D0.2). One statement for any number of looks."""
    if not look_ids:
        return
    await _flush_pending(session)
    await session.execute(_RECOMPUTE_LOOKS, {"look_ids": list(look_ids)})


async def recompute_shooting(session: AsyncSession, shooting_id: uuid.UUID) -> None:
    """A shooting's status is the lowest computed status of its live looks, its shot_status the
    lowest shot status among them (null when there are none)."""
    await _flush_pending(session)
    await session.execute(_RECOMPUTE_SHOOTING, {"shooting_id": shooting_id})


async def recompute_look_and_shooting(session: AsyncSession, look_id: uuid.UUID, shooting_id: uuid.UUID) -> None:
    """recompute_looks for one look, then recompute_shooting for its shooting, in one statement."""
    await _flush_pending(session)
    await session.execute(_RECOMPUTE_LOOK_AND_SHOOTING, {"look_ids": [look_id], "shooting_id": shooting_id})


async def apply_shot_state(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Record a shot's state unless a newer one is known (its look locked first); returns its look
    when something changed."""
    await _flush_pending(session)
    return await session.scalar(_SHOT_STATE, values)


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
