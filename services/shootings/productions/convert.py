"""Translations between production, status and shooting-type rows and their messages.

A shooting type's own fields are translated by :mod:`services.shootings.shootings.convert`, which this
module reuses; timestamps are converted by the kit (`platformkit.protoconv`).
"""

from __future__ import annotations

from platformkit.errors import Invalid
from platformkit.protoconv import enum_name, enum_number, timestamp
from protos.events.v1 import productions_pb2 as events_pb2
from protos.shootings.v1 import productions_pb2 as pb
from services.shootings.models import Production, ShootingType, StatusKey
from services.shootings.productions.rules import ProductionKind
from services.shootings.shootings.convert import shooting_type_to_pb


def kind_to_pb(kind: str) -> int:
    return enum_number(pb.ProductionKind, kind)


def kind_from_pb(value: int) -> ProductionKind | None:
    """None for UNSPECIFIED (no filter on lists; missing on create)."""
    name = enum_name(pb.ProductionKind, value)
    return None if name is None else ProductionKind(name)


def required_kind(value: int) -> ProductionKind:
    """R52: ``kind`` must be MAIN or TEST."""
    kind = kind_from_pb(value)
    if kind is None:
        raise Invalid.at(("kind",), "Input should be 'MAIN' or 'TEST'", "enum")
    return kind


def _production_fields(row: Production) -> dict[str, object]:
    """What the public message and the event snapshot share (they differ only in how kind is typed)."""
    return {
        "id": str(row.id),
        "shooting_id": str(row.shooting_id),
        "archived": row.archived,
        "guidelines_id": str(row.guidelines_id) if row.guidelines_id else None,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "deleted_at": timestamp(row.deleted_at),
    }


def production_to_pb(row: Production) -> pb.Production:
    return pb.Production(kind=kind_to_pb(row.kind), **_production_fields(row))  # type: ignore[arg-type]


def production_snapshot(row: Production) -> events_pb2.ProductionSnapshot:
    return events_pb2.ProductionSnapshot(kind=row.kind, **_production_fields(row))  # type: ignore[arg-type]


def status_to_pb(row: StatusKey) -> pb.StatusKey:
    return pb.StatusKey(id=str(row.id), key=row.key, label=row.label, sorting=row.sorting)


def shooting_type_with_statuses_to_pb(row: ShootingType) -> pb.ShootingTypeWithStatuses:
    return pb.ShootingTypeWithStatuses(
        shooting_type=shooting_type_to_pb(row), statuses=[status_to_pb(s) for s in row.statuses]
    )
