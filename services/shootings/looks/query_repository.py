"""SQL of the look read models (E3, E9-E12, E17). Callers own the transaction.

Every read is a fixed number of statements whatever a page holds: statuses are roll-up columns
kept from shot events (:mod:`services.shootings.consumers`), so filters and counts are plain SQL,
and the catalog entries a page names are read in one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access_conditions import listing_scope
from platformkit.db import array_parameter
from platformkit.direct_reads import DirectRead, RowReader
from platformkit.row_versions import rows_version, versions
from services.shootings.catalog import repository as catalog_repository
from services.shootings.catalog.filters import escape_like
from services.shootings.catalog.repository import LoadedEntry
from services.shootings.looks.filters import LookFilter
from services.shootings.models import (
    CatalogEntry,
    Look,
    Shooting,
    ShootingType,
    StatusKey,
    shooting_type_statuses,
)

NEWEST_FIRST = (Look.created_at.desc(), Look.id.desc())
LOOKS = Look.__table__
LIVE_LOOK = Look.deleted_at.is_(None)


@dataclass(frozen=True)
class ShootingAccessRow:
    """What access checks and status-key validation need of a shooting (satisfies ``Owned``)."""

    id: uuid.UUID
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None
    status_keys: tuple[str, ...]


def _type_status_keys() -> sa.ScalarSelect[Any]:
    """The keys of the shooting's type (rows without a type use the default type), as an array."""
    type_id = sa.func.coalesce(
        Shooting.shooting_type_id, sa.select(ShootingType.id).where(ShootingType.is_default).scalar_subquery()
    )
    return (
        sa.select(sa.func.array_agg(StatusKey.key))
        .join(shooting_type_statuses, shooting_type_statuses.c.status_id == StatusKey.id)
        .where(shooting_type_statuses.c.shooting_type_id == type_id)
        .scalar_subquery()
    )


async def live_shooting(session: AsyncSession, shooting_id: uuid.UUID) -> ShootingAccessRow | None:
    """A live shooting's ownership and its type's status keys, in one statement."""
    row = (
        await session.execute(
            sa.select(Shooting.id, Shooting.owner_id, Shooting.organization_id, _type_status_keys()).where(
                Shooting.id == shooting_id, Shooting.deleted_at.is_(None)
            )
        )
    ).one_or_none()
    if row is None:
        return None
    return ShootingAccessRow(row[0], row[1], row[2], tuple(row[3] or ()))


def _product_conditions(look_filter: LookFilter) -> sa.ColumnElement[bool]:
    """R83-R85, A33: case-insensitive partial name/SKU matches (LIKE wildcards taken literally)
    and a case-insensitive product type, on the look's live product entry."""
    conditions: list[sa.ColumnElement[bool]] = [
        CatalogEntry.id == Look.product_id,
        CatalogEntry.deleted_at.is_(None),
    ]
    if look_filter.product_name is not None:
        conditions.append(CatalogEntry.name.ilike(f"%{escape_like(look_filter.product_name)}%", escape="\\"))
    if look_filter.product_sku is not None:
        pattern = f"%{escape_like(look_filter.product_sku)}%"
        conditions.append(CatalogEntry.data["sku"].astext.ilike(pattern, escape="\\"))
    if look_filter.product_type is not None:
        conditions.append(sa.func.lower(CatalogEntry.data["product_type"].astext) == look_filter.product_type.lower())
    return sa.exists(sa.select(CatalogEntry.id).where(*conditions))


