"""SQL of the reference catalog and of the check that references name usable entries. Callers own
the transaction.

Every read of entries goes through :func:`entries_query`, which also computes, in the same
statement, the current names of the shot types a subject's base images name, so a page or a
batch of entries is always one query whatever it holds.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from platformkit.access_conditions import listing_scope
from platformkit.db import any_of
from platformkit.errors import Conflict
from services.shootings.catalog.filters import ProductFilter, escape_like
from services.shootings.models import CatalogEntry
from services.shootings.shared import access
from services.shootings.shared.access import Caller

SKU_INDEX = "uq_catalog_entries_product_sku"


@dataclass(frozen=True)
class LoadedEntry:
    """An entry and, for a subject, ``{shot_type_id: name}`` of the shot types its base images name."""

    entry: CatalogEntry | sa.Row[Any]  # a Core row when only read (read_entries)
    labels: dict[str, str]


@functools.cache
def _labels_column() -> sa.ColumnElement[Any]:
    """Built once: statements are immutable, and building the alias and subqueries showed in the
    profile of every call that loads entries (look creation, boards)."""
    shot_type = aliased(CatalogEntry)
    images = sa.func.jsonb_array_elements(CatalogEntry.data["base_images"]).table_valued(sa.column("value", JSONB))
    named = sa.select(sa.cast(images.c.value["shot_type_id"].astext, shot_type.id.type)).scalar_subquery()
    labels = (
        sa.select(sa.func.jsonb_object_agg(sa.cast(shot_type.id, sa.Text), shot_type.name))
        .where(shot_type.id.in_(named))
        .scalar_subquery()
    )
    is_subject = sa.and_(
        CatalogEntry.kind == "subject", sa.func.jsonb_typeof(CatalogEntry.data["base_images"]) == "array"
    )
    return sa.case((is_subject, labels), else_=None).label("labels")


def entries_query() -> sa.Select[tuple[CatalogEntry, Any]]:
    return sa.select(CatalogEntry, _labels_column())


def loaded_entries(rows: Sequence[sa.Row[tuple[CatalogEntry, Any]]]) -> list[LoadedEntry]:
    return [LoadedEntry(entry, labels or {}) for entry, labels in rows]


async def get_entry(
    session: AsyncSession, kind: str, entry_id: uuid.UUID, *, for_update: bool = False
) -> LoadedEntry | None:
    """A live entry of that kind (optionally locked for the rest of the transaction)."""
    query = entries_query().where(
        CatalogEntry.id == entry_id, CatalogEntry.kind == kind, CatalogEntry.deleted_at.is_(None)
    )
    if for_update:
        query = query.with_for_update(of=CatalogEntry)
    found = loaded_entries((await session.execute(query)).all())
    return found[0] if found else None


def _scope_conditions(
    kind: str, owner_id: uuid.UUID, organization_id: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    """R5 for the catalog: an organization's entries, or the caller's personal ones."""
    return [
        CatalogEntry.kind == kind,
        CatalogEntry.deleted_at.is_(None),
        listing_scope(CatalogEntry.owner_id, CatalogEntry.organization_id, owner_id, organization_id),
    ]


def _product_conditions(product_filter: ProductFilter) -> list[sa.ColumnElement[bool]]:
    data = CatalogEntry.data
    conditions: list[sa.ColumnElement[bool]] = [
        data[name].as_boolean() == value for name, value in product_filter.flags().items()
    ]
    conditions += [
        sa.func.lower(data[name].astext) == value.lower() for name, value in product_filter.exact_texts().items()
    ]
    if product_filter.gender is not None:
        conditions.append(data["gender"].astext == product_filter.gender)
    if product_filter.search:
        pattern = f"%{escape_like(product_filter.search)}%"
        conditions.append(
            sa.or_(
                *(column.ilike(pattern, escape="\\") for column in (CatalogEntry.name, *_texts("sku", "description")))
            )
        )
    statuses = product_filter.shot_statuses
    if statuses.active and not statuses.without_status:
        # No look roll-up feeds products yet, so every product is WITHOUT_STATUS for now.
        conditions.append(sa.false())
    return conditions


def _texts(*names: str) -> list[sa.ColumnElement[str]]:
    return [CatalogEntry.data[name].astext for name in names]


def _product_order(product_filter: ProductFilter) -> list[sa.ColumnElement[Any]]:
    keys: dict[str, sa.ColumnElement[Any]] = {
        "name": sa.func.lower(CatalogEntry.name),
        "sku": sa.func.lower(CatalogEntry.data["sku"].astext),
        "brand": sa.func.lower(CatalogEntry.data["brand"].astext),
        "created_at": CatalogEntry.created_at,
        "updated_at": CatalogEntry.updated_at,
    }
    direction = sa.desc if product_filter.descending else sa.asc
    return [direction(keys[product_filter.sort_by]).nulls_last(), direction(CatalogEntry.id)]


NEWEST_FIRST = (CatalogEntry.created_at.desc(), CatalogEntry.id.desc())


async def list_entries(
    session: AsyncSession,
    kind: str,
    *,
    owner_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    skip: int,
    limit: int,
    product_filter: ProductFilter | None = None,
) -> tuple[list[LoadedEntry], int]:
    """A page of the scope's live entries and the total count; products filtered and sorted."""
    conditions = _scope_conditions(kind, owner_id, organization_id)
    order: Sequence[sa.ColumnElement[Any]] = NEWEST_FIRST
    if product_filter is not None:
        conditions += _product_conditions(product_filter)
        order = _product_order(product_filter)
    total = await session.scalar(sa.select(sa.func.count()).select_from(CatalogEntry).where(*conditions))
    rows = await session.execute(entries_query().where(*conditions).order_by(*order).offset(skip).limit(limit))
    return loaded_entries(rows.all()), int(total or 0)


