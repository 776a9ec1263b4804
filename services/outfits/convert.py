"""Translations between outfits rows, domain values and the outfits/v1 and events/v1 messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format

from platformkit.field_paths import FieldPath
from platformkit.protoconv import parse_uuid, timestamp
from protos.common.v1 import common_pb2
from protos.outfits.v1 import outfits_pb2 as pb
from services.outfits.domain.outfits import MEDIA, check_instruction, ref_urls
from services.outfits.models import Look, Outfit


def owner_principal(look: Look) -> common_pb2.Principal:
    """Whom the styling worker acts for when it reads the catalog: the look's shooting owner."""
    return common_pb2.Principal(
        user_id=str(look.owner_id), organization_ids=[str(look.organization_id)] if look.organization_id else []
    )


def outfit_values(fields: pb.OutfitFields, loc: FieldPath) -> dict[str, Any]:
    """Column values of an outfit from the client's fields (product ids parsed, references kept)."""
    instruction = fields.outfit_instruction if fields.HasField("outfit_instruction") else None
    check_instruction(instruction, (*loc, "outfit_instruction"))
    product_ids = [parse_uuid(raw, (*loc, "outfit_product_ids", i)) for i, raw in enumerate(fields.outfit_product_ids)]
    return {
        "outfit_instruction": instruction,
        "outfit_product_ids": list(dict.fromkeys(product_ids)),
        "outfit_ref_imgs": json_format.MessageToDict(fields.outfit_ref_imgs_urls) or [],
    }


def references_to_pb(references: list[Any]) -> list[pb.OutfitReference]:
    """Stored references as the contract shows them (items of no known shape are left out)."""
    shown = []
    for item in references:
        if isinstance(item, str):
            shown.append(pb.OutfitReference(url=item))
        elif isinstance(item, dict):
            reference = pb.OutfitReference()
            reference.input.update({k: v for k, v in item.items() if k != MEDIA})
            if isinstance(item.get(MEDIA), dict):
                json_format.ParseDict(item[MEDIA], reference.media, ignore_unknown_fields=True)
            elif isinstance(item.get("url"), str):
                reference.url = item["url"]
            shown.append(reference)
    return shown


def outfit_to_pb(row: Outfit, look: Look) -> pb.Outfit:
    message = pb.Outfit(
        id=str(row.id),
        look_id=str(row.look_id),
        shooting_id=str(look.shooting_id),
        outfit_ref_imgs_urls=ref_urls(row.outfit_ref_imgs),
        references=references_to_pb(row.outfit_ref_imgs),
        outfit_product_ids=[str(p) for p in row.outfit_product_ids],
        retry_count=row.retry_count,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
        selected=row.id == look.outfit_id,
    )
    for name in ("outfit_instruction", "generation_status", "generation_error"):
        if (value := getattr(row, name)) is not None:
            setattr(message, name, value)
    return message


def look_outfits_to_pb(look: Look, outfits: Sequence[Outfit]) -> pb.LookOutfits:
    message = pb.LookOutfits(look_id=str(look.id))
    for row in outfits:
        if row.id == look.outfit_id:
            message.outfit.CopyFrom(outfit_to_pb(row, look))
        else:
            message.proposals.append(outfit_to_pb(row, look))
    return message
