"""Changing a look: update (E13), soft delete (E14) and restore (E16).

An update is planned first (every value parsed and every reference checked, on the look as it
will be), then written. The shots it adds or removes live in the shots service: the caller
creates and deletes them around :func:`apply_update` (see
:meth:`services.shootings.looks.handlers.LooksServicer.UpdateLook` for the order and why).

A look's shots outlive its soft delete (shots have no soft delete): every read starts from live
looks, so no read reaches them, and a restore finds them again as they were.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Conflict
from platformkit.event_types import EventType
from platformkit.field_paths import FieldPath
from platformkit.protoconv import parse_uuid
from protos.shootings.v1 import looks_pb2 as pb
from protos.shots.v1 import shots_pb2
from services.shootings import events
from services.shootings.catalog import repository as catalog_repository
from services.shootings.catalog.convert import entry_to_pb
from services.shootings.looks import creation
from services.shootings.looks import repository as looks_repo
from services.shootings.looks import rules as looks
from services.shootings.looks import update_rules as look_updates
from services.shootings.looks.convert import look_to_pb
from services.shootings.models import CatalogEntry, Look, Production, Shooting
from services.shootings.shared.access import Caller
from services.shootings.shared.lifecycle import ensure_deleted

# Fields with presence in UpdateLookRequest: in the mask but unset means an explicit null.
_NULLABLE = tuple(sorted(looks.UPDATABLE_FIELDS - {"shot_type_ids", "auto_generate"}))
_ID_FIELDS = frozenset(_NULLABLE) - {"width", "height", "readiness", "use_subject_mannequin_double"}
# References checked in one query; subjects and products are checked with their genders.
_REFERENCE_KINDS = {**creation.SETTING_KINDS, "generative_workflow_template_id": "generative_workflow_template"}
# What cross-field rules read from the stored look.
_STORED = (*_NULLABLE, "shot_type_ids")


@dataclass
class LookUpdate:
    """What one E13 request changes: the columns with their new values, and the shot types whose
    shots must be created or deleted (A36)."""

    values: dict[str, Any]
    added_shot_types: list[uuid.UUID] = field(default_factory=list)
    removed_shot_types: list[uuid.UUID] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return sorted(self.values)


def _stored(look: Look) -> dict[str, Any]:
    return {name: getattr(look, name) for name in _STORED}


def requested_values(request: pb.UpdateLookRequest) -> dict[str, Any]:
    """The masked fields and their values (A13: PUT with PATCH semantics). ``auto_generate`` is a
    per-request instruction, not a column, so it is not among them."""
    paths = list(dict.fromkeys(request.update_mask.paths))
    look_updates.ensure_valid_paths(paths, [p for p in paths if p in _NULLABLE and not request.HasField(p)])
    values: dict[str, Any] = {}
    for path in paths:
        if path == "shot_type_ids":
            ids = [parse_uuid(v, (path, i)) for i, v in enumerate(request.shot_type_ids)]
            values[path] = list(dict.fromkeys(ids))
        elif path == "auto_generate":
            continue
        elif not request.HasField(path):
            values[path] = None  # R100: null mannequin = AUTO; null ids clear
        elif path in _ID_FIELDS:
            values[path] = parse_uuid(getattr(request, path), (path,))
        else:
            values[path] = getattr(request, path)
    if "readiness" in values:
        values["readiness"] = looks.ensure_readiness(values["readiness"], ("readiness",))  # R102
    return values


async def _ensure_pairing(
    session: AsyncSession, who: Caller, shooting: Shooting, look: Look, requested: dict[str, Any]
) -> None:
    """A new subject or product must be usable in the shooting (R27) and fit the other's gender (R64)."""
    kinds = {"product_id": "product", "subject_id": "subject"}
    changed = [name for name in kinds if requested.get(name) is not None]
    if not changed:
        return
    kept = {
        name: look_updates.effective(requested, {name: getattr(look, name)}, name)
        for name in kinds.keys() - set(changed)
    }
    # One read for the new entries and the one the look keeps; deleted ones included, since the
    # kept one may have been deleted from the catalog since (its gender stays): usable_entries
    # refuses a deleted new one.
    named = await catalog_repository.entries_by_id(
        session, None, [requested[n] for n in changed] + [i for i in kept.values() if i], include_deleted=True
    )
    entries: dict[str, CatalogEntry] = {}
    for name in changed:
        [loaded] = creation.usable_entries(who, shooting, named, kinds[name], [requested[name]], (name,))
        entries[name] = loaded.entry
    for name, kept_id in kept.items():
        found = named.get(kept_id) if kept_id else None
        if found is None or found.entry.kind != kinds[name]:
            return
        entries[name] = found.entry
    gender = creation.gender_of
    look_updates.ensure_pair_compatible(gender(entries["product_id"]), gender(entries["subject_id"]), changed)


