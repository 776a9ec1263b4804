"""External integrations, their push callback, and external product mappings (D0.35,
and the push protocol, D0.37).

The secret is write-only: it goes to the exports service (which seals it) and never comes back.
The callback carries no bearer token: the exports service verifies ``X-Signature`` over the raw
body with the integration's secret (401 otherwise), so the body is forwarded byte for byte.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import grpc
from fastapi import Header, HTTPException, Request, status

from gateway.deps import ClientsDep, MemberOrganizationQuery, PageDep, PrincipalDep
from gateway.field_locations import ORGANIZATION_IN_BODY_OR_QUERY, rest_names
from gateway.route_index import IndexedRouter
from gateway.routes.exports import scoped_list
from gateway.schemas.common import Message
from gateway.schemas.exports import (
    ExternalIntegrationCreate,
    ExternalIntegrationPublic,
    ExternalIntegrationsPublic,
    ExternalIntegrationUpdate,
    ExternalProductMappingCreate,
    ExternalProductMappingPublic,
    ExternalProductMappingsPublic,
    PushCallback,
)
from gateway.schemas.shots import ExternalImagePushPublic
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb

router = IndexedRouter(tags=["exports"])
INTEGRATIONS = "/external-integrations"
MAPPINGS = "/products/{product_id}/external-mappings"


@router.post(f"{INTEGRATIONS}/", summary="Create External Integration")
@rest_names(ORGANIZATION_IN_BODY_OR_QUERY, fields=("body",))
async def create_integration(
    clients: ClientsDep,
    principal: PrincipalDep,
    body: ExternalIntegrationCreate,
    organization_id: MemberOrganizationQuery = None,
) -> ExternalIntegrationPublic:
    """A receiver of pushes (`webhook` or `ovs`); the secret (16+ characters) is never returned."""
    reply = await clients.exports.CreateIntegration(body.to_pb(organization_id), metadata=principal_metadata(principal))
    return ExternalIntegrationPublic.from_pb(reply)


@router.get(f"{INTEGRATIONS}/", summary="Read External Integrations")
async def read_integrations(
    clients: ClientsDep, principal: PrincipalDep, page: PageDep, organization_id: MemberOrganizationQuery = None
) -> ExternalIntegrationsPublic:
    reply = await clients.exports.ListIntegrations(
        scoped_list(organization_id, page), metadata=principal_metadata(principal)
    )
    return ExternalIntegrationsPublic(
        data=[ExternalIntegrationPublic.from_pb(i) for i in reply.integrations], count=reply.count
    )


@router.get(INTEGRATIONS + "/{integration_id}", summary="Read External Integration")
async def read_integration(
    clients: ClientsDep, principal: PrincipalDep, integration_id: uuid.UUID
) -> ExternalIntegrationPublic:
    request = common_pb2.IdRequest(id=str(integration_id))
    return ExternalIntegrationPublic.from_pb(
        await clients.exports.GetIntegration(request, metadata=principal_metadata(principal))
    )


@router.patch(INTEGRATIONS + "/{integration_id}", summary="Update External Integration")
@rest_names(fields=("body",))
async def update_integration(
    clients: ClientsDep, principal: PrincipalDep, integration_id: uuid.UUID, body: ExternalIntegrationUpdate
) -> ExternalIntegrationPublic:
    reply = await clients.exports.UpdateIntegration(body.to_pb(integration_id), metadata=principal_metadata(principal))
    return ExternalIntegrationPublic.from_pb(reply)


@router.delete(INTEGRATIONS + "/{integration_id}", summary="Delete External Integration")
async def delete_integration(clients: ClientsDep, principal: PrincipalDep, integration_id: uuid.UUID) -> Message:
    """Soft delete: its mappings stop counting and its pending pushes fail."""
    request = common_pb2.IdRequest(id=str(integration_id))
    await clients.exports.DeleteIntegration(request, metadata=principal_metadata(principal))
    return Message(message="External integration deleted successfully")


@router.post(
    INTEGRATIONS + "/{integration_id}/callback",
    summary="Confirm External Push",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PushCallback.model_json_schema()}},
        }
    },
)
@rest_names(body=("body",))  # ConfirmPushRequest.body is the request body as received
async def push_callback(
    clients: ClientsDep,
    request: Request,
    integration_id: uuid.UUID,
    x_signature: Annotated[str, Header(description="sha256=<hex HMAC-SHA256 of the body with the secret>")] = "",
) -> ExternalImagePushPublic:
    """A receiver settles a push it answered 202: `{push_id, status: COMPLETED|FAILED,
    error_message?}`, signed with the integration's secret. No bearer token; a bad signature
    is a 401."""
    call = pb.ConfirmPushRequest(integration_id=str(integration_id), body=await request.body(), signature=x_signature)
    try:
        reply = await clients.exports.ConfirmPush(call)
    except grpc.aio.AioRpcError as exc:
        if exc.code() is grpc.StatusCode.UNAUTHENTICATED:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid signature") from None
        raise
    return ExternalImagePushPublic.from_pb(reply)


@router.post(f"{MAPPINGS}", summary="Create External Product Mapping")
async def create_mapping(
    clients: ClientsDep, principal: PrincipalDep, product_id: uuid.UUID, body: ExternalProductMappingCreate
) -> ExternalProductMappingPublic:
    """The product's id in one integration's system (one per integration; 409 for a second)."""
    request = pb.CreateProductMappingRequest(
        product_id=str(product_id), integration_id=str(body.integration_id), external_id=body.external_id
    )
    reply = await clients.exports.CreateProductMapping(request, metadata=principal_metadata(principal))
    return ExternalProductMappingPublic.from_pb(reply)


@router.get(f"{MAPPINGS}", summary="Read External Product Mappings")
async def read_mappings(
    clients: ClientsDep, principal: PrincipalDep, product_id: uuid.UUID
) -> ExternalProductMappingsPublic:
    request = pb.ListProductMappingsRequest(product_id=str(product_id))
    reply = await clients.exports.ListProductMappings(request, metadata=principal_metadata(principal))
    mappings = [ExternalProductMappingPublic.from_pb(m) for m in reply.mappings]
    return ExternalProductMappingsPublic(data=mappings, count=len(mappings))


@router.delete(MAPPINGS + "/{mapping_id}", summary="Delete External Product Mapping")
async def delete_mapping(
    clients: ClientsDep, principal: PrincipalDep, product_id: uuid.UUID, mapping_id: uuid.UUID
) -> Message:
    request = pb.ProductMappingRef(product_id=str(product_id), id=str(mapping_id))
    await clients.exports.DeleteProductMapping(request, metadata=principal_metadata(principal))
    return Message(message="External mapping deleted successfully")
