"""The catalog as the outfits context reads it: the shootings service's CatalogService over gRPC,
always on behalf of a principal (the caller, or the look's owner for the styling worker)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import grpc

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2
from protos.shootings.v1.catalog_pb2_grpc import CatalogServiceStub
from services.outfits.domain.access import usable_product
from services.outfits.models import Look

# One page of the scope's products is what the stylist chooses from (the list's maximum).
CANDIDATE_PAGE = 1000


class Catalog:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = CatalogServiceStub(channel)

    async def products(self, ids: Sequence[str], principal: common_pb2.Principal) -> list[catalog_pb2.Product]:
        """The live products among ``ids`` that the principal may see, in the order asked."""
        if not ids:
            return []
        reply = await self._stub.BatchGetProducts(
            catalog_pb2.BatchGetRequest(ids=list(ids)), metadata=principal_metadata(principal)
        )
        return list(reply.products)

    async def subject(self, subject_id: str, principal: common_pb2.Principal) -> catalog_pb2.Subject | None:
        reply = await self._stub.BatchGetSubjects(
            catalog_pb2.BatchGetRequest(ids=[subject_id]), metadata=principal_metadata(principal)
        )
        return reply.subjects[0] if reply.subjects else None

    async def scope_products(self, look: Look, principal: common_pb2.Principal) -> list[catalog_pb2.Product]:
        """Enabled, unarchived products of the look's catalog scope: its organization's, or the
        owner's personal catalog for a personal shooting."""
        request = catalog_pb2.ListEntriesRequest(
            kind="product", page=common_pb2.PageRequest(skip=0, limit=CANDIDATE_PAGE)
        )
        request.filters.update({"enabled": True, "archived": False})
        if look.organization_id:
            request.organization_id = str(look.organization_id)
        listed = await self._stub.ListEntries(request, metadata=principal_metadata(principal))
        return await self.products([e.id for e in listed.entries], principal)

    async def ensure_usable(
        self,
        product_ids: Sequence[uuid.UUID],
        principal: common_pb2.Principal,
        look: Look,
        loc: FieldPath,
    ) -> None:
        """422 at ``loc`` unless every product exists, is live and may be worn by the look (R27)."""
        found = {p.id: p for p in await self.products([str(i) for i in product_ids], principal)}
        user_id = uuid.UUID(principal.user_id)
        bad = [
            str(i)
            for i in product_ids
            if str(i) not in found or not usable_product(found[str(i)], user_id, look.organization_id)
        ]
        if bad:
            raise Invalid.at(loc, f"Unknown product id(s), or not usable in this shooting: {', '.join(bad)}")
