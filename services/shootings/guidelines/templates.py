"""Guidelines templates as the shootings service uses them: created inline with a shooting or
through /guidelines/, chosen by id, patched, and expanded with their catalog entries.

Pure rules live in :mod:`services.shootings.guidelines.rules`; this module adds the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.access import may_reach
from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from platformkit.protoconv import parse_uuid
from protos.shootings.v1 import shootings_pb2 as pb
from services.shootings.catalog import references
from services.shootings.catalog import repository as catalog_repository
from services.shootings.catalog.convert import CatalogIndex, entry_to_pb
from services.shootings.guidelines import repository as repo
from services.shootings.guidelines import rules as guidelines
from services.shootings.guidelines.convert import guidelines_draft
from services.shootings.guidelines.rules import GuidelinesDraft
from services.shootings.models import Guidelines
from services.shootings.shared import access
from services.shootings.shared.access import Caller


async def create(
    session: AsyncSession,
    who: Caller,
    message: pb.GuidelinesInput,
    loc: FieldPath,
    default_organization_id: uuid.UUID | None,
) -> Guidelines:
    """Validate a ShootingGuidelinesCreate and stage the template with its rule groups (R21, R27-R28)."""
    draft = guidelines_draft(message, loc)
    _settle_owner_and_scope(who, draft, loc, default_organization_id)
    await _ensure_references(session, who, draft, loc)
    return repo.add_guidelines(session, draft)


def _settle_owner_and_scope(
    who: Caller, draft: GuidelinesDraft, loc: FieldPath, default_organization_id: uuid.UUID | None
) -> None:
    if draft.owner_id is not None and not may_reach(who, owner_id=draft.owner_id):
        raise Invalid.at((*loc, "owner_id"), "owner_id must be the caller")
    draft.owner_id = draft.owner_id or who.user_id
    access.ensure_usable_organization(who, draft.organization_id, (*loc, "organization_id"))
    draft.organization_id = draft.organization_id or default_organization_id


async def _ensure_references(session: AsyncSession, who: Caller, draft: GuidelinesDraft, loc: FieldPath) -> None:
    missing = await references.find_missing(session, draft.referenced_ids(), who, draft.organization_id)
    guidelines.ensure_valid(draft, missing, loc)


async def usable(
    session: AsyncSession, who: Caller, raw_id: str, loc: FieldPath, scope_organization_id: uuid.UUID | None
) -> Guidelines:
    """A live template an object in the scope may use (R27: never another organization's)."""
    template = await repo.get_template(session, parse_uuid(raw_id, loc))
    if template is None or not access.usable_in_scope(who, template, scope_organization_id):
        raise Invalid.at(loc, "Unknown guidelines template, or not one usable here")
    return template


async def apply_patch(
    session: AsyncSession, who: Caller, template: Guidelines, patch: pb.GuidelinesInput, paths: list[str]
) -> list[str]:
    """Apply the masked fields of a patch to a template; returns the fields that changed."""
    loc = ("patch",)
    unknown = sorted(set(paths) - guidelines.PATCHABLE_FIELDS)
    if unknown:
        raise Invalid.at((*loc, unknown[0]), "Field cannot be updated", "extra_forbidden")
    merged = repo.draft_of(template)
    requested = guidelines_draft(patch, loc)
    for path in paths:
        guidelines.copy_field(requested, merged, path)
    if "organization_id" in paths:
        access.ensure_usable_organization(who, merged.organization_id, (*loc, "organization_id"))
    problems = guidelines.draft_violations(merged, loc)
    if problems:
        raise Invalid(problems)
    await _ensure_references(session, who, merged, loc)
    return repo.update_guidelines(session, template, merged, paths)


async def expand(session: AsyncSession, rows: Iterable[Guidelines | None]) -> CatalogIndex:
    """The live catalog entries every given template names, in one query (lists and headers stay
    at a constant number of statements whatever they hold)."""
    ids: set[uuid.UUID] = set()
    for row in rows:
        if row is None:
            continue
        ids.update(row.subject_ids, row.shot_type_ids, row.pose_preset_ids)
        ids.update(i for r in row.shot_type_rules for i in r.shot_type_ids)
        if row.set_design_id:
            ids.add(row.set_design_id)
    return {
        i: entry_to_pb(loaded)
        for i, loaded in (await catalog_repository.entries_by_id(session, None, list(ids))).items()
    }
