"""ExportsService handlers of external product mappings (``/products/{id}/external-mappings``).

A mapping takes its product's scope: whoever sees the product (the catalog decides, 404
otherwise) sees its mappings; changing them needs the right to edit the product (owner,
organization member, admin: 403 for someone who sees a public product only). The integration
must be usable in the product's scope (422 at ``integration_id`` otherwise, as any body id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc

from platformkit.db import transaction
from platformkit.errors import Conflict, Invalid, NotFound, PermissionDenied
from platformkit.principal import Caller, caller
from platformkit.protoconv import parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb
from protos.shootings.v1 import catalog_pb2
from services.exports import repository as repo
from services.exports.convert import mapping_to_pb
from services.exports.domain import access
from services.exports.domain.integrations import ensure_external_id
from services.exports.models import ExternalIntegration
from services.exports.sources import Sources

INTEGRATION_LOC = ("integration_id",)


@dataclass(frozen=True)
class ProductScope:
    id: uuid.UUID
    owner_id: uuid.UUID | None
    organization_id: uuid.UUID | None

    @classmethod
    def of(cls, entry: catalog_pb2.CatalogEntry) -> ProductScope:
        def optional(name: str) -> uuid.UUID | None:
            return uuid.UUID(getattr(entry, name)) if entry.HasField(name) else None

        return cls(uuid.UUID(entry.id), optional("owner_id"), optional("organization_id"))


class MappingHandlers:
    ctx: ServiceContext
    sources: Sources

    async def _product(self, who: Caller, raw_id: str, *, edit: bool) -> ProductScope:
        product = ProductScope.of(await self.sources.product(str(parse_uuid(raw_id, ("product_id",)))))
        if edit and not access.can_see(who, product):
            raise PermissionDenied("Only those who may edit the product may change its external mappings")
        return product

    @replayable(pb.ProductMapping)
    async def CreateProductMapping(
        self, request: pb.CreateProductMappingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProductMapping:
        who = caller(current_principal())
        integration_id = parse_uuid(request.integration_id, INTEGRATION_LOC)
        external_id = ensure_external_id(request.external_id, ("external_id",))
        product = await self._product(who, request.product_id, edit=True)
        async with transaction(self.ctx.sessions) as session:
            integration = await repo.live(session, ExternalIntegration, integration_id)
            if integration is None or not access.usable_in_scope(who, integration, product.organization_id):
                raise Invalid.at(INTEGRATION_LOC, "Unknown integration, or not one usable for this product")
            now = datetime.now(UTC)
            row = await repo.add_mapping(
                session,
                {
                    "id": uuid.uuid4(),
                    "product_id": product.id,
                    "integration_id": integration.id,
                    "external_id": external_id,
                    "created_by": who.user_id,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if row is None:
                raise Conflict("The product already has a mapping for this integration")
        return mapping_to_pb(row)

    async def ListProductMappings(
        self, request: pb.ListProductMappingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProductMappingsResponse:
        who = caller(current_principal())
        product = await self._product(who, request.product_id, edit=False)
        async with self.ctx.sessions() as session:
            rows = await repo.mappings_of(session, product.id)
        return pb.ListProductMappingsResponse(mappings=[mapping_to_pb(r) for r in rows])

    async def DeleteProductMapping(
        self, request: pb.ProductMappingRef, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        mapping_id = parse_uuid(request.id, ("id",))
        product = await self._product(who, request.product_id, edit=True)
        async with transaction(self.ctx.sessions) as session:
            row = await repo.mapping(session, product.id, mapping_id)
            if row is None:
                raise NotFound("External mapping not found")
            await session.delete(row)
        return common_pb2.Empty()
