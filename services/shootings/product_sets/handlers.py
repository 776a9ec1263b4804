"""gRPC handlers of ProductSetsService: a shooting's main and sample product sets (E27-E34).

Reads need a visible shooting (404 otherwise); changes lock the shooting, so concurrent edits of
its sets serialise, and answer the whole resulting set (R126-R128).
"""

from __future__ import annotations

import uuid

import grpc

from platformkit.db import transaction
from platformkit.errors import Invalid
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.shootings.v1 import catalog_pb2 as pb
from protos.shootings.v1 import catalog_pb2_grpc
from services.shootings.catalog import repository as catalog_repo
from services.shootings.catalog.convert import entry_to_pb
from services.shootings.product_sets import repository as set_repo
from services.shootings.product_sets import rules as product_sets
from services.shootings.product_sets.rules import PRODUCT_IDS_LOC, SetChange
from services.shootings.shared import access
from services.shootings.shared.inputs import check_page
from services.shootings.shootings import repository as repo

_SETS = {pb.PRODUCT_SET_MAIN: "main", pb.PRODUCT_SET_SAMPLE: "sample"}


def _set_name(value: int) -> str:
    if value not in _SETS:
        raise Invalid.at(("set",), "Unknown product set", "enum")
    return _SETS[value]


def _shooting_id(raw: str) -> uuid.UUID:
    return parse_uuid(raw, ("shooting_id",))


class ProductSetsServicer(catalog_pb2_grpc.ProductSetsServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    async def ListSetProducts(
        self, request: pb.ListSetProductsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetProducts:
        """R129: a page of the set (skip/limit), with the set's total."""
        who = caller(current_principal())
        product_set = _set_name(request.set)
        page = check_page(request.page.skip, request.page.limit)
        async with self.ctx.sessions() as session:
            shooting = await repo.get_shooting(session, _shooting_id(request.shooting_id))
            access.ensure_visible(who, shooting, "Shooting")
            assert shooting is not None
            rows, total = await set_repo.list_set_products(
                session, product_set, shooting.id, skip=page.skip, limit=page.limit
            )
        return pb.SetProducts(products=[entry_to_pb(r) for r in rows], count=total)

    async def AddSetProducts(
        self, request: pb.ChangeSetProductsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetProducts:
        return await self._change(request, SetChange.ADD)

    async def RemoveSetProducts(
        self, request: pb.ChangeSetProductsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetProducts:
        return await self._change(request, SetChange.REMOVE)

    async def ReplaceSetProducts(
        self, request: pb.ChangeSetProductsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetProducts:
        return await self._change(request, SetChange.REPLACE)

    async def _change(self, request: pb.ChangeSetProductsRequest, change: SetChange) -> pb.SetProducts:
        who = caller(current_principal())
        product_set = _set_name(request.set)
        shooting_id = _shooting_id(request.shooting_id)
        product_ids = [parse_uuid(raw, (*PRODUCT_IDS_LOC, i)) for i, raw in enumerate(request.product_ids)]
        async with transaction(self.ctx.sessions) as session:
            shooting = await repo.lock_shooting(session, shooting_id)
            access.ensure_visible(who, shooting, "Shooting")  # A20: whoever sees a shooting may edit it
            assert shooting is not None
            if change.needs_usable_products and product_ids:
                missing = await catalog_repo.find_missing_references(
                    session, {"product": set(product_ids)}, who, shooting.organization_id
                )
                product_sets.ensure_products_usable(product_ids, missing)
            if change is SetChange.ADD:
                await set_repo.add_to_set(session, product_set, shooting.id, product_ids)
            elif change is SetChange.REMOVE:
                await set_repo.remove_from_set(session, product_set, shooting.id, product_ids)
            else:
                await set_repo.remove_from_set(session, product_set, shooting.id, product_ids, keep=True)
                await set_repo.add_to_set(session, product_set, shooting.id, product_ids)
            rows, total = await set_repo.list_set_products(session, product_set, shooting.id)
        return pb.SetProducts(products=[entry_to_pb(r) for r in rows], count=total)


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ProductSetsService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    catalog_pb2_grpc.add_ProductSetsServiceServicer_to_server(ProductSetsServicer(context), server)
