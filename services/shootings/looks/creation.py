"""Creating looks (E8 and the one-look overview endpoint): validate every reference, pair
products with subjects, take what the request leaves open from the production's guidelines
snapshot, and stage the looks, their shots' read model and their events.

The shots themselves are created by the caller in the shots service, before the transaction
commits (see :mod:`services.shootings.looks.handlers`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Conflict, Invalid
from platformkit.event_types import EventType
from platformkit.field_paths import FieldPath
from platformkit.outbox import NewEvent
from platformkit.protoconv import parse_uuid
from protos.events.v1 import looks_pb2 as look_events
from protos.shootings.v1 import looks_pb2 as pb
from protos.shots.v1 import shots_pb2
from services.shootings.catalog import references
from services.shootings.catalog import repository as catalog_repository
from services.shootings.catalog.filters import parse_product_filter
from services.shootings.looks import repository as looks_repo
from services.shootings.looks import rules as looks
from services.shootings.looks.convert import look_snapshot
from services.shootings.looks.rules import Inherited, Pairable
from services.shootings.models import CatalogEntry, Guidelines, Production, Shooting
from services.shootings.shared import access
from services.shootings.shared.access import Caller

_SETTINGS = ("style_id", "resolution_preset_id", "background_preset_id", "export_configuration_id")
# Reference kinds of the settings above (export configurations live in the exports context).
SETTING_KINDS = {
    "style_id": "style",
    "resolution_preset_id": "resolution_preset",
    "background_preset_id": "background_preset",
    "export_configuration_id": "export_configuration",
}


@dataclass
class Staged:
    """What a creation writes: look rows, shot rows for the read model, shots to create, events."""

    looks: list[dict[str, Any]] = field(default_factory=list)
    look_shots: list[dict[str, Any]] = field(default_factory=list)
    shots: list[shots_pb2.NewShot] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    entries: list[catalog_repository.LoadedEntry] = field(default_factory=list)  # what the answer shows


def _ids(values: Any, loc: FieldPath) -> list[uuid.UUID]:
    return [parse_uuid(v, (*loc, i)) for i, v in enumerate(values)]


def _optional_id(message: Any, name: str, loc: FieldPath) -> uuid.UUID | None:
    return parse_uuid(getattr(message, name), (*loc, name)) if message.HasField(name) else None


async def target_production(
    session: AsyncSession, shooting: Shooting, production_id: uuid.UUID | None
) -> tuple[Production, Inherited]:
    """R62, A17: the named production of this shooting, else its live MAIN (409 when there is
    none), and what its guidelines snapshot leaves to its looks."""
    found = await looks_repo.live_production(session, shooting.id, production_id)
    if found is None:
        if production_id is not None:
            raise Invalid.at(("production_id",), "Unknown production of this shooting")
        raise Conflict("The shooting has no MAIN production: create one, or name a TEST production_id")
    production, snapshot = found
    return production, inherited(snapshot)


def inherited(snapshot: Guidelines | None) -> Inherited:
    if snapshot is None:
        return Inherited()
    return Inherited(
        pose_preset_ids=list(snapshot.pose_preset_ids),
        set_design_id=snapshot.set_design_id,
        generative_workflow_template_id=snapshot.generative_workflow_template_id,
        resolution_preset_id=snapshot.resolution_preset_id,
        background_preset_id=snapshot.background_preset_id,
        export_configuration_id=snapshot.export_configuration_id,
    )


def _unusable(loc: FieldPath, kind: str, bad: list[str]) -> Invalid:
    return Invalid.at(loc, f"Unknown {kind.replace('_', ' ')} id(s), or not usable in this shooting: {', '.join(bad)}")


def usable_entries(
    who: Caller,
    shooting: Shooting,
    named: dict[uuid.UUID, catalog_repository.LoadedEntry],
    kind: str,
    ids: list[uuid.UUID],
    loc: FieldPath,
) -> list[catalog_repository.LoadedEntry]:
    """The entries of ``kind``, in order, from those the request names; 422 at ``loc`` for any
    that is unknown, of another kind, deleted or out of scope (R27)."""
    bad = [
        str(i)
        for i in ids
        if i not in named
        or named[i].entry.kind != kind
        or named[i].entry.deleted_at is not None
        or not access.usable_in_scope(who, named[i].entry, shooting.organization_id)
    ]
    if bad:
        raise _unusable(loc, kind, bad)
    return [named[i] for i in ids]


async def check_references(
    session: AsyncSession,
    who: Caller,
    shooting: Shooting,
    wanted: dict[FieldPath, tuple[str, list[uuid.UUID]]],
    known: dict[uuid.UUID, catalog_repository.LoadedEntry] | None = None,
) -> None:
    """One query for every other reference not among ``known`` (none when all are); 422 at the
    first field with an unusable id."""
    by_kind: dict[str, set[uuid.UUID]] = {}
    for kind, ids in wanted.values():
        by_kind.setdefault(kind, set()).update(ids)
    entries = {i: loaded.entry for i, loaded in (known or {}).items()}
    missing = await references.find_missing(session, by_kind, who, shooting.organization_id, known=entries)
    problems = [
        (loc, kind, [str(i) for i in ids if i in missing.get(kind, set())]) for loc, (kind, ids) in wanted.items()
    ]
    problems = [p for p in problems if p[2]]
    if problems:
        raise _unusable(*problems[0])


async def _products(
    session: AsyncSession, who: Caller, shooting: Shooting, request: pb.CreateLooksRequest
) -> tuple[list[uuid.UUID], dict[uuid.UUID, pb.ProductOutfitConfig]]:
    """The core products and their per-product configs (A50: configs > ids > filters)."""
    source = looks.product_source(
        bool(request.product_outfit_configs), bool(request.product_ids), request.has_product_filters
    )
    if source == "configs":
        configs = {
            parse_uuid(c.product_id, ("product_outfit_configs", i, "product_id")): c
            for i, c in enumerate(request.product_outfit_configs)
        }
        return list(configs), configs
    if source == "ids":
        return list(dict.fromkeys(_ids(request.product_ids, ("product_ids",)))), {}
    if source == "filters":
        product_filter = parse_product_filter(json_format.MessageToDict(request.product_filters), ("product_filters",))
        rows, _ = await catalog_repository.list_entries(
            session,
            "product",
            owner_id=shooting.owner_id,
            organization_id=shooting.organization_id,
            skip=product_filter.skip,
            limit=product_filter.limit,
            product_filter=product_filter,
        )
        return [r.entry.id for r in rows], {}
    return [], {}


def _settings(message: pb.LookSettings, loc: FieldPath) -> dict[str, Any]:
    values: dict[str, Any] = {name: _optional_id(message, name, loc) for name in _SETTINGS}
    values.update(
        width=message.width if message.HasField("width") else None,
        height=message.height if message.HasField("height") else None,
    )
    return values


def _merged(defaults: dict[str, Any], override: dict[str, Any], inherit: Inherited) -> dict[str, Any]:
    """R75: a product's config wins over the request's defaults, which win over the snapshot (A49)."""
    merged = {
        k: override.get(k) if override.get(k) is not None else defaults.get(k) for k in (*_SETTINGS, "width", "height")
    }
    for name in ("resolution_preset_id", "background_preset_id", "export_configuration_id"):
        if merged[name] is None:
            merged[name] = getattr(inherit, name)
    if merged["width"] is not None or merged["height"] is not None:
        merged["resolution_preset_id"] = None  # R97: a custom size excludes a preset
    return merged


async def stage_creation(
    session: AsyncSession, who: Caller, shooting: Shooting, request: pb.CreateLooksRequest
) -> Staged:
    production, inherit = await target_production(session, shooting, _optional_id(request, "production_id", ()))
    readiness = looks.ensure_readiness(request.readiness if request.HasField("readiness") else None, ("readiness",))
    template_id = (
        _optional_id(request, "generative_workflow_template_id", ()) or inherit.generative_workflow_template_id
    )
    mannequin = request.use_subject_mannequin_double if request.HasField("use_subject_mannequin_double") else None
    looks.ensure_mannequin_exclusive(mannequin, _optional_id(request, "generative_workflow_template_id", ()), ())

    product_ids, configs = await _products(session, who, shooting, request)
    subject_ids = list(dict.fromkeys(_ids(request.subject_ids, ("subject_ids",))))
    shot_type_ids = list(dict.fromkeys(_ids(request.shot_type_ids, ("shot_type_ids",))))
    pose_preset_ids = (
        _ids(request.pose_preset_ids, ("pose_preset_ids",)) if request.has_pose_preset_ids else inherit.pose_preset_ids
    )
    set_design_id = _optional_id(request, "set_design_id", ()) or inherit.set_design_id
    defaults = _settings(request.defaults, ("defaults",))
    per_product = {pid: _settings(c.settings, ("product_outfit_configs",)) for pid, c in configs.items()}

    wanted: dict[FieldPath, tuple[str, list[uuid.UUID]]] = {
        ("shot_type_ids",): ("shot_type", shot_type_ids),
        ("pose_preset_ids",): ("pose_preset", list(pose_preset_ids)),
        ("set_design_id",): ("set_design", [set_design_id] if set_design_id else []),
        ("generative_workflow_template_id",): (
            "generative_workflow_template",
            [template_id] if template_id else [],
        ),
    }
    outfit_products = [
        parse_uuid(p, ("product_outfit_configs", "outfit_product_ids"))
        for c in configs.values()
        for p in c.outfit.outfit_product_ids
    ]
    wanted[("product_outfit_configs", "outfit_product_ids")] = ("product", outfit_products)
    for name, kind in SETTING_KINDS.items():
        chosen = {v for v in [defaults[name], *(s[name] for s in per_product.values())] if v}
        wanted[("defaults", name)] = (kind, sorted(chosen))
    # Every catalog entry the request names, read in one statement: the looks' own entries
    # (checked here, shown in the answer) and the other references (checked against the same rows).
    entry_ids = list(
        dict.fromkeys([*product_ids, *subject_ids, *shot_type_ids, *pose_preset_ids, *filter(None, [set_design_id])])
    )
    read_ids = [*entry_ids, *catalog_repository.reference_ids(wanted.values())]
    named = await catalog_repository.entries_by_id(session, None, read_ids)
    products = usable_entries(who, shooting, named, "product", product_ids, ("product_ids",))
    subjects = usable_entries(who, shooting, named, "subject", subject_ids, ("subject_ids",))
    await check_references(session, who, shooting, wanted, named)

    pairs = looks.pairings(
        [Pairable(p.entry.id, gender_of(p.entry)) for p in products],
        [Pairable(s.entry.id, gender_of(s.entry)) for s in subjects],
        request.unisex_gender_preference if request.HasField("unisex_gender_preference") else None,
    )
    if len(pairs) * len(shot_type_ids) > looks.MAX_SHOTS_PER_REQUEST:
        raise Invalid.at(
            ("shot_type_ids",),
            f"The request would create {len(pairs) * len(shot_type_ids)} shots; at most {looks.MAX_SHOTS_PER_REQUEST}",
        )
    staged = Staged(entries=[named[i] for i in entry_ids if i in named])
    now = datetime.now(UTC)
    shot_status = "PENDING" if shot_type_ids else None
    for product_id, subject_id in pairs:
        look_id = uuid.uuid4()
        settings = _merged(defaults, per_product.get(product_id, {}), inherit)
        staged.looks.append(
            {
                "id": look_id,
                "shooting_id": shooting.id,
                "production_id": production.id,
                "subject_id": subject_id,
                "product_id": product_id,
                "set_design_id": set_design_id,
                "generative_workflow_template_id": template_id,
                "use_subject_mannequin_double": mannequin,
                "readiness": readiness,
                "pose_preset_ids": list(pose_preset_ids),
                "shot_type_ids": shot_type_ids,
                "instructions": request.default_instructions,
                "shot_status": shot_status,
                "status": "DRAFT" if readiness == "DRAFT" else (shot_status or "READY"),
                "created_at": now,
                "updated_at": now,
                **settings,
            }
        )
        for shot_type_id in shot_type_ids:
            shot, row = new_shot(shooting.id, look_id, shot_type_id)
            staged.shots.append(shot)
            staged.look_shots.append(row)
        config = configs.get(product_id)
        staged.events.append(_created_event(shooting, staged.looks[-1], request.generate_outfit, config))
    return staged


def gender_of(entry: CatalogEntry) -> str:
    """A product without a gender is UNISEX (the catalog's default); a subject without one, OTHER."""
    return str(entry.data.get("gender") or ("UNISEX" if entry.kind == "product" else "OTHER"))


def new_shot(
    shooting_id: uuid.UUID, look_id: uuid.UUID, shot_type_id: uuid.UUID
) -> tuple[shots_pb2.NewShot, dict[str, Any]]:
    """A shot to create in the shots service, and its row in the read model (PENDING, version 1,
    as the shots service creates it, so its shot.created event changes nothing here)."""
    shot_id = uuid.uuid4()
    shot = shots_pb2.NewShot(id=str(shot_id), look_id=str(look_id), shot_type_id=str(shot_type_id))
    row = {
        "shot_id": shot_id,
        "look_id": look_id,
        "shooting_id": shooting_id,
        "shot_type_id": shot_type_id,
        "status": "PENDING",
        "current_revision_id": None,
        "version": 1,
    }
    return shot, row


def _created_event(
    shooting: Shooting,
    look: dict[str, Any],
    generate_outfit: bool,
    config: pb.ProductOutfitConfig | None,
) -> NewEvent:
    payload = look_events.LookCreated(
        look=look_snapshot(shooting, look),
        generate_outfit=generate_outfit,
        has_outfit=bool(config and config.has_outfit),
    )
    if config is not None and config.has_outfit:
        outfit = config.outfit
        if outfit.HasField("outfit_instruction"):
            payload.outfit_instruction = outfit.outfit_instruction
        payload.outfit_product_ids.extend(outfit.outfit_product_ids)
        payload.outfit_ref_imgs_urls.CopyFrom(outfit.outfit_ref_imgs_urls)
    return NewEvent(EventType.LOOK_CREATED, str(shooting.id), payload)