async def plan_update(
    session: AsyncSession, who: Caller, shooting: Shooting, look: Look, request: pb.UpdateLookRequest
) -> LookUpdate:
    """Parse and check the request against the look as it will be; nothing is written here."""
    requested = requested_values(request)
    stored = _stored(look)
    look_updates.ensure_outfit_kept(requested, stored)
    look_updates.ensure_one_resolution_choice(requested)
    wanted: dict[FieldPath, tuple[str, list[uuid.UUID]]] = {
        (name,): (kind, [requested[name]]) for name, kind in _REFERENCE_KINDS.items() if requested.get(name)
    }
    if "shot_type_ids" in requested:
        wanted[("shot_type_ids",)] = ("shot_type", requested["shot_type_ids"])
    await creation.check_references(session, who, shooting, wanted)  # R98: cross-org template is 422
    await _ensure_pairing(session, who, shooting, look, requested)
    for cleared, value in looks.resolution_clearing(list(requested), requested).items():  # R97
        requested.setdefault(cleared, value)
    look_updates.ensure_mannequin_exclusive(requested, stored)  # R99
    update = LookUpdate(values=look_updates.changed_values(requested, stored))
    if "shot_type_ids" in update.values:
        update.added_shot_types, update.removed_shot_types = looks.shot_type_changes(
            look.shot_type_ids, update.values["shot_type_ids"]
        )
    return update


def shot_changes(
    shooting: Shooting, look: Look, update: LookUpdate, shots: list[shots_pb2.Shot]
) -> tuple[list[tuple[shots_pb2.NewShot, dict[str, Any]]], list[shots_pb2.Shot]]:
    """The shots to create (one per added shot type, with its read-model row) and the look's
    existing shots of removed shot types (A36)."""
    created = [creation.new_shot(shooting.id, look.id, t) for t in update.added_shot_types]
    removed_types = {str(t) for t in update.removed_shot_types}
    return created, [s for s in shots if s.shot_type_id in removed_types]


async def apply_update(
    session: AsyncSession,
    shooting: Shooting,
    look: Look,
    update: LookUpdate,
    *,
    created: list[dict[str, Any]],
    removed: list[shots_pb2.Shot],
    auto_generate: bool,
) -> None:
    """Write the new values and the shots' read model, recompute the roll-ups (readiness and shots
    move them), announce look.updated. An update that changes nothing writes nothing."""
    if not update.values:
        return
    for name, value in update.values.items():
        setattr(look, name, value)
    look.updated_at = datetime.now(UTC)
    await looks_repo.insert_look_shots(session, created)
    await looks_repo.forget_shots(session, [_read_model_row(shooting, s) for s in removed])
    await session.flush()
    await looks_repo.recompute_look_and_shooting(session, look.id, shooting.id)
    await session.refresh(look)
    await events.look_changed(
        session,
        EventType.LOOK_UPDATED,
        shooting,
        look,
        update.changed,
        auto_generate=auto_generate,
        created_shot_ids=[str(row["shot_id"]) for row in created],
    )


def _read_model_row(shooting: Shooting, shot: shots_pb2.Shot) -> dict[str, Any]:
    return {
        "shot_id": uuid.UUID(shot.id),
        "look_id": uuid.UUID(shot.look_id),
        "shooting_id": shooting.id,
        "shot_type_id": uuid.UUID(shot.shot_type_id),
        "status": shot.status,
        "current_revision_id": uuid.UUID(shot.current_revision_id) if shot.HasField("current_revision_id") else None,
    }


async def delete(session: AsyncSession, shooting: Shooting, look: Look) -> None:
    """R103: soft delete; the shooting's roll-ups leave the look out from now on."""
    look.deleted_at = look.updated_at = datetime.now(UTC)
    await session.flush()
    await looks_repo.recompute_shooting(session, shooting.id)
    await events.look_changed(session, EventType.LOOK_DELETED, shooting, look, ["deleted_at"])


async def restore(session: AsyncSession, shooting: Shooting, look: Look) -> None:
    """R104, A23: only this look comes back, and only into a live shooting and production (409)."""
    ensure_deleted(look.deleted_at, "Production request")
    if shooting.deleted_at is not None:
        raise Conflict("The shooting is deleted: restore the shooting first")
    production = await session.get(Production, look.production_id)
    if production is None or production.deleted_at is not None:
        raise Conflict("The look's production is deleted")
    look.deleted_at = None
    look.updated_at = datetime.now(UTC)
    await session.flush()
    await looks_repo.recompute_shooting(session, shooting.id)
    await events.look_changed(session, EventType.LOOK_RESTORED, shooting, look, ["deleted_at"])


async def page(
    session: AsyncSession, look: Look, shots: list[shots_pb2.Shot], created: list[shots_pb2.Shot]
) -> pb.LooksPage:
    """The look with what a full answer composes it from: the catalog entries it names (deleted
    ones too: the look still names them) and its shots, ``created`` (by this update) among them."""
    ids = [
        look.product_id,
        look.subject_id,
        look.set_design_id,
        *look.pose_preset_ids,
        *look.shot_type_ids,
        *(uuid.UUID(s.shot_type_id) for s in shots),
    ]
    entries = await catalog_repository.batch_get(session, None, [i for i in ids if i], include_deleted=True)
    return pb.LooksPage(
        looks=[look_to_pb(look)],
        count=1,
        entries=[entry_to_pb(e) for e in entries],
        shots=shots,
        created_shot_ids=[s.id for s in created],
    )
