"""What an export or a download is about, composed from the other contexts' answers (no I/O):
the revision, its first image, and the facts adapters name and describe it with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

from protos.shootings.v1 import catalog_pb2, looks_pb2, shootings_pb2
from protos.shots.v1 import shots_pb2
from services.exports.domain.adapters import ImageFacts

APPROVED = "APPROVED"


@dataclass(frozen=True)
class LookContext:
    """A look with the catalog entries it names and its shooting."""

    look: looks_pb2.Look
    entries: dict[str, catalog_pb2.CatalogEntry]
    shooting: shootings_pb2.ShootingHeader

    @classmethod
    def of(cls, page: looks_pb2.LooksPage, shooting: shootings_pb2.ShootingHeader) -> LookContext:
        return cls(page.looks[0], {e.id: e for e in page.entries}, shooting)

    @property
    def product_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.look.product_id) if self.look.HasField("product_id") else None

    @property
    def shooting_owner(self) -> tuple[uuid.UUID, uuid.UUID | None]:
        """The shooting's owner and organization, as its owner service answered."""
        shooting = self.shooting
        organization = uuid.UUID(shooting.organization_id) if shooting.HasField("organization_id") else None
        return uuid.UUID(shooting.owner_id), organization

    @property
    def configuration_id(self) -> uuid.UUID | None:
        look = self.look
        return uuid.UUID(look.export_configuration_id) if look.HasField("export_configuration_id") else None

    def missing_entries(self, shots: Iterable[shots_pb2.Shot]) -> list[str]:
        """Shot types of shots added outside the look's shot types (E37), not named by the look."""
        return sorted({s.shot_type_id for s in shots if s.shot_type_id and s.shot_type_id not in self.entries})

    def with_entries(self, entries: Iterable[catalog_pb2.CatalogEntry]) -> LookContext:
        return replace(self, entries={**self.entries, **{e.id: e for e in entries}})


def current_revision(shot: shots_pb2.Shot) -> shots_pb2.Revision | None:
    if not shot.HasField("current_revision_id"):
        return None
    return next((r for r in shot.revisions if r.id == shot.current_revision_id), None)


def image_source(revision: shots_pb2.Revision) -> str | None:
    """The revision's first image: its stored media when it has one, else its URL."""
    for image in revision.images:
        if image.HasField("image_media") and image.image_media.key:
            return f"media:{image.image_media.key}"
        if image.HasField("image_url") and image.image_url:
            return image.image_url
    return None


def _field(entry: catalog_pb2.CatalogEntry | None, name: str) -> str | None:
    if entry is None or name not in entry.fields.fields:
        return None
    found = entry.fields[name]
    return str(found) if found else None


@dataclass(frozen=True)
class Target:
    """One revision to render: where its image is and what is known about it."""

    revision: shots_pb2.Revision
    source: str | None
    facts: ImageFacts

    @property
    def approved(self) -> bool:
        return self.revision.shot_status == APPROVED


def target(context: LookContext, shot: shots_pb2.Shot, revision: shots_pb2.Revision) -> Target:
    product = context.entries.get(context.look.product_id)
    shot_type = context.entries.get(shot.shot_type_id)
    facts = ImageFacts(
        revision_id=revision.id,
        revision_version=revision.version,
        shot_id=shot.id,
        production_request_id=context.look.id,
        product_id=context.look.product_id,
        product_name=product.name if product else None,
        sku=_field(product, "sku"),
        shot_type=shot_type.name if shot_type else None,
        shot_type_code=_field(shot_type, "file_naming_convention"),
        shooting_id=context.shooting.id,
        shooting_name=context.shooting.name,
    )
    return Target(revision, image_source(revision), facts)
