"""Shootings as answer dictionaries: the header (ShootingHeaderPublic's fields) and what every
shooting answer shares (its identity, its template's common fields)."""

from __future__ import annotations

from gateway.answers import Fields
from gateway.protoconv import dt, value
from gateway.schemas.catalog import CatalogPublic, PosePresetPublic, ShotTypePublic, SubjectPublic
from protos.shootings.v1 import catalog_pb2
from protos.shootings.v1 import shootings_pb2 as pb

_IDENTITY_OPTIONAL = (
    "organization_id",
    "season",
    "collection",
    "brand",
    "shooting_type_id",
    "default_guidelines_id",
)
_GUIDELINE_IDS = (
    "background_preset_id",
    "export_configuration_id",
    "resolution_preset_id",
    "set_design_id",
    "stylist_id",
)


def identity_fields(message: pb.Shooting | pb.ShootingHeader) -> Fields:
    """The fields every shooting answer starts with."""
    return {
        "id": message.id,
        "created_at": dt(message, "created_at"),
        "updated_at": dt(message, "updated_at"),
        "name": message.name,
        "description": value(message, "description"),
        "due_date": dt(message, "due_date"),
        "owner_id": message.owner_id,
        **{f: value(message, f) for f in _IDENTITY_OPTIONAL},
    }


def entry_fields(model: type[CatalogPublic], entry: catalog_pb2.CatalogEntry) -> Fields:
    return model.from_entry(entry).model_dump(mode="json")


def guidelines_common_fields(message: pb.Guidelines) -> Fields:
    """What a template shows in a header and in full: dates, flags, ids and its catalog chips."""
    return {
        "created_at": dt(message, "created_at"),
        "updated_at": dt(message, "updated_at"),
        "auto_start_look_generations": message.auto_start_look_generations,
        **{f: value(message, f) for f in _GUIDELINE_IDS},
        "subjects": [entry_fields(SubjectPublic, e) for e in message.subjects],
        "shot_types": [entry_fields(ShotTypePublic, e) for e in message.shot_types],
        "pose_presets": [entry_fields(PosePresetPublic, e) for e in message.pose_presets],
    }


def header_fields(message: pb.ShootingHeader, stylist: Fields | None = None) -> Fields:
    """ShootingHeaderPublic's fields; ``stylist``: the template's stylist (StylistSummary's fields)."""
    guidelines = message.default_guidelines if message.HasField("default_guidelines") else None
    return {
        **identity_fields(message),
        "public": False,
        "default_guidelines": {**guidelines_common_fields(guidelines), "stylist": stylist} if guidelines else None,
    }
