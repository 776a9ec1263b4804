"""Catalog rows as shootings/v1 catalog messages: the generic ``CatalogEntry`` (public fields in a
Struct, computed ones filled in) and the typed messages other services reason with."""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import json_format, struct_pb2

from platformkit.protoconv import timestamp
from protos.shootings.v1 import catalog_pb2 as pb
from services.shootings.catalog.repository import LoadedEntry
from services.shootings.catalog.rules import with_shot_type_labels
from services.shootings.models import CatalogEntry

# Catalog entries by id, as the messages that expand a template's or a shooting's references hold them.
CatalogIndex = dict[uuid.UUID, pb.CatalogEntry]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def struct_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as plain Python values (numbers arrive as floats; the kind's rules coerce them)."""
    return json_format.MessageToDict(message)


def public_data(loaded: LoadedEntry) -> dict[str, Any]:
    """The entry's stored fields with the computed ones: subjects' base-image labels, as the
    shot types are named now."""
    return with_shot_type_labels(loaded.entry.data or {}, loaded.labels)


def _ownership(entry: CatalogEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "owner_id": _text(entry.owner_id),
        "organization_id": _text(entry.organization_id),
        "name": entry.name,
        "public": entry.public,
        "deleted_at": timestamp(entry.deleted_at),
    }


def entry_to_pb(loaded: LoadedEntry) -> pb.CatalogEntry:
    entry = loaded.entry
    message = pb.CatalogEntry(
        kind=entry.kind,
        created_at=timestamp(entry.created_at),
        updated_at=timestamp(entry.updated_at),
        **_ownership(entry),
    )
    message.fields.update(public_data(loaded))
    return message


_PRODUCT_TEXTS = (
    "sku",
    "product_type",
    "placement",
    "brand",
    "brand_collection",
    "cover_image_url",
    "back_image_url",
    "description",
    "age_class",
)


def product_to_pb(loaded: LoadedEntry) -> pb.Product:
    data = loaded.entry.data or {}
    return pb.Product(
        gender=data.get("gender") or "UNISEX",
        reference_images=data.get("reference_images") or [],
        enabled=bool(data.get("enabled", True)),
        archived=bool(data.get("archived")),
        demo=bool(data.get("demo")),
        **{name: data.get(name) for name in _PRODUCT_TEXTS},
        **_ownership(loaded.entry),
    )


def subject_to_pb(loaded: LoadedEntry) -> pb.Subject:
    data = public_data(loaded)
    texts = ("surname", "age_class", "positive_prompt", "negative_prompt", "lora_trigger")
    return pb.Subject(
        gender=data.get("gender") or "",
        subject_type=data.get("subject_type") or "AI",
        base_images=[
            pb.BaseImage(shot_type_id=i["shot_type_id"], image_url=i["image_url"], shot_type_label=i["shot_type_label"])
            for i in data.get("base_images") or []
        ],
        enabled=bool(data.get("enabled", True)),
        ready=bool(data.get("ready", True)),
        **{name: data.get(name) for name in texts},
        **_ownership(loaded.entry),
    )


def shot_type_to_pb(loaded: LoadedEntry) -> pb.ShotType:
    data = loaded.entry.data or {}
    return pb.ShotType(
        view_angle=data.get("view_angle") or "",
        framing=data.get("framing") or "",
        core_focus=bool(data.get("core_focus")),
        prompt=data.get("prompt"),
        file_naming_convention=data.get("file_naming_convention"),
        **_ownership(loaded.entry),
    )
