"""SQL of guidelines templates and of the snapshots productions bake of them. Callers own the
transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from platformkit.access_conditions import listing_scope
from services.shootings.guidelines.rules import REFERENCE_FIELDS, GuidelinesDraft, RuleGroupDraft
from services.shootings.models import Guidelines, GuidelinesShotTypeRule, Production, Shooting


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
