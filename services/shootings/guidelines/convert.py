"""Translations between guidelines rows, drafts and the shootings/v1 guidelines messages."""

from __future__ import annotations

import uuid

from platformkit.field_paths import FieldPath
from platformkit.protoconv import optional_uuid, parse_uuid, text, timestamp
from protos.shootings.v1 import catalog_pb2
from protos.shootings.v1 import shootings_pb2 as pb
from services.shootings.catalog.convert import CatalogIndex
from services.shootings.guidelines.rules import REFERENCE_FIELDS, GuidelinesDraft, RuleGroupDraft
from services.shootings.models import Guidelines


def guidelines_draft(message: pb.GuidelinesInput, loc: FieldPath) -> GuidelinesDraft:
    references: dict[str, list[uuid.UUID] | uuid.UUID | None] = {}
    for name, (_, is_list) in REFERENCE_FIELDS.items():
        if is_list:
            references[name] = [parse_uuid(v, (*loc, name, str(i))) for i, v in enumerate(getattr(message, name))]
        else:
            references[name] = optional_uuid(message, name, (*loc, name))
    return GuidelinesDraft(
        name=message.name,
        owner_id=optional_uuid(message, "owner_id", (*loc, "owner_id")),
        organization_id=optional_uuid(message, "organization_id", (*loc, "organization_id")),
        references=references,
        allow_back_shots_without_back_image=message.allow_back_shots_without_back_image,
        auto_start_look_generations=message.auto_start_look_generations,
        shot_type_rules=[
            RuleGroupDraft(
                rule_kind=g.rule_kind,
                rule_value=g.rule_value,
                shot_type_ids=[
                    parse_uuid(s, (*loc, "shot_type_rules", str(i), "shot_type_ids", str(j)))
                    for j, s in enumerate(g.shot_type_ids)
                ],
            )
            for i, g in enumerate(message.shot_type_rules)
        ],
    )


def _entries(ids: list[uuid.UUID], index: CatalogIndex) -> list[catalog_pb2.CatalogEntry]:
    """The live entries among ``ids``, in their order (deleted or unknown ones are left out)."""
    return [index[i] for i in ids if i in index]


def guidelines_to_pb(row: Guidelines, index: CatalogIndex | None = None) -> pb.Guidelines:
    """A template with its ids and, given the catalog index, the entries they name expanded."""
    index = index or {}
    message = pb.Guidelines(
        id=str(row.id),
        name=row.name,
        owner_id=text(row.owner_id),
        organization_id=text(row.organization_id),
        allow_back_shots_without_back_image=row.allow_back_shots_without_back_image,
        auto_start_look_generations=row.auto_start_look_generations,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
        deleted_at=timestamp(row.deleted_at),
        shot_type_rules=[
            pb.ShotTypeRuleGroup(
                rule_kind=r.rule_kind,
                rule_value=r.rule_value,
                shot_type_ids=[str(s) for s in r.shot_type_ids],
                shot_types=_entries(r.shot_type_ids, index),
            )
            for r in row.shot_type_rules
        ],
        subjects=_entries(row.subject_ids, index),
        shot_types=_entries(row.shot_type_ids, index),
        pose_presets=_entries(row.pose_preset_ids, index),
        set_design=index.get(row.set_design_id) if row.set_design_id else None,
    )
    for name, (_, is_list) in REFERENCE_FIELDS.items():
        value = getattr(row, name)
        if is_list:
            getattr(message, name).extend(str(v) for v in value)
        elif value is not None:
            setattr(message, name, str(value))
    return message
