"""SQL of a shooting's main and sample product sets. Callers own the transaction.

A set's products are read with the catalog's entry query (:func:`catalog.repository.entries_query`),
so a page of a set is one statement like any other page of entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.shootings.catalog.repository import LoadedEntry, entries_query, loaded_entries
from services.shootings.models import CatalogEntry, shooting_main_products, shooting_sample_products

PRODUCT_SETS: dict[str, sa.Table] = {"main": shooting_main_products, "sample": shooting_sample_products}


async def list_set_products(
    session: AsyncSession, product_set: str, shooting_id: uuid.UUID, *, skip: int = 0, limit: int | None = None
) -> tuple[list[LoadedEntry], int]:
    """A page of the set's live products (oldest addition first) and their total."""
    table = PRODUCT_SETS[product_set]
    joined = sa.and_(table.c.product_id == CatalogEntry.id, table.c.shooting_id == shooting_id)
    conditions = (CatalogEntry.deleted_at.is_(None),)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(table).join(CatalogEntry, joined).where(*conditions)
    )
    query = (
        entries_query()
        .join(table, joined)
        .where(*conditions)
        .order_by(table.c.added_at, sa.func.lower(CatalogEntry.name), CatalogEntry.id)
        .offset(skip)
        .limit(limit)
    )
    return loaded_entries((await session.execute(query)).all()), int(total or 0)


async def add_to_set(
    session: AsyncSession, product_set: str, shooting_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> None:
    """R126, A57: ids already in the set (or repeated) are ignored; their addition time stays.
    New ones are stamped a microsecond apart, so the set lists in the order they were named."""
    if product_ids:
        table = PRODUCT_SETS[product_set]
        now = datetime.now(UTC)
        rows = [
            {"shooting_id": shooting_id, "product_id": p, "added_at": now + timedelta(microseconds=i)}
            for i, p in enumerate(dict.fromkeys(product_ids))
        ]
        await session.execute(insert(table).values(rows).on_conflict_do_nothing())


async def remove_from_set(
    session: AsyncSession,
    product_set: str,
    shooting_id: uuid.UUID,
    product_ids: Sequence[uuid.UUID],
    *,
    keep: bool = False,
) -> None:
    """R127: remove ``product_ids`` (absent ones are a no-op); ``keep`` removes all the others."""
    table = PRODUCT_SETS[product_set]
    named = table.c.product_id.in_(set(product_ids))
    await session.execute(sa.delete(table).where(table.c.shooting_id == shooting_id, ~named if keep else named))
