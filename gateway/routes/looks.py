"""Looks (production requests): creation (E8 and the one-look overview endpoint).

Answers are composed from the looks and the catalog entries they name (shootings service) and
their shots (shots service), a constant number of calls whatever the request holds.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from gateway.deps import ClientsDep, PrincipalDep
from gateway.schemas.looks import (
    GenerateProductionRequestsRequest,
    GenerateProductionRequestsResponse,
    GenerationCreationResult,
    LookComposer,
    LookCreate,
    ProductionRequestPublic,
)
from platformkit.rpc import principal_metadata

router = APIRouter(prefix="/shootings", tags=["shootings"])


@router.post("/{shooting_id}/production-requests", summary="Create Production Requests")
async def create_production_requests(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: GenerateProductionRequestsRequest
) -> GenerateProductionRequestsResponse:
    """Create looks from the gender-compatible subject x product combinations, one shot per shot
    type each, in the target production (MAIN by default; 409 without one). All or nothing."""
    reply = await clients.looks.CreateLooks(
        body.to_pb(shooting_id), metadata=principal_metadata(principal), timeout=120
    )
    composer = LookComposer(reply.page, list(reply.page.shots), {})
    return GenerateProductionRequestsResponse(
        production_requests=[composer.public(look) for look in reply.page.looks],
        generation_results=[
            GenerationCreationResult(
                shot_id=g.shot_id, production_request_id=g.production_request_id, generation_id=g.generation_id
            )
            for g in reply.generation_results
        ],
        total_generations_created=reply.total_generations_created,
    )


@router.post("/{shooting_id}/looks", summary="Add Look To Shooting")
async def create_look(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: LookCreate
) -> ProductionRequestPublic:
    """One look: a core product worn by a subject, one shot per shot type."""
    page = await clients.looks.CreateLook(body.to_pb(shooting_id), metadata=principal_metadata(principal))
    return LookComposer(page, list(page.shots), {}).public(page.looks[0])
