"""Public models of generations and the start bodies (E20, E21), and how a look's generation
inputs are composed from what the shootings service knows.

Orchestration lives in the gateway: it reads the look with the catalog entries it names
(``LookQueriesService.GetLook``: subject with its base images, shot types, product), the look's
outfits with their products (``OutfitsService.ListLookOutfits``, one catalog call) and the
look's shots (``ShotsService.ListShotsByLooks``), then asks the shots service to start them
(``StartGenerations``), which owns the rules (skip back views and shot types without a base
image, 1-10, owner only) and the records. E8 calls the same RPC from the shootings service.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel, Field

from gateway.answers.outfits import OutfitsView
from gateway.media import media_url
from gateway.protoconv import dt, value
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import catalog_pb2, looks_pb2
from protos.shots.v1 import shots_pb2 as pb

Count = Annotated[int, Field(ge=1, le=10)]


class StartGenerationsRequest(BaseModel):
    """Request model for starting generations for all shot types in a production request."""

    generations_per_shot_type: Count = Field(default=1, description="Number of generations per shot type (1-10)")


class StartGenerationsResponse(BaseModel):
    """Response model for start generations endpoint."""

    message: str
    production_request_id: uuid.UUID
    generation_ids: list[uuid.UUID]
    generations_per_shot_type: int


class StartShotTypeGenerationsRequest(BaseModel):
    """Request model for starting generations for a specific shot type in a production request."""

    shot_type_id: uuid.UUID = Field(description="UUID of the shot type to generate for")
    generations_count: Count = Field(default=1, description="Number of generations to create (1-10)")


class StartShotTypeGenerationsResponse(BaseModel):
    """Response model for start shot type generations endpoint."""

    message: str
    production_request_id: uuid.UUID
    shot_type_id: uuid.UUID
    generation_ids: list[uuid.UUID]
    generations_count: int


class ReferenceImagePublic(BaseModel):
    """A style reference a generation used, in the order the provider received them."""

    url: str = Field(description="Where the image is (this platform's media as a URL a browser can load)")
    role: str = Field(description="product, outfit_product or outfit_reference")
    source_id: str | None = Field(default=None, description="The product, or the media resource of a reference")

    @classmethod
    def from_input(cls, stored: dict[str, Any]) -> ReferenceImagePublic:
        url = str(stored.get("url") or "")
        key = url.removeprefix("media:") if url.startswith("media:") else None
        return cls(url=media_url(key) or url, role=str(stored.get("role") or ""), source_id=stored.get("source_id"))


class PredictionPublic(BaseModel):
    id: uuid.UUID
    status: str
    seed: int
    image_url: str | None = None


class GenerationPublic(BaseModel):
    id: uuid.UUID
    shot_id: uuid.UUID
    production_request_id: uuid.UUID
    status: str = Field(description="PENDING, PROCESSING, COMPLETED or FAILED")
    error: str | None = None
    seed: int
    model_id: str | None = None
    revision_id: uuid.UUID | None = None
    predictions: list[PredictionPublic] = []
    outfit_id: uuid.UUID | None = Field(default=None, description="The outfit that styled it (R117)")
    reference_images: list[ReferenceImagePublic] = Field(
        default=[], description="The style references it used, in the order the provider received them"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_pb(cls, message: pb.Generation) -> GenerationPublic:
        inputs = MessageToDict(message.inputs, preserving_proto_field_name=True)
        return cls(
            outfit_id=inputs.get("outfit_id"),
            reference_images=[ReferenceImagePublic.from_input(r) for r in inputs.get("references") or []],
            id=message.id,
            shot_id=message.shot_id,
            production_request_id=message.look_id,
            status=message.status,
            error=value(message, "error"),
            seed=message.seed,
            model_id=value(message, "model_id"),
            revision_id=value(message, "revision_id"),
            predictions=[
                PredictionPublic(id=p.id, status=p.status, seed=p.seed, image_url=media_url(value(p, "media_key")))
                for p in message.predictions
            ],
            created_at=dt(message, "created_at"),
            updated_at=dt(message, "updated_at"),
        )


class GenerationsPublic(BaseModel):
    data: list[GenerationPublic]
    count: int


def _fields(entry: catalog_pb2.CatalogEntry | None) -> dict[str, Any]:
    return MessageToDict(entry.fields) if entry is not None else {}


# Where a style reference comes from (ReferenceImage.role), in the order providers receive them.
PRODUCT, OUTFIT_PRODUCT, OUTFIT_REFERENCE = "product", "outfit_product", "outfit_reference"
_UNUSABLE_PROPOSALS = frozenset({"PENDING", "FAILED"})


def style_outfit(known: outfits_pb2.LookOutfits | None) -> outfits_pb2.Outfit | None:
    """The outfit generation styles a look with (R117): THE outfit, else its newest proposal
    that holds something (one being styled or whose styling failed holds nothing yet)."""
    if known is None:
        return None
    if known.HasField("outfit"):
        return known.outfit
    usable = [p for p in known.proposals if p.generation_status not in _UNUSABLE_PROPOSALS]
    return usable[-1] if usable else None


def _product_images(entry: catalog_pb2.CatalogEntry | None) -> list[str]:
    fields = _fields(entry)
    return [str(u) for u in [fields.get("cover_image_url"), *(fields.get("reference_images") or [])] if u]


class GenerationPlanner:
    """Per shot of one look, the inputs a worker renders from."""

    @classmethod
    def for_page(
        cls,
        page: looks_pb2.LooksPage,
        outfits: OutfitsView | None = None,
        presets: Mapping[str, catalog_pb2.CatalogEntry] | None = None,
    ) -> list[GenerationPlanner]:
        """One planner per look of a page, sharing the page's catalog entries, the entries of the
        outfits' products (which ``outfits`` brings) and the looks' resolution presets."""
        entries = {e.id: e for e in page.entries} | (outfits.entries if outfits else {}) | dict(presets or {})
        styles = {look.id: style_outfit(outfits.looks.get(look.id)) if outfits else None for look in page.looks}
        return [cls(look, entries, styles[look.id]) for look in page.looks]

    def __init__(
        self,
        look: looks_pb2.Look,
        entries: dict[str, catalog_pb2.CatalogEntry],
        outfit: outfits_pb2.Outfit | None = None,
    ) -> None:
        self.look = look
        self.entries = entries
        self.outfit = outfit
        subject = self.entries.get(self.look.subject_id)
        self.subject = subject
        self.base_images = {
            str(b.get("shot_type_id")): str(b.get("image_url") or "") for b in _fields(subject).get("base_images") or []
        }
        product = self.entries.get(self.look.product_id)
        self.product = product
        self.references = self._references()

    def _references(self) -> list[pb.ReferenceImage]:
        """The style references in a defined order, each URL once: the core product's images,
        then the outfit's products' images, then the outfit's reference images (R117)."""
        found = [
            pb.ReferenceImage(url=u, role=PRODUCT, source_id=self.look.product_id)
            for u in _product_images(self.product)
        ]
        if self.outfit is not None:
            for product_id in self.outfit.outfit_product_ids:
                found += [
                    pb.ReferenceImage(url=u, role=OUTFIT_PRODUCT, source_id=product_id)
                    for u in _product_images(self.entries.get(product_id))
                ]
            for reference in self.outfit.references:
                if reference.HasField("media"):
                    url = f"media:{reference.media.key}"
                    found.append(pb.ReferenceImage(url=url, role=OUTFIT_REFERENCE, source_id=reference.media.id))
                elif reference.url:
                    found.append(pb.ReferenceImage(url=reference.url, role=OUTFIT_REFERENCE))
        unique: dict[str, pb.ReferenceImage] = {}
        for reference in found:
            unique.setdefault(reference.url, reference)
        return list(unique.values())

    def inputs(self, shot: pb.Shot) -> pb.GenerationInputs:
        shot_type = self.entries.get(shot.shot_type_id)
        fields = _fields(shot_type)
        inputs = pb.GenerationInputs(
            base_image_url=self.base_images.get(shot.shot_type_id, ""),
            reference_image_urls=[r.url for r in self.references],
            references=self.references,
            shot_type_id=shot.shot_type_id,
            shot_type_name=shot_type.name if shot_type else "",
            view_angle=str(fields.get("view_angle") or ""),
            framing=str(fields.get("framing") or ""),
        )
        if self.outfit is not None:
            inputs.outfit_id = self.outfit.id
        if fields.get("prompt"):
            inputs.prompt = str(fields["prompt"])
        if self.subject is not None:
            inputs.subject_name = self.subject.name
        if self.product is not None:
            inputs.product_name = self.product.name
        for name, size in zip(("width", "height"), self.size(), strict=True):
            if size is not None:
                setattr(inputs, name, size)
        return inputs

    def size(self) -> tuple[int | None, int | None]:
        """The look's own size, else its resolution preset's (a look has one or the other, R97);
        neither: the worker's default."""
        if self.look.HasField("width") or self.look.HasField("height"):
            return (
                self.look.width if self.look.HasField("width") else None,
                self.look.height if self.look.HasField("height") else None,
            )
        preset = _fields(self.entries.get(self.look.resolution_preset_id))
        width, height = preset.get("width"), preset.get("height")
        return (int(width) if width else None, int(height) if height else None)

    def specs(self, shots: Iterable[pb.Shot], count: int, num_predictions: int = 1) -> list[pb.GenerationSpec]:
        """A31: one spec per shot (a look has one shot per shot type)."""
        return [
            pb.GenerationSpec(shot_id=s.id, count=count, num_predictions=num_predictions, inputs=self.inputs(s))
            for s in shots
        ]


def preset_ids(page: looks_pb2.LooksPage) -> list[str]:
    """The resolution presets a page's looks name (the page itself carries no preset entries)."""
    return sorted({look.resolution_preset_id for look in page.looks if look.HasField("resolution_preset_id")})
