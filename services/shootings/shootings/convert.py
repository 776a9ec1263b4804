"""Translations between shooting rows (phase and type included) and the shootings/v1 shooting messages
and event snapshots."""

from __future__ import annotations

from typing import Any

from platformkit.direct_reads import RecordRow
from platformkit.protoconv import enum_name, enum_number, text, timestamp
from protos.events.v1 import shootings_pb2 as events_pb2
from protos.shootings.v1 import shootings_pb2 as pb
from services.shootings.catalog.convert import CatalogIndex
from services.shootings.guidelines.convert import guidelines_to_pb
from services.shootings.models import Guidelines, Shooting, ShootingType
from services.shootings.shootings.phases import Phase


def phase_to_pb(phase: str | None) -> int:
    return enum_number(pb.ShootingPhase, phase) if phase else pb.SHOOTING_PHASE_UNSPECIFIED


def phase_from_pb(value: int) -> Phase | None:
    name = enum_name(pb.ShootingPhase, value)
    return None if name is None else Phase(name)


def shooting_type_to_pb(row: ShootingType | None) -> pb.ShootingType | None:
    if row is None:
        return None
    return pb.ShootingType(
        id=str(row.id), key=row.key, label=row.label, description=row.description, archived=row.archived
    )


_SHARED_FIELDS = ("name", "description", "season", "collection", "brand")


def _common_fields(
    row: Shooting | RecordRow, guidelines: Guidelines | None, index: CatalogIndex | None
) -> dict[str, Any]:
    """What the full shooting and its header both say (``row``: the model, or the header's row of
    the same columns)."""
    return {
        "id": str(row.id),
        "organization_id": text(row.organization_id),
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "due_date": timestamp(row.due_date),
        "owner_id": str(row.owner_id),
        "shooting_type_id": text(row.shooting_type_id),
        "default_guidelines_id": text(row.default_guidelines_id),
        "default_guidelines": guidelines_to_pb(guidelines, index) if guidelines else None,
        **{f: getattr(row, f) for f in _SHARED_FIELDS},
    }


def shooting_to_pb(row: Shooting, index: CatalogIndex | None = None) -> pb.Shooting:
    return pb.Shooting(
        **_common_fields(row, row.default_guidelines, index),
        archived=row.archived,
        phase=phase_to_pb(row.phase),
        require_test_shooting=row.require_test_shooting,
        shooting_type=shooting_type_to_pb(row.shooting_type),
        deleted_at=timestamp(row.deleted_at),
        shot_status=row.shot_status,
        status=row.status,
    )


def header_to_pb(row: RecordRow, guidelines: Guidelines | None, index: CatalogIndex | None = None) -> pb.ShootingHeader:
    return pb.ShootingHeader(**_common_fields(row, guidelines, index))


def snapshot_event(row: Shooting) -> events_pb2.ShootingSnapshot:
    return events_pb2.ShootingSnapshot(
        id=str(row.id),
        name=row.name,
        owner_id=str(row.owner_id),
        organization_id=text(row.organization_id),
        phase=row.phase,
        archived=row.archived,
        deleted_at=timestamp(row.deleted_at),
        updated_at=timestamp(row.updated_at),
    )
