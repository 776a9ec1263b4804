"""Outfits: a look's reusable outfits (E15), manual and finalized outfits (E18, E19), and the
overview endpoints GET/POST /outfits/ and GET /outfits/{id} (D0.12).

Outfits live in the outfits service; E18 and E19 answer the whole look, composed like every look
response (look, entries, shots, assignees, outfits). Mounted before the shootings router: its
literal paths (``/shootings/production-requests/...``) must win over ``/shootings/{shooting_id}``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients import ServiceClients
from gateway.deps import ClientsDep, OrganizationQuery, PageDep, PrincipalDep, SessionDep
from gateway.field_locations import rest_names
from gateway.outfit_composition import catalog_entries, product_ids
from gateway.protoconv import with_organization
from gateway.route_index import IndexedRouter
from gateway.routes.look_reads import compose
from gateway.schemas.looks import ProductionRequestPublic
from gateway.schemas.outfits import (
    FinalizeOutfitRequest,
    ManualOutfitCreate,
    OutfitCreate,
    ProductionRequestOutfitPublic,
    ProductionRequestOutfitsPublic,
    ReusableOutfitMatch,
)
from gateway.schemas.products import ProductPublic
from gateway.schemas.shootings import SHOT_STATUS_KEYS
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.outfits.v1 import outfits_pb2 as pb
from protos.shootings.v1 import looks_pb2
from protos.shots.v1 import shots_pb2

router = IndexedRouter(tags=["shootings"])
overview = IndexedRouter(prefix="/outfits", tags=["outfits"])

OptionalId = Annotated[uuid.UUID | None, Query()]
_RANK = {status: rank for rank, status in enumerate(SHOT_STATUS_KEYS)}


async def _look(
    clients: ServiceClients, principal: common_pb2.Principal, session: AsyncSession, look_id: uuid.UUID
) -> ProductionRequestPublic:
    page = await clients.look_queries.GetLook(
        looks_pb2.GetLookRequest(id=str(look_id)), metadata=principal_metadata(principal)
    )
    answers = await compose(clients, principal, session, page, revisions=True)
    return ProductionRequestPublic.model_validate(answers.public(page.looks[0]))


async def _public(
    clients: ServiceClients, principal: common_pb2.Principal, outfits: list[pb.Outfit]
) -> list[ProductionRequestOutfitPublic]:
    entries = await catalog_entries(clients, principal, product_ids(outfits))
    return [ProductionRequestOutfitPublic.from_pb(o, entries) for o in outfits]


@router.get(
    "/shootings/{shooting_id}/production-requests/{production_request_id}/reusable-outfits",
    summary="Get Reusable Outfits For Production Request",
)
async def get_reusable_outfits(
    clients: ClientsDep,
    principal: PrincipalDep,
    shooting_id: uuid.UUID,
    production_request_id: uuid.UUID,
    organization_id: OrganizationQuery = None,
) -> list[ReusableOutfitMatch]:
    """Find all finalized outfits in sibling production_requests that contain this look's core
    product, sorted by the most advanced shot status of each source look (descending), so the
    furthest-along look comes first."""
    request = with_organization(
        pb.ReusableOutfitsRequest(shooting_id=str(shooting_id), look_id=str(production_request_id)),
        organization_id,
    )
    metadata = principal_metadata(principal)
    reply = await clients.outfits.ListReusableOutfits(request, metadata=metadata)
    if not reply.matches:
        return []
    sources = list(dict.fromkeys(m.source_look_id for m in reply.matches))
    ids = [*(m.source_product_id for m in reply.matches), *product_ids(m.outfit for m in reply.matches)]
    shots, entries = await asyncio.gather(
        clients.shots.ListShotsByLooks(shots_pb2.ListShotsByLooksRequest(look_ids=sources), metadata=metadata),
        catalog_entries(clients, principal, list(dict.fromkeys(ids))),
    )
    best: dict[str, int] = {}
    for shot in shots.shots:
        rank = _RANK.get(shot.status, -1)
        best[shot.look_id] = max(best.get(shot.look_id, -1), rank)
    matches = sorted(reply.matches, key=lambda m: -best.get(m.source_look_id, -1))
    return [
        ReusableOutfitMatch(
            source_production_request_id=uuid.UUID(m.source_look_id),
            source_product=ProductPublic.from_entry(entries[m.source_product_id])
            if m.source_product_id in entries
            else None,
            outfit=ProductionRequestOutfitPublic.from_pb(m.outfit, entries),
        )
        for m in matches
    ]


@router.post(
    "/shootings/production-requests/{production_request_id}/outfit",
    summary="Create Manual Outfit For Production Request",
)
@rest_names(fields=("body",))
async def create_manual_outfit(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    production_request_id: uuid.UUID,
    body: ManualOutfitCreate,
) -> ProductionRequestPublic:
    """Create a manual outfit for a look and set it as THE outfit (not a proposal); every existing
    outfit proposal is deleted. The owner or a member of the look's organization."""
    await clients.outfits.CreateManualOutfit(
        pb.OutfitInput(look_id=str(production_request_id), fields=body.fields_pb()),
        metadata=principal_metadata(principal),
    )
    return await _look(clients, principal, session, production_request_id)


