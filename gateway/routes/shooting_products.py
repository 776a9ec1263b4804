"""A shooting's main and sample product sets (E27-E34): list, add, remove (a JSON body on
DELETE, A56) and replace, each answering ``ShootingProductsList``.

The two sets are independent (R125); one factory serves both. The shootings service owns the
rules: a visible shooting (404), products usable in its scope (422 at ``product_ids``),
duplicates ignored on add and absent ids a no-op on remove (A57), ``[]`` clearing on replace.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body

from gateway.deps import ClientsDep, PageDep, PrincipalDep
from gateway.route_index import IndexedRouter
from gateway.schemas.catalog import CatalogPublic
from gateway.schemas.products import ProductPublic, ShootingProductIdsRequest, ShootingProductsList
from platformkit.rpc import principal_metadata
from protos.shootings.v1 import catalog_pb2 as pb
from protos.shootings.v1.catalog_pb2_grpc import ProductSetsServiceStub

Change = Callable[[ProductSetsServiceStub], Callable[..., Awaitable[pb.SetProducts]]]

# (method, summary verb, RPC): R126 add, R127 remove, R128 replace.
CHANGES: tuple[tuple[str, str, Change], ...] = (
    ("POST", "Add", lambda stub: stub.AddSetProducts),
    ("DELETE", "Remove", lambda stub: stub.RemoveSetProducts),
    ("PUT", "Replace", lambda stub: stub.ReplaceSetProducts),
)


def _public(reply: pb.SetProducts) -> ShootingProductsList:
    products: list[CatalogPublic] = [ProductPublic.from_entry(p) for p in reply.products]
    return ShootingProductsList(data=products, count=reply.count)  # type: ignore[arg-type]


def _add_set_routes(router: APIRouter, segment: str, label: str, product_set: int) -> None:
    path = "/shootings/{shooting_id}/" + segment

    @router.get(path, summary=f"List Shooting {label} Products")
    async def list_set(
        clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, page: PageDep
    ) -> ShootingProductsList:
        """R129: a page of the set (skip/limit) with the set's total."""
        request = pb.ListSetProductsRequest(
            shooting_id=str(shooting_id),
            set=product_set,
            page=page.to_pb(),
        )
        reply = await clients.product_sets.ListSetProducts(request, metadata=principal_metadata(principal))
        return _public(reply)

    for method, verb, rpc in CHANGES:
        router.add_api_route(
            path,
            _change_handler(product_set, rpc),
            methods=[method],
            summary=f"{verb} Shooting {label} Products",
            description=f"{verb} products of the shooting's {label.lower()} set; answers the whole resulting set.",
            operation_id=f"{verb.lower()}_shooting_{label.lower()}_products",
        )


def _change_handler(product_set: int, rpc: Change) -> Callable[..., Awaitable[ShootingProductsList]]:
    async def change_set(
        clients: ClientsDep,
        principal: PrincipalDep,
        shooting_id: uuid.UUID,
        body: Annotated[ShootingProductIdsRequest, Body()],
    ) -> ShootingProductsList:
        request = pb.ChangeSetProductsRequest(
            shooting_id=str(shooting_id), set=product_set, product_ids=[str(p) for p in body.product_ids]
        )
        reply = await rpc(clients.product_sets)(request, metadata=principal_metadata(principal))
        return _public(reply)

    return change_set


router = IndexedRouter(tags=["shootings"])
_add_set_routes(router, "main-products", "Main", pb.PRODUCT_SET_MAIN)
_add_set_routes(router, "sample-products", "Sample", pb.PRODUCT_SET_SAMPLE)
