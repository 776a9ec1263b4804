"""The stylist interface and what every stylist reads first: the look's core product, its
subject's gender and the candidate products of the look's catalog scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from protos.shootings.v1 import catalog_pb2
from services.outfits.catalog import Catalog
from services.outfits.convert import owner_principal
from services.outfits.domain.styling import Candidate, wearable_genders
from services.outfits.models import Look


@dataclass(frozen=True)
class Styled:
    """A proposal's content: the products besides the core product, and the instruction."""

    product_ids: list[str]
    instruction: str


class StylistError(Exception):
    """Styling did not produce a valid outfit this time; the message is the stored reason."""


class Stylist(Protocol):
    async def style(self, look: Look) -> Styled: ...


@dataclass(frozen=True)
class Brief:
    """What a stylist works from."""

    core: Candidate
    subject_gender: str | None
    candidates: list[Candidate]

    def wearable(self) -> list[Candidate]:
        """The gender-compatible candidates other than the core product."""
        genders = wearable_genders(self.subject_gender, self.core.gender)
        return [c for c in self.candidates if c.id != self.core.id and c.gender in genders]


def candidate(product: catalog_pb2.Product) -> Candidate:
    return Candidate(
        id=product.id,
        name=product.name,
        gender=product.gender or "UNISEX",
        placement=product.placement if product.HasField("placement") else None,
        product_type=product.product_type if product.HasField("product_type") else None,
    )


async def read_brief(catalog: Catalog, look: Look) -> Brief:
    """The look's core product, subject gender and catalog candidates, read as the look's owner."""
    principal = owner_principal(look)
    if look.product_id is None:
        raise StylistError("The look has no core product to style")
    core = await catalog.products([str(look.product_id)], principal)
    if not core:
        raise StylistError("The look's core product is no longer in the catalog")
    subject = await catalog.subject(str(look.subject_id), principal) if look.subject_id else None
    products = await catalog.scope_products(look, principal)
    return Brief(
        core=candidate(core[0]),
        subject_gender=subject.gender if subject else None,
        candidates=[candidate(p) for p in products],
    )