def look_conditions(shooting_id: uuid.UUID, look_filter: LookFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of a shooting's live looks under ``look_filter`` (R79-R88, R95)."""
    pr = Look
    conditions: list[sa.ColumnElement[bool]] = [pr.shooting_id == shooting_id, LIVE_LOOK]
    statuses = look_filter.statuses
    if statuses.active:
        alternatives: list[sa.ColumnElement[bool]] = []
        if statuses.statuses:
            alternatives.append(pr.status.in_(sorted(statuses.statuses)))
        if statuses.without_status:
            alternatives.append(pr.shot_status.is_(None))  # no live shots (R80)
        conditions.append(sa.or_(*alternatives))
    if look_filter.status_keys:
        conditions.append(pr.shot_status.in_(sorted(look_filter.status_keys)))
    if look_filter.product_ids:
        conditions.append(pr.product_id.in_(look_filter.product_ids))
    if look_filter.filters_product_entry:
        conditions.append(_product_conditions(look_filter))
    if look_filter.filters_assignees:
        assigned = [pr.assignee_id.in_(look_filter.assignee_ids)] if look_filter.assignee_ids else []
        unassigned = [pr.assignee_id.is_(None)] if look_filter.include_unassigned else []
        conditions.append(sa.or_(*assigned, *unassigned))
    if look_filter.created_from is not None:
        conditions.append(pr.created_at >= look_filter.created_from)
    if look_filter.created_until is not None:
        conditions.append(pr.created_at <= look_filter.created_until)
    if look_filter.created_before is not None:
        conditions.append(pr.created_at < look_filter.created_before)
    return conditions


async def list_looks(
    session: AsyncSession, shooting_id: uuid.UUID, look_filter: LookFilter, *, skip: int, limit: int
) -> tuple[list[Any], int]:
    """A page of the matching looks (Core rows: a board reads up to a thousand, read-only), newest
    first, and their total before paging (R4)."""
    conditions = look_conditions(shooting_id, look_filter)
    total = await session.scalar(sa.select(sa.func.count()).select_from(Look).where(*conditions))
    if not total or limit == 0:
        return [], int(total or 0)
    page = sa.select(LOOKS).where(*conditions).order_by(*NEWEST_FIRST).offset(skip).limit(limit)
    return list((await session.execute(page)).all()), int(total)


async def look_with_shooting(session: AsyncSession, look_id: uuid.UUID) -> tuple[Look, Any] | None:
    """A live look of a live shooting, with the shooting's ownership, in one statement."""
    row = (
        await session.execute(
            sa.select(Look, Shooting.owner_id, Shooting.organization_id)
            .join(Shooting, Shooting.id == Look.shooting_id)
            .where(Look.id == look_id, LIVE_LOOK, Shooting.deleted_at.is_(None))
        )
    ).one_or_none()
    return (row[0], row) if row is not None else None


def named_entry_ids(looks: Iterable[Any], *, summary: bool) -> list[uuid.UUID]:
    """The catalog entries a page of looks shows, each once: products and shot types, and for the
    full shape also subjects, set designs and pose presets."""
    ids: dict[uuid.UUID, None] = {}
    for look in looks:
        named: list[uuid.UUID | None] = [look.product_id, *look.shot_type_ids]
        if not summary:
            named += [look.subject_id, look.set_design_id, *look.pose_preset_ids]
        ids.update(dict.fromkeys(i for i in named if i is not None))
    return list(ids)


async def named_entries(session: AsyncSession, looks: Sequence[Any], *, summary: bool) -> list[LoadedEntry]:
    """One statement for every entry the page names (none when the page is empty)."""
    return await catalog_repository.read_entries(session, named_entry_ids(looks, summary=summary))


def _named_by(looks: sa.Select[Any]) -> sa.CompoundSelect:
    """Every catalog entry id the selected looks name (what :func:`named_entry_ids` reads of them)."""
    columns = looks.subquery("board_looks").c
    return sa.union(
        sa.select(columns.product_id),
        sa.select(columns.subject_id),
        sa.select(columns.set_design_id),
        sa.select(sa.func.unnest(columns.shot_type_ids)),
        sa.select(sa.func.unnest(columns.pose_preset_ids)),
    )


def _entries_version(looks: sa.Select[Any], entry_ids: sa.BindParameter[Any]) -> sa.ScalarSelect[Any]:
    """The entries the selected looks name and those among ``entry_ids`` (live or not), and the
    shot types the subjects among them name in their base images: what their answers show (a
    subject's labels are those names). One ``IN`` over a union, so each part is an index look-up
    (an ``OR`` of them scanned the whole catalog)."""
    shown = CatalogEntry.__table__.alias("shown_entries")
    subjects = CatalogEntry.__table__.alias("subjects")
    # Once (WITH), not once per part that reads it.
    named_entries = sa.union(sa.select(sa.func.unnest(entry_ids).label("id")), _named_by(looks)).cte("named_entries")
    named = sa.select(named_entries.c.id)
    images = sa.func.jsonb_array_elements(subjects.c.data["base_images"], type_=JSONB)
    named_shot_types = sa.select(sa.cast(images["shot_type_id"].astext, shown.c.id.type)).where(
        subjects.c.id.in_(named),
        subjects.c.kind == "subject",
        sa.func.jsonb_typeof(subjects.c.data["base_images"]) == "array",
    )
    return rows_version(shown, shown.c.id.in_(sa.union(named, named_shot_types)))


def _board_version_statement() -> sa.Select[Any]:
    """A live shooting's ownership and its type's status keys (what :func:`live_shooting` reads),
    and the version (:mod:`platformkit.row_versions`) of every row a board of it and its named
    entries can show: the shooting and its type's status keys, all its live looks (whatever a
    filter keeps of them: pages and counts come from them; a look deleted or restored leaves or
    joins them), the entries they name and those among ``entry_ids``. Kept beside
    :func:`list_looks` and :func:`named_entries`: what they read, this covers."""
    shooting_id = sa.bindparam("shooting_id", type_=Shooting.id.type)
    every_look = sa.and_(LOOKS.c.shooting_id == shooting_id, LIVE_LOOK)
    version = versions(
        rows_version(Shooting.__table__, Shooting.id == shooting_id),
        rows_version(ShootingType.__table__),
        rows_version(StatusKey.__table__),
        rows_version(shooting_type_statuses),
        rows_version(LOOKS, every_look),
        _entries_version(sa.select(LOOKS).where(every_look), array_parameter("entry_ids", CatalogEntry.id)),
    )
    return sa.select(
        Shooting.id,
        Shooting.owner_id,
        Shooting.organization_id,
        _type_status_keys().label("status_keys"),
        version.label("version"),
    ).where(Shooting.id == shooting_id, Shooting.deleted_at.is_(None))


BOARD_VERSION = DirectRead.of(_board_version_statement())


async def board_version(
    rows: RowReader, shooting_id: uuid.UUID, entry_ids: Sequence[str]
) -> tuple[ShootingAccessRow, str] | None:
    """The live shooting (None when there is none) and its board's version, in one statement."""
    row = await rows.first(BOARD_VERSION, shooting_id=shooting_id, entry_ids=list(entry_ids))
    if row is None:
        return None
    return ShootingAccessRow(row.id, row.owner_id, row.organization_id, tuple(row.status_keys or ())), row.version


# E11: draft looks with at least one PENDING outfit proposal (R91), as `outfits.events` keep it.
GENERATING_COUNT: sa.ColumnElement[int] = sa.func.count().filter(Look.outfit_pending_proposals > 0)


async def draft_summary(session: AsyncSession, shooting_id: uuid.UUID) -> tuple[int, int]:
    """R91, A42: ``(live looks with readiness DRAFT, of those the ones generating an outfit)``."""
    row = (
        await session.execute(
            sa.select(sa.func.count(), GENERATING_COUNT).where(
                Look.shooting_id == shooting_id, LIVE_LOOK, Look.readiness == "DRAFT"
            )
        )
    ).one()
    return int(row[0]), int(row[1])


def summary_scope(
    *, owner_id: uuid.UUID, organization_id: uuid.UUID | None, shooting_id: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    """R6, R36: one shooting, else an organization's live shootings, else the caller's personal ones."""
    if shooting_id is not None:
        return [Shooting.id == shooting_id]
    return [listing_scope(Shooting.owner_id, Shooting.organization_id, owner_id, organization_id)]


@dataclass(frozen=True)
class ShootingSummaryCounts:
    total_products: int
    total_looks: int
    by_status: dict[str, int]


async def shooting_summary(session: AsyncSession, scope: list[sa.ColumnElement[bool]]) -> ShootingSummaryCounts:
    """R34, R35, A41 in one statement: per computed status, and (the empty grouping set) the totals
    of live looks and of the distinct core products they name, over the scope's live shootings."""
    status = Look.status
    rows = await session.execute(
        sa.select(
            sa.func.grouping(status),
            status,
            sa.func.count(),
            sa.func.count(sa.distinct(Look.product_id)),
        )
        .join(Shooting, Shooting.id == Look.shooting_id)
        .where(*scope, Shooting.deleted_at.is_(None), LIVE_LOOK)
        .group_by(sa.func.grouping_sets(sa.tuple_(status), sa.tuple_()))
    )
    by_status: dict[str, int] = {}
    totals = (0, 0)
    for is_total, key, looks, products in rows.all():
        if is_total:
            totals = (int(products), int(looks))
        else:
            by_status[key] = int(looks)
    return ShootingSummaryCounts(totals[0], totals[1], by_status)
