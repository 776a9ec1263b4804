"""A shooting's productions (E22-E26), its phase (E35) and look statuses (E36), and the shooting
types (supporting surface).

The shootings service owns the rules: visibility (404), the MAIN guards (409), the phase
history. The routes only translate HTTP to the ProductionsService contract and back.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import Query

from gateway.deps import ClientsDep, PageDep, PrincipalDep
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.productions import (
    ProductionKind,
    ProductionRequestStatusPublic,
    ShootingPhaseUpdateRequest,
    ShootingProductionCreate,
    ShootingProductionPublic,
    ShootingProductionsList,
    ShootingProductionUpdate,
    ShootingTypesPublic,
    ShootingTypeWithStatusesPublic,
    kind_to_pb,
)
from gateway.schemas.shootings import ShootingPublic
from platformkit.rpc import principal_metadata
from protos.shootings.v1 import productions_pb2 as pb

router = IndexedRouter()

PRODUCTIONS = "/shootings/{shooting_id}/productions"
PRODUCTION = PRODUCTIONS + "/{production_id}"
TAGS: list[str | Enum] = ["shootings"]


@router.post(PRODUCTIONS, summary="Create Shooting Production", tags=TAGS)
async def create_shooting_production(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: ShootingProductionCreate
) -> ShootingProductionPublic:
    """Create a MAIN or TEST production. It takes a snapshot of the shooting's default guidelines.
    MAIN: at most one live MAIN, a live TEST first when the shooting requires a test shooting
    (409 otherwise), and the shooting moves to PRODUCTION with the caller recorded."""
    request = pb.CreateProductionRequest(shooting_id=str(shooting_id), kind=kind_to_pb(body.kind))
    reply = await clients.productions.CreateProduction(request, metadata=principal_metadata(principal))
    return ShootingProductionPublic.from_pb(reply)


@router.get(PRODUCTIONS, summary="List Shooting Productions", tags=TAGS)
async def list_shooting_productions(
    clients: ClientsDep,
    principal: PrincipalDep,
    shooting_id: uuid.UUID,
    include_deleted: bool = False,
    kind: Annotated[ProductionKind | None, Query(description="Filter by MAIN or TEST.")] = None,
) -> ShootingProductionsList:
    """Every matching production, oldest first; no paging, so `count` is the number of rows."""
    request = pb.ListProductionsRequest(
        shooting_id=str(shooting_id), include_deleted=include_deleted, kind=kind_to_pb(kind) if kind else None
    )
    reply = await clients.productions.ListProductions(request, metadata=principal_metadata(principal))
    return ShootingProductionsList(
        data=[ShootingProductionPublic.from_pb(p) for p in reply.productions], count=reply.count
    )


def _ref(shooting_id: uuid.UUID, production_id: uuid.UUID) -> pb.ProductionRef:
    return pb.ProductionRef(shooting_id=str(shooting_id), production_id=str(production_id))


@router.get(PRODUCTION, summary="Read Shooting Production", tags=TAGS)
async def read_shooting_production(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, production_id: uuid.UUID
) -> ShootingProductionPublic:
    """A live production of the shooting (a deleted one is listed with `include_deleted` only)."""
    reply = await clients.productions.GetProduction(
        _ref(shooting_id, production_id), metadata=principal_metadata(principal)
    )
    return ShootingProductionPublic.from_pb(reply)


@router.patch(PRODUCTION, summary="Update Shooting Production", tags=TAGS)
async def update_shooting_production(
    clients: ClientsDep,
    principal: PrincipalDep,
    shooting_id: uuid.UUID,
    production_id: uuid.UUID,
    body: ShootingProductionUpdate,
) -> ShootingProductionPublic:
    """Only `archived` is mutable; guidelines change through the shooting (automatic re-bake)."""
    reply = await clients.productions.UpdateProduction(
        body.to_pb(shooting_id, production_id), metadata=principal_metadata(principal)
    )
    return ShootingProductionPublic.from_pb(reply)


@router.delete(PRODUCTION, summary="Delete Shooting Production", tags=TAGS)
async def delete_shooting_production(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, production_id: uuid.UUID
) -> Message:
    """Soft delete, always allowed: MAIN and TEST, in any phase (the phase does not move)."""
    await clients.productions.DeleteProduction(_ref(shooting_id, production_id), metadata=principal_metadata(principal))
    return Message(message="Production deleted successfully")


@router.patch("/shootings/{shooting_id}/phase", summary="Update Shooting Phase", tags=TAGS)
async def update_shooting_phase(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: ShootingPhaseUpdateRequest
) -> ShootingPublic:
    """Append a phase change row; idempotent (no row when the phase is unchanged); any phase may
    follow any other. Entering PRODUCTION creates MAIN when none is live, under the MAIN guards
    (409 when the shooting requires a TEST production first)."""
    reply = await clients.productions.UpdateShootingPhase(
        body.to_pb(shooting_id), metadata=principal_metadata(principal)
    )
    return ShootingPublic.from_pb(reply)


@router.get(
    "/shootings/{shooting_id}/production-request-statuses",
    summary="List Shooting Production Request Statuses",
    tags=TAGS,
)
async def list_shooting_production_request_statuses(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID
) -> list[ProductionRequestStatusPublic]:
    """The look statuses valid for the shooting's type, by `sorting` ascending (worst to best)."""
    reply = await clients.productions.ListStatusKeys(
        pb.ShootingRef(shooting_id=str(shooting_id)), metadata=principal_metadata(principal)
    )
    return [ProductionRequestStatusPublic.from_pb(s) for s in reply.statuses]


@router.get("/shooting-types/", summary="Read Shooting Types", tags=["shooting-types"])
async def read_shooting_types(clients: ClientsDep, principal: PrincipalDep, page: PageDep) -> ShootingTypesPublic:
    """Every shooting type (archived ones flagged) with its look statuses, worst to best."""
    request = pb.ListShootingTypesRequest(page=page.to_pb())
    reply = await clients.productions.ListShootingTypes(request, metadata=principal_metadata(principal))
    return ShootingTypesPublic(
        data=[ShootingTypeWithStatusesPublic.from_type_pb(t) for t in reply.shooting_types], count=reply.count
    )
