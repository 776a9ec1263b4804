"""Look rows as shootings/v1 Look messages and as the snapshot look events carry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platformkit.protoconv import timestamp
from protos.events.v1 import looks_pb2 as look_events
from protos.shootings.v1 import looks_pb2 as pb
from services.shootings.models import Look, Shooting

_OPTIONAL_IDS = (
    "subject_id",
    "product_id",
    "style_id",
    "resolution_preset_id",
    "background_preset_id",
    "set_design_id",
    "export_configuration_id",
    "generative_workflow_template_id",
    "assignee_id",
    "outfit_id",
)


def look_to_pb(row: Look) -> pb.Look:
    message = pb.Look(
        id=str(row.id),
        shooting_id=str(row.shooting_id),
        production_id=str(row.production_id),
        readiness=row.readiness,
        pose_preset_ids=[str(i) for i in row.pose_preset_ids],
        shot_type_ids=[str(i) for i in row.shot_type_ids],
        instructions=row.instructions,
        status=row.status,
        shot_status=row.shot_status,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
        deleted_at=timestamp(row.deleted_at),
    )
    for name in _OPTIONAL_IDS:
        if (value := getattr(row, name)) is not None:
            setattr(message, name, str(value))
    for name in ("width", "height", "use_subject_mannequin_double"):
        if (value := getattr(row, name)) is not None:
            setattr(message, name, value)
    return message


def look_snapshot(shooting: Shooting, look: Look | Mapping[str, Any]) -> look_events.LookSnapshot:
    """The look as its events carry it, from a row or from the values a creation stages."""

    def get(name: str) -> Any:
        return look.get(name) if isinstance(look, Mapping) else getattr(look, name)

    optional = {name: str(get(name)) for name in ("subject_id", "product_id") if get(name) is not None}
    return look_events.LookSnapshot(
        id=str(get("id")),
        shooting_id=str(shooting.id),
        production_id=str(get("production_id")),
        readiness=get("readiness"),
        shot_type_ids=[str(s) for s in get("shot_type_ids")],
        owner_id=str(shooting.owner_id),
        organization_id=str(shooting.organization_id) if shooting.organization_id else None,
        updated_at=timestamp(get("updated_at")),
        deleted_at=timestamp(get("deleted_at")),
        **optional,
    )
