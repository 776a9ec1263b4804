"""Reads and writes of the outfits database. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access_conditions import listing_scope
from platformkit.db import any_of, array_parameter
from platformkit.direct_reads import DirectRead, RowReader
from platformkit.row_versions import read_version, rows_version, version_read
from services.outfits.domain.access import Caller
from services.outfits.domain.outfits import PENDING
from services.outfits.models import Look, Outfit


async def get_look(session: AsyncSession, look_id: uuid.UUID, *, for_update: bool = False) -> Look | None:
    statement = sa.select(Look).where(Look.id == look_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def looks_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[sa.Row[Any]]:
    """The looks' projections as Core rows (a board page reads them all, only to read them)."""
    looks = Look.__table__
    return list((await session.execute(sa.select(looks).where(any_of(looks.c.id, ids)))).all())


async def get_outfit(session: AsyncSession, outfit_id: uuid.UUID, *, for_update: bool = False) -> Outfit | None:
    statement = sa.select(Outfit).where(Outfit.id == outfit_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def outfits_of_looks(session: AsyncSession, look_ids: Sequence[uuid.UUID]) -> list[sa.Row[Any]]:
    """Every outfit of the looks in one statement, oldest first, as Core rows."""
    outfits = Outfit.__table__
    query = sa.select(outfits).where(any_of(outfits.c.look_id, look_ids)).order_by(outfits.c.created_at, outfits.c.id)
    return list((await session.execute(query)).all())


def _look_outfits_version_read() -> DirectRead:
    """The version (:mod:`platformkit.row_versions`) of the rows :func:`looks_by_ids` and
    :func:`outfits_of_looks` read for the ``look_ids`` parameter."""
    looks, outfits = Look.__table__, Outfit.__table__
    look_ids = array_parameter("look_ids", looks.c.id)
    return version_read(
        rows_version(looks, any_of(looks.c.id, look_ids)), rows_version(outfits, any_of(outfits.c.look_id, look_ids))
    )


LOOK_OUTFITS_VERSION = _look_outfits_version_read()


async def look_outfits_version(rows: RowReader, look_ids: Sequence[str]) -> str:
    return await read_version(rows, LOOK_OUTFITS_VERSION, look_ids=list(look_ids))


async def add_outfit(session: AsyncSession, look: Look, **values: Any) -> Outfit:
    outfit = Outfit(id=values.pop("id", None) or uuid.uuid4(), look_id=look.id, **values)
    session.add(outfit)
    await session.flush()
    await session.refresh(outfit)
    return outfit


async def delete_other_outfits(session: AsyncSession, look_id: uuid.UUID, keep: uuid.UUID) -> list[uuid.UUID]:
    """Delete every outfit of the look but ``keep`` (R108, R112); returns the ids removed."""
    removed = await session.scalars(
        sa.delete(Outfit).where(Outfit.look_id == look_id, Outfit.id != keep).returning(Outfit.id)
    )
    return list(removed)


async def proposal_counts(session: AsyncSession, look: Look) -> tuple[int, int]:
    """(proposals, proposals still PENDING) of the look: every outfit but THE outfit."""
    proposal = Outfit.id != look.outfit_id if look.outfit_id else sa.true()
    total, pending = (
        await session.execute(
            sa.select(
                sa.func.count().filter(proposal),
                sa.func.count().filter(proposal, Outfit.generation_status == PENDING),
            ).where(Outfit.look_id == look.id)
        )
    ).one()
    return int(total), int(pending)


async def upsert_look(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record a look snapshot unless a newer one is known (owner and organization follow the
    shooting's events once the look is known)."""
    statement = insert(Look).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Look.id],
            set_={k: statement.excluded[k] for k in values if k not in {"id", "owner_id", "organization_id"}},
            where=Look.source_updated_at <= statement.excluded.source_updated_at,
        )
    )


async def update_shooting_scope(
    session: AsyncSession,
    shooting_id: uuid.UUID,
    owner_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    deleted: bool,
) -> None:
    """A shooting's owner, organization and deletion apply to all of its looks."""
    await session.execute(
        sa.update(Look)
        .where(Look.shooting_id == shooting_id)
        .values(owner_id=owner_id, organization_id=organization_id, shooting_deleted=deleted)
    )


async def reusable_outfits(session: AsyncSession, look: Look) -> list[tuple[Look, Outfit]]:
    """R105: THE outfits of the shooting's other live looks that contain this look's core product."""
    if look.product_id is None:
        return []
    rows = await session.execute(
        sa.select(Look, Outfit)
        .join(Outfit, Outfit.id == Look.outfit_id)
        .where(
            Look.shooting_id == look.shooting_id,
            Look.id != look.id,
            Look.deleted.is_(False),
            Outfit.outfit_product_ids.contains([look.product_id]),
        )
        .order_by(Outfit.updated_at.desc(), Outfit.id)
    )
    return [(row.Look, row.Outfit) for row in rows]


def _in_scope(caller: Caller, organization_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """As the looks they belong to: an organization's, or the caller's personal ones (R5)."""
    live = sa.and_(Look.deleted.is_(False), Look.shooting_deleted.is_(False))
    return sa.and_(live, listing_scope(Look.owner_id, Look.organization_id, caller.user_id, organization_id))


async def list_outfits(
    session: AsyncSession,
    caller: Caller,
    *,
    organization_id: uuid.UUID | None,
    shooting_id: uuid.UUID | None,
    look_id: uuid.UUID | None,
    skip: int,
    limit: int,
) -> tuple[list[tuple[Look, Outfit]], int]:
    """A page of outfits and proposals in scope, newest first, with the total count."""
    conditions = [_in_scope(caller, organization_id)]
    if shooting_id is not None:
        conditions.append(Look.shooting_id == shooting_id)
    if look_id is not None:
        conditions.append(Look.id == look_id)
    base = sa.select(Look, Outfit).join(Look, Look.id == Outfit.look_id).where(*conditions)
    total = await session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = await session.execute(base.order_by(Outfit.created_at.desc(), Outfit.id).offset(skip).limit(limit))
    return [(row.Look, row.Outfit) for row in rows], int(total or 0)
