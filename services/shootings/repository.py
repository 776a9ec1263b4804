"""Reads and writes of the shootings database. Callers own the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from platformkit.access_conditions import listing_scope
from services.shootings.domain.guidelines import REFERENCE_FIELDS, GuidelinesDraft, RuleGroupDraft
from services.shootings.models import (
    Guidelines,
    GuidelinesShotTypeRule,
    Production,
    Shooting,
    ShootingPhaseChange,
    ShootingType,
)
from services.shootings.shared.statuses import StatusFilter


def _live_shooting_query() -> sa.Select[tuple[Shooting]]:
    # One statement for the shooting, its type and its template; one more for the template's rules.
    return sa.select(Shooting).options(joinedload(Shooting.default_guidelines).selectinload(Guidelines.shot_type_rules))


async def get_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, *, include_deleted: bool = False
) -> Shooting | None:
    query = _live_shooting_query().where(Shooting.id == shooting_id)
    if not include_deleted:
        query = query.where(Shooting.deleted_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()


async def lock_shooting(
    session: AsyncSession, shooting_id: uuid.UUID, *, include_deleted: bool = False
) -> Shooting | None:
    """The shooting, locked for the rest of the transaction (serialises concurrent changes)."""
    query = _live_shooting_query().where(Shooting.id == shooting_id).with_for_update(of=Shooting)
    if not include_deleted:
        query = query.where(Shooting.deleted_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()


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
        _live_shooting_query()
        .where(*conditions)
        .order_by(Shooting.created_at.desc(), Shooting.id.desc())
        .offset(skip)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def default_shooting_type(session: AsyncSession) -> ShootingType:
    return (await session.execute(sa.select(ShootingType).where(ShootingType.is_default))).scalar_one()


async def get_shooting_type(session: AsyncSession, shooting_type_id: uuid.UUID | None) -> ShootingType | None:
    return await session.get(ShootingType, shooting_type_id) if shooting_type_id else None


async def get_template(session: AsyncSession, guidelines_id: uuid.UUID) -> Guidelines | None:
    """A live guidelines template (snapshots are private to their production)."""
    query = (
        sa.select(Guidelines)
        .where(Guidelines.id == guidelines_id, Guidelines.deleted_at.is_(None), Guidelines.snapshot_of.is_(None))
        .options(selectinload(Guidelines.shot_type_rules))
    )
    return (await session.execute(query)).scalar_one_or_none()


def add_guidelines(session: AsyncSession, draft: GuidelinesDraft) -> Guidelines:
    """Stage a new template with its rule groups; they are written in the caller's transaction (R28)."""
    guidelines = Guidelines(
        id=uuid.uuid4(),
        name=draft.name,
        owner_id=draft.owner_id,
        organization_id=draft.organization_id,
        allow_back_shots_without_back_image=draft.allow_back_shots_without_back_image,
        auto_start_look_generations=draft.auto_start_look_generations,
        shot_type_rules=[
            GuidelinesShotTypeRule(
                id=uuid.uuid4(),
                position=i,
                rule_kind=g.rule_kind,
                rule_value=g.rule_value,
                shot_type_ids=g.shot_type_ids,
            )
            for i, g in enumerate(draft.shot_type_rules)
        ],
        **{name: _reference_value(draft, name) for name in REFERENCE_FIELDS},
    )
    session.add(guidelines)
    return guidelines


def draft_of(template: Guidelines) -> GuidelinesDraft:
    """The stored template as a draft, to merge a patch into and re-validate."""
    return GuidelinesDraft(
        name=template.name,
        owner_id=template.owner_id,
        organization_id=template.organization_id,
        references={name: getattr(template, name) for name in REFERENCE_FIELDS},
        allow_back_shots_without_back_image=template.allow_back_shots_without_back_image,
        auto_start_look_generations=template.auto_start_look_generations,
        shot_type_rules=[
            RuleGroupDraft(r.rule_kind, r.rule_value, list(r.shot_type_ids)) for r in template.shot_type_rules
        ],
    )


