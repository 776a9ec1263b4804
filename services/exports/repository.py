"""Reads and writes of the exports database. Callers own the transaction; every read is a
constant number of statements whatever it returns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access_conditions import (
    CALLER_USER_ID,
    caller_parameters,
    listing_scope,
    reached_by,
    reached_by_parameters,
)
from platformkit.db import any_of, array_parameter
from platformkit.direct_reads import DirectRead, RowReader
from platformkit.principal import Caller
from platformkit.row_versions import read_version, rows_version, version_read
from services.exports.domain.pushes import FAILED
from services.exports.models import ExportConfiguration, ExternalIntegration, ProductMapping, PushRecord

ScopedRow = TypeVar("ScopedRow", ExportConfiguration, ExternalIntegration)


async def live(
    session: AsyncSession, model: type[ScopedRow], row_id: uuid.UUID, *, lock: bool = False
) -> ScopedRow | None:
    query = sa.select(model).where(model.id == row_id, model.deleted_at.is_(None))
    return await session.scalar(query.with_for_update() if lock else query)


async def list_scoped(
    session: AsyncSession,
    model: type[ScopedRow],
    *,
    owner_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    skip: int,
    limit: int,
) -> tuple[list[ScopedRow], int]:
    """An organization's live rows, or the owner's personal ones; newest first."""
    conditions: list[sa.ColumnElement[bool]] = [model.deleted_at.is_(None)]
    conditions.append(listing_scope(model.owner_id, model.organization_id, owner_id, organization_id))
    total = await session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))
    rows = await session.scalars(
        sa.select(model).where(*conditions).order_by(model.created_at.desc(), model.id.desc()).offset(skip).limit(limit)
    )
    return list(rows), int(total or 0)


async def live_configurations(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ExportConfiguration]:
    if not ids:
        return []
    rows = await session.scalars(
        sa.select(ExportConfiguration).where(ExportConfiguration.id.in_(ids), ExportConfiguration.deleted_at.is_(None))
    )
    return list(rows)


async def mappings_of(session: AsyncSession, product_id: uuid.UUID) -> list[ProductMapping]:
    """The product's mappings to live integrations, oldest first."""
    rows = await session.scalars(
        sa.select(ProductMapping)
        .join(ExternalIntegration, ExternalIntegration.id == ProductMapping.integration_id)
        .where(ProductMapping.product_id == product_id, ExternalIntegration.deleted_at.is_(None))
        .order_by(ProductMapping.created_at, ProductMapping.id)
    )
    return list(rows)


async def mapping(session: AsyncSession, product_id: uuid.UUID, mapping_id: uuid.UUID) -> ProductMapping | None:
    return await session.scalar(
        sa.select(ProductMapping).where(ProductMapping.id == mapping_id, ProductMapping.product_id == product_id)
    )


async def add_mapping(session: AsyncSession, values: dict[str, object]) -> ProductMapping | None:
    """The new mapping, or None when the product already maps to that integration."""
    return await session.scalar(
        pg_insert(ProductMapping)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["product_id", "integration_id"])
        .returning(ProductMapping)
    )


async def insert_pushes(session: AsyncSession, rows: Sequence[dict[str, object]]) -> list[PushRecord]:
    """The pushes actually created: a (revision, integration) pair that already has a push that
    is not FAILED is left out (the partial unique index decides, so concurrent exports agree)."""
    if not rows:
        return []
    statement = (
        pg_insert(PushRecord)
        .values(list(rows))
        .on_conflict_do_nothing(
            # The predicate inline, never a bound parameter: PostgreSQL plans a prepared statement
            # with its parameters for five executions, then generically, and a generic plan cannot
            # match the partial index ("no unique or exclusion constraint matching the ON CONFLICT
            # specification" from the sixth export on one pooled connection on).
            index_elements=["revision_id", "integration_id"],
            index_where=PushRecord.status != sa.literal_column(f"'{FAILED}'"),
        )
        .returning(PushRecord)
    )
    return list(await session.scalars(statement))


def _readable_by(caller: Caller) -> sa.ColumnElement[bool]:
    """Push records ``caller`` may read: of the shootings they own or share an organization with;
    records that predate the kept owner, their creator's."""
    return _readable(
        reached_by(caller, PushRecord.shooting_owner_id, PushRecord.shooting_organization_id), caller.user_id
    )


def _readable(reached: sa.ColumnElement[bool], user_id: Any) -> sa.ColumnElement[bool]:
    return sa.or_(reached, sa.and_(PushRecord.shooting_owner_id.is_(None), PushRecord.created_by == user_id))


def _pushes_of_revisions_version_read() -> DirectRead:
    """The version (:mod:`platformkit.row_versions`) of the rows :func:`pushes_of_revisions` reads,
    the caller as parameters."""
    pushes = PushRecord.__table__
    reached = reached_by_parameters(PushRecord.shooting_owner_id, PushRecord.shooting_organization_id)
    readable = _readable(reached, CALLER_USER_ID)
    return version_read(
        rows_version(
            pushes, any_of(pushes.c.revision_id, array_parameter("revision_ids", pushes.c.revision_id)), readable
        )
    )


PUSHES_OF_REVISIONS_VERSION = _pushes_of_revisions_version_read()


async def pushes_of_revisions(
    session: AsyncSession, revision_ids: Sequence[uuid.UUID], caller: Caller
) -> list[sa.Row[Any]]:
    """The revisions' push records ``caller`` may read, as Core rows (a board page asks for
    hundreds of revisions)."""
    if not revision_ids:
        return []
    pushes = PushRecord.__table__
    query = sa.select(pushes).where(any_of(pushes.c.revision_id, revision_ids), _readable_by(caller))
    return list((await session.execute(query.order_by(pushes.c.created_at, pushes.c.id))).all())


async def pushes_of_revisions_version(rows: RowReader, revision_ids: Sequence[str], caller: Caller) -> str:
    return await read_version(
        rows, PUSHES_OF_REVISIONS_VERSION, revision_ids=list(revision_ids), **caller_parameters(caller)
    )


async def locked_push(session: AsyncSession, push_id: uuid.UUID) -> PushRecord | None:
    return await session.get(PushRecord, push_id, with_for_update=True)
