"""Guidelines templates: the reusable brief a shooting names as its default guidelines.

Scoping as for shootings: the caller's personal templates, or an organization's with
`organization_id`. Editing a template re-bakes the snapshot of every live production whose
shooting uses it.
"""

from __future__ import annotations

import uuid

from gateway.deps import ClientsDep, OrganizationQuery, PageDep, PrincipalDep, SessionDep
from gateway.field_locations import rest_names
from gateway.protoconv import with_organization
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.guidelines import (
    ShootingGuidelinesCreate,
    ShootingGuidelinesList,
    ShootingGuidelinesPublic,
    ShootingGuidelinesUpdate,
)
from gateway.stylists import ensure_stylist
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import guidelines_pb2 as gpb

router = IndexedRouter(prefix="/guidelines", tags=["guidelines"])


@router.post("/", summary="Create Guidelines")
@rest_names(guidelines=("body",), query_organization_id=("query", "organization_id"))
async def create_guidelines(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    body: ShootingGuidelinesCreate,
    organization_id: OrganizationQuery = None,
) -> ShootingGuidelinesPublic:
    """A template with its shot-type rule groups, created in one transaction (R28)."""
    await ensure_stylist(session, body.stylist_id, ("body", "stylist_id"))
    request = with_organization(
        gpb.CreateGuidelinesRequest(guidelines=body.to_pb()), organization_id, "query_organization_id"
    )
    reply = await clients.guidelines.CreateGuidelines(request, metadata=principal_metadata(principal))
    return ShootingGuidelinesPublic.from_pb(reply)


@router.get("/", summary="Read Guidelines")
async def read_guidelines(
    clients: ClientsDep, principal: PrincipalDep, page: PageDep, organization_id: OrganizationQuery = None
) -> ShootingGuidelinesList:
    request = with_organization(gpb.ListGuidelinesRequest(page=page.to_pb()), organization_id)
    reply = await clients.guidelines.ListGuidelines(request, metadata=principal_metadata(principal))
    return ShootingGuidelinesList(
        data=[ShootingGuidelinesPublic.from_pb(g) for g in reply.guidelines], count=reply.count
    )


@router.get("/{guidelines_id}", summary="Read One Guidelines")
async def read_one_guidelines(
    clients: ClientsDep, principal: PrincipalDep, guidelines_id: uuid.UUID
) -> ShootingGuidelinesPublic:
    reply = await clients.guidelines.GetGuidelines(
        common_pb2.IdRequest(id=str(guidelines_id)), metadata=principal_metadata(principal)
    )
    return ShootingGuidelinesPublic.from_pb(reply)


@router.patch("/{guidelines_id}", summary="Update Guidelines")
@rest_names(patch=("body",))
async def update_guidelines(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    guidelines_id: uuid.UUID,
    body: ShootingGuidelinesUpdate,
) -> ShootingGuidelinesPublic:
    """Partial update; `shot_type_rules` replaces every group; productions re-bake their snapshot (R42)."""
    await ensure_stylist(session, body.stylist_id, ("body", "stylist_id"))
    request = gpb.UpdateGuidelinesRequest(id=str(guidelines_id), patch=body.to_pb())
    request.update_mask.paths.extend(body.mask())
    reply = await clients.guidelines.UpdateGuidelines(request, metadata=principal_metadata(principal))
    return ShootingGuidelinesPublic.from_pb(reply)


@router.delete("/{guidelines_id}", summary="Delete Guidelines")
async def delete_guidelines(clients: ClientsDep, principal: PrincipalDep, guidelines_id: uuid.UUID) -> Message:
    """Soft delete; shootings that name the template keep it (shown with its `deleted_at`)."""
    await clients.guidelines.DeleteGuidelines(
        common_pb2.IdRequest(id=str(guidelines_id)), metadata=principal_metadata(principal)
    )
    return Message(message="Guidelines deleted successfully")