@router.post(
    "/shootings/production-requests/{production_request_id}/finalize-outfit",
    summary="Finalize Production Request Outfit",
)
@rest_names(fields=("body",))
async def finalize_outfit(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    production_request_id: uuid.UUID,
    body: FinalizeOutfitRequest,
) -> ProductionRequestPublic:
    """Finalize the look's outfit: Option A selects one of its proposals (`outfit_id`), Option B
    creates a new outfit from the creation fields; exactly one of them (400 otherwise). The chosen
    outfit becomes THE outfit and all other proposals are deleted. Owner of the shooting only
    (403); 404 for an unknown look or outfit; 400 for an outfit of another look."""
    await clients.outfits.FinalizeOutfit(body.to_pb(production_request_id), metadata=principal_metadata(principal))
    return await _look(clients, principal, session, production_request_id)


@overview.get("/", summary="List Outfits")
async def list_outfits(
    clients: ClientsDep,
    principal: PrincipalDep,
    page: PageDep,
    organization_id: OrganizationQuery = None,
    shooting_id: OptionalId = None,
    production_request_id: OptionalId = None,
) -> ProductionRequestOutfitsPublic:
    """Outfits and proposals of the organization's looks with `organization_id`, else of the
    caller's personal shootings; newest first."""
    request = pb.ListOutfitsRequest(page=page.to_pb())
    for name, given in (
        ("organization_id", organization_id),
        ("shooting_id", shooting_id),
        ("look_id", production_request_id),
    ):
        if given is not None:
            setattr(request, name, str(given))
    reply = await clients.outfits.ListOutfits(request, metadata=principal_metadata(principal))
    return ProductionRequestOutfitsPublic(
        data=await _public(clients, principal, list(reply.outfits)), count=reply.count
    )


@overview.post("/", summary="Create Outfit")
@rest_names(fields=("body",))
async def create_outfit(
    clients: ClientsDep, principal: PrincipalDep, body: OutfitCreate
) -> ProductionRequestOutfitPublic:
    """A proposal for the look `production_request_id` (THE outfit stays as it is)."""
    outfit = await clients.outfits.CreateProposal(
        pb.OutfitInput(look_id=str(body.production_request_id), fields=body.fields_pb()),
        metadata=principal_metadata(principal),
    )
    return (await _public(clients, principal, [outfit]))[0]


@overview.get("/{outfit_id}", summary="Get Outfit")
async def get_outfit(
    clients: ClientsDep, principal: PrincipalDep, outfit_id: uuid.UUID
) -> ProductionRequestOutfitPublic:
    outfit = await clients.outfits.GetOutfit(
        common_pb2.IdRequest(id=str(outfit_id)), metadata=principal_metadata(principal)
    )
    return (await _public(clients, principal, [outfit]))[0]