async def entries_by_id(
    session: AsyncSession, kind: str | None, ids: Sequence[uuid.UUID], *, include_deleted: bool = False
) -> dict[uuid.UUID, LoadedEntry]:
    """The entries among ``ids`` (of ``kind`` when given), by id, in one query (none for no id)."""
    if not ids:
        return {}
    query = entries_query().where(CatalogEntry.id.in_(set(ids)))
    if kind is not None:
        query = query.where(CatalogEntry.kind == kind)
    if not include_deleted:
        query = query.where(CatalogEntry.deleted_at.is_(None))
    return {loaded.entry.id: loaded for loaded in loaded_entries((await session.execute(query)).all())}


async def batch_get(
    session: AsyncSession, kind: str | None, ids: Sequence[uuid.UUID], *, include_deleted: bool = False
) -> list[LoadedEntry]:
    """The entries among ``ids`` (of ``kind`` when given), in one query, in the order of ``ids``."""
    found = await entries_by_id(session, kind, ids, include_deleted=include_deleted)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


async def read_entries(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[LoadedEntry]:
    """Live entries among ``ids``, in their order, as Core rows for answers that only read them
    (a board page names dozens: no ORM instances); one statement, none for no id."""
    if not ids:
        return []
    entries = CatalogEntry.__table__
    query = sa.select(entries, _labels_column()).where(any_of(entries.c.id, set(ids)), entries.c.deleted_at.is_(None))
    found = {row.id: LoadedEntry(row, row.labels or {}) for row in (await session.execute(query)).all()}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


async def shot_type_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[str, str]:
    """``{id: name}`` of shot types (deleted ones too: a stored base image keeps its label)."""
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(CatalogEntry.id, CatalogEntry.name).where(CatalogEntry.id.in_(ids), CatalogEntry.kind == "shot_type")
    )
    return {str(row_id): name for row_id, name in rows.all()}


async def save(session: AsyncSession, entry: CatalogEntry | None = None) -> None:
    """Flush pending writes; a product SKU already live in the same catalog is a 409."""
    if entry is not None:
        session.add(entry)
    try:
        await session.flush()
    except IntegrityError as exc:
        if SKU_INDEX in str(exc.orig):
            raise Conflict("A product with this SKU already exists in this catalog") from None
        raise


# Stylists are users: the gateway, which owns identity, checks them before the call.
GATEWAY_CHECKED_KINDS = frozenset({"stylist"})
# Kept by other contexts (export configurations: resolved by the exports service, catalog.references).
EXTERNAL_REFERENCE_KINDS = frozenset({"export_configuration"})


_OUTSIDE_THE_CATALOG = GATEWAY_CHECKED_KINDS | EXTERNAL_REFERENCE_KINDS


def reference_ids(wanted: Iterable[tuple[str, Iterable[uuid.UUID]]]) -> set[uuid.UUID]:
    """The ids among ``wanted`` (kind and ids pairs) that name catalog entries, which
    :func:`find_missing_references` reads: neither checked by the gateway nor kept elsewhere."""
    return {i for kind, ids in wanted if kind not in _OUTSIDE_THE_CATALOG for i in ids}


async def find_missing_references(
    session: AsyncSession,
    wanted: dict[str, set[uuid.UUID]],
    caller: Caller,
    scope_organization_id: uuid.UUID | None,
    *,
    known: Mapping[uuid.UUID, CatalogEntry] | None = None,
) -> dict[str, set[uuid.UUID]]:
    """The ids, by catalog kind, that name no live entry an object in the scope may reference
    (see :func:`services.shootings.shared.access.usable_in_scope`). One query for all kinds, for the
    ids not among ``known`` (entries the caller has read already): none when every one is."""
    missing = {kind: set(ids) for kind, ids in wanted.items() if ids and kind not in GATEWAY_CHECKED_KINDS}
    catalog_ids = reference_ids(missing.items())
    known = known or {}
    entries = [entry for i, entry in known.items() if i in catalog_ids and entry.deleted_at is None]
    unread = catalog_ids - known.keys()
    if unread:
        entries += await session.scalars(
            sa.select(CatalogEntry).where(CatalogEntry.id.in_(unread), CatalogEntry.deleted_at.is_(None))
        )
    for entry in entries:
        if entry.kind in missing and access.usable_in_scope(caller, entry, scope_organization_id):
            missing[entry.kind].discard(entry.id)
    return {kind: ids for kind, ids in missing.items() if ids}
