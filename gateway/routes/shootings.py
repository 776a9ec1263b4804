"""Shootings: create, list, read (full and header), update, soft delete and admin restore.

Every call crosses to the shootings service over gRPC with the caller's principal; the service
enforces ownership and organization scoping on its own data.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from gateway.answers import json_response
from gateway.answers.shootings import header_fields
from gateway.deps import ClientsDep, OrganizationQuery, PageDep, PrincipalDep, SessionDep, SessionsDep
from gateway.field_locations import ORGANIZATION_IN_BODY_OR_QUERY, rest_names
from gateway.protoconv import with_organization
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.shootings import (
    ShootingCreate,
    ShootingHeaderPublic,
    ShootingPublic,
    ShootingsPublic,
    ShootingStatusFilter,
    ShootingUpdate,
)
from gateway.stylists import ensure_stylist, stylist_summary
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2 as pb

router = IndexedRouter(prefix="/shootings", tags=["shootings"])


@router.post("/", summary="Create Shooting")
@rest_names(ORGANIZATION_IN_BODY_OR_QUERY)
async def create_shooting(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    body: ShootingCreate,
    organization_id: OrganizationQuery = None,
) -> ShootingPublic:
    """Create a shooting. PRODUCTION (default) creates the MAIN production at once; BRIEF skips it.
    Inline `default_guidelines` creates a template in the same transaction (exclusive with
    `default_guidelines_id`). `require_test_shooting` blocks MAIN until a TEST production exists."""
    if body.default_guidelines is not None:
        await ensure_stylist(session, body.default_guidelines.stylist_id, ("body", "default_guidelines", "stylist_id"))
    reply = await clients.shootings.CreateShooting(body.to_pb(organization_id), metadata=principal_metadata(principal))
    return ShootingPublic.from_pb(reply)


@router.get("/", summary="Read Shootings")
async def read_shootings(
    clients: ClientsDep,
    principal: PrincipalDep,
    page: PageDep,
    organization_id: OrganizationQuery = None,
    statuses: Annotated[list[ShootingStatusFilter] | None, Query()] = None,
) -> ShootingsPublic:
    """The organization's shootings with `organization_id`, otherwise the caller's personal ones;
    `statuses` filters by computed status (OR'd; WITHOUT_STATUS: no looks or no shots)."""
    request = with_organization(
        pb.ListShootingsRequest(statuses=[s.value for s in statuses or []], page=page.to_pb()), organization_id
    )
    reply = await clients.shootings.ListShootings(request, metadata=principal_metadata(principal))
    return ShootingsPublic(data=[ShootingPublic.from_pb(s) for s in reply.shootings], count=reply.count)


def _get_request(shooting_id: uuid.UUID, organization_id: uuid.UUID | None) -> pb.GetShootingRequest:
    return with_organization(pb.GetShootingRequest(id=str(shooting_id)), organization_id)


@router.get("/{shooting_id}", summary="Read Shooting")
async def read_shooting(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, organization_id: OrganizationQuery = None
) -> ShootingPublic:
    reply = await clients.shootings.GetShooting(
        _get_request(shooting_id, organization_id), metadata=principal_metadata(principal)
    )
    return ShootingPublic.from_pb(reply)


@router.get("/{shooting_id}/header", summary="Read Shooting Header", response_model=ShootingHeaderPublic)
async def read_shooting_header(
    clients: ClientsDep,
    principal: PrincipalDep,
    sessions: SessionsDep,
    shooting_id: uuid.UUID,
    organization_id: OrganizationQuery = None,
) -> Response:
    """Identity, owner/organization, due date and the template's chips; constant work whatever the
    shooting holds (no productions, looks or shots are read)."""
    reply = await clients.shootings.GetShootingHeader(
        _get_request(shooting_id, organization_id), metadata=principal_metadata(principal)
    )
    stylist = await stylist_summary(sessions, reply.default_guidelines.stylist_id or None)
    return json_response(header_fields(reply, stylist and stylist.model_dump(mode="json")))


@rest_names(patch=("body",))
async def _update(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: ShootingUpdate
) -> ShootingPublic:
    reply = await clients.shootings.UpdateShooting(body.to_pb(shooting_id), metadata=principal_metadata(principal))
    return ShootingPublic.from_pb(reply)


router.put("/{shooting_id}", summary="Update Shooting")(_update)
router.patch("/{shooting_id}", summary="Update Shooting (partial)")(_update)


@router.delete("/{shooting_id}", summary="Delete Shooting")
async def delete_shooting(clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID) -> Message:
    """Soft delete; the shooting's productions (and looks) go with it."""
    await clients.shootings.DeleteShooting(
        common_pb2.IdRequest(id=str(shooting_id)), metadata=principal_metadata(principal)
    )
    return Message(message="Shooting deleted successfully")


@router.post("/{shooting_id}/restore", summary="Restore Shooting")
async def restore_shooting(clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID) -> Message:
    """Admin only: revives the shooting and the descendants its deletion took with it."""
    await clients.shootings.RestoreShooting(
        common_pb2.IdRequest(id=str(shooting_id)), metadata=principal_metadata(principal)
    )
    return Message(message="Shooting restored successfully")