def update_guidelines(
    session: AsyncSession, template: Guidelines, draft: GuidelinesDraft, paths: list[str]
) -> list[str]:
    """Write the given fields of ``draft`` onto ``template``; returns those whose value changed."""
    changed: list[str] = []
    for path in paths:
        if path == "shot_type_rules":
            before = [(r.rule_kind, r.rule_value, list(r.shot_type_ids)) for r in template.shot_type_rules]
            after = [(g.rule_kind, g.rule_value, list(g.shot_type_ids)) for g in draft.shot_type_rules]
            if before != after:
                template.shot_type_rules = _rule_rows(draft)
                changed.append(path)
            continue
        value = _reference_value(draft, path) if path in REFERENCE_FIELDS else getattr(draft, path)
        if getattr(template, path) != value:
            setattr(template, path, value)
            changed.append(path)
    if changed:
        template.updated_at = datetime.now(UTC)
    return changed


def _rule_rows(draft: GuidelinesDraft) -> list[GuidelinesShotTypeRule]:
    return [
        GuidelinesShotTypeRule(
            id=uuid.uuid4(), position=i, rule_kind=g.rule_kind, rule_value=g.rule_value, shot_type_ids=g.shot_type_ids
        )
        for i, g in enumerate(draft.shot_type_rules)
    ]


def _reference_value(draft: GuidelinesDraft, name: str) -> list[uuid.UUID] | uuid.UUID | None:
    value = draft.references.get(name)
    is_list = REFERENCE_FIELDS[name][1]
    return (list(value) if value else []) if is_list else value  # type: ignore[arg-type]


_COPIED_GUIDELINES_COLUMNS = (
    "name",
    "owner_id",
    "organization_id",
    *REFERENCE_FIELDS,
    "allow_back_shots_without_back_image",
    "auto_start_look_generations",
)


def snapshot_guidelines(session: AsyncSession, template: Guidelines) -> Guidelines:
    """Bake a copy of a template for one production (R53)."""
    snapshot = Guidelines(
        id=uuid.uuid4(),
        snapshot_of=template.id,
        shot_type_rules=[
            GuidelinesShotTypeRule(
                id=uuid.uuid4(),
                position=r.position,
                rule_kind=r.rule_kind,
                rule_value=r.rule_value,
                shot_type_ids=list(r.shot_type_ids),
            )
            for r in template.shot_type_rules
        ],
        **{c: getattr(template, c) for c in _COPIED_GUIDELINES_COLUMNS},
    )
    session.add(snapshot)
    return snapshot


def add_production(session: AsyncSession, shooting: Shooting, kind: str, template: Guidelines | None) -> Production:
    production = Production(
        id=uuid.uuid4(),
        shooting_id=shooting.id,
        kind=kind,
        guidelines_id=snapshot_guidelines(session, template).id if template else None,
    )
    session.add(production)
    return production


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


async def list_templates(
    session: AsyncSession, *, owner_id: uuid.UUID, organization_id: uuid.UUID | None, skip: int, limit: int
) -> tuple[list[Guidelines], int]:
    """Live templates of an organization, or the caller's personal ones (snapshots never appear)."""
    conditions: list[sa.ColumnElement[bool]] = [Guidelines.deleted_at.is_(None), Guidelines.snapshot_of.is_(None)]
    conditions.append(listing_scope(Guidelines.owner_id, Guidelines.organization_id, owner_id, organization_id))
    total = await session.scalar(sa.select(sa.func.count()).select_from(Guidelines).where(*conditions))
    rows = await session.scalars(
        sa.select(Guidelines)
        .where(*conditions)
        .options(selectinload(Guidelines.shot_type_rules))
        .order_by(Guidelines.created_at.desc(), Guidelines.id.desc())
        .offset(skip)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def rebake_template_users(session: AsyncSession, template: Guidelines) -> int:
    """Re-bake the snapshots of every live production whose live shooting uses ``template``."""
    productions = list(
        await session.scalars(
            sa.select(Production)
            .join(Shooting, Shooting.id == Production.shooting_id)
            .where(
                Shooting.default_guidelines_id == template.id,
                Shooting.deleted_at.is_(None),
                Production.deleted_at.is_(None),
            )
        )
    )
    for production in productions:
        production.guidelines_id = snapshot_guidelines(session, template).id
    return len(productions)


def soft_delete(row: Guidelines) -> None:
    row.deleted_at = row.updated_at = datetime.now(UTC)
