"""Generations: E20 and E21 on a look, reads of generation records (see
:mod:`gateway.schemas.generations` for where orchestration lives and why)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Body, Query

from gateway.clients import ServiceClients
from gateway.deps import ClientsDep, PrincipalDep
from gateway.errors import GENERATION_QUOTA, too_many_requests
from gateway.field_locations import rest_names
from gateway.media import MediaDep
from gateway.outfit_composition import catalog_entries, look_outfits
from gateway.route_index import IndexedRouter
from gateway.schemas.generations import (
    GenerationPlanner,
    GenerationPublic,
    GenerationsPublic,
    StartGenerationsRequest,
    StartGenerationsResponse,
    StartShotTypeGenerationsRequest,
    StartShotTypeGenerationsResponse,
    preset_ids,
)
from platformkit.errors import NotFound
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import looks_pb2
from protos.shots.v1 import shots_pb2 as pb

router = IndexedRouter(tags=["generations"])
looks_router = IndexedRouter(prefix="/shootings/production-requests", tags=["shootings"])


async def _look(clients: ServiceClients, principal: common_pb2.Principal, look_id: str) -> looks_pb2.LooksPage:
    """404 when the look or its shooting is gone or hidden (R120, R123)."""
    return await clients.look_queries.GetLook(  # type: ignore[no-any-return]
        looks_pb2.GetLookRequest(id=look_id), metadata=principal_metadata(principal)
    )


# StartGenerationsRequest.specs are the public `generations` (their index and fields as they are).
GENERATION_SPECS = {"specs": ("body", "generations")}


async def start_for_shots(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    look_id: str,
    shots: Sequence[pb.Shot] | None,
    count: int,
    num_predictions: int = 1,
    model_id: str | None = None,
    *,
    explicit: bool = False,
    owner_only: bool = True,
) -> pb.StartGenerationsResponse:
    """Start ``count`` generations per shot of the look (all its shots when ``shots`` is None),
    styled with the look's outfit (R117), owner only (R11) unless a look command that authorised
    its caller starts them; the shots service skips back views and shots without a base image,
    or, for an ``explicit`` shot-level request, refuses what it cannot generate (409)."""
    metadata = principal_metadata(principal)
    page, outfits = await asyncio.gather(
        _look(clients, principal, look_id), look_outfits(clients, principal, [look_id])
    )
    presets = await catalog_entries(clients, principal, preset_ids(page))
    [planner] = GenerationPlanner.for_page(page, outfits, presets)
    if shots is None:
        listed = await clients.shots.ListShotsByLooks(pb.ListShotsByLooksRequest(look_ids=[look_id]), metadata=metadata)
        shots = list(listed.shots)
    specs = planner.specs(shots, count, num_predictions)
    if model_id is not None:
        for spec in specs:
            spec.model_id = model_id
    return await clients.shots.StartGenerations(  # type: ignore[no-any-return]
        pb.StartGenerationsRequest(specs=specs, owner_only=owner_only, explicit=explicit), metadata=metadata
    )


@looks_router.post(
    "/{production_request_id}/start-generations",
    summary="Start Production Request Generations",
    responses=too_many_requests(GENERATION_QUOTA),
)
@rest_names(GENERATION_SPECS)
async def start_generations(
    clients: ClientsDep,
    principal: PrincipalDep,
    production_request_id: uuid.UUID,
    request_in: Annotated[StartGenerationsRequest | None, Body()] = None,
) -> StartGenerationsResponse:
    """E20 (R115-R120): every shot type of the look except back views and those the subject has
    no base image for; returns at once, ``generation_ids`` empty (R119: poll the shot's generations)."""
    count = (request_in or StartGenerationsRequest()).generations_per_shot_type
    started = await start_for_shots(clients, principal, str(production_request_id), None, count)
    return StartGenerationsResponse(
        message=f"Started {len(started.generations)} generations; {len(started.skipped)} shot types skipped",
        production_request_id=production_request_id,
        generation_ids=[],
        generations_per_shot_type=count,
    )


@looks_router.post(
    "/{production_request_id}/start-shot-type-generations",
    summary="Start Shot Type Generations",
    responses=too_many_requests(GENERATION_QUOTA),
)
@rest_names(GENERATION_SPECS)
async def start_shot_type_generations(
    clients: ClientsDep,
    principal: PrincipalDep,
    production_request_id: uuid.UUID,
    request_in: StartShotTypeGenerationsRequest,
) -> StartShotTypeGenerationsResponse:
    """E21 (R121-R124): one shot type of the look (404 when the look has none of it)."""
    look_id = str(production_request_id)
    await _look(clients, principal, look_id)  # 404 for a hidden look comes before the shot type's
    listed = await clients.shots.ListShotsByLooks(
        pb.ListShotsByLooksRequest(look_ids=[look_id]), metadata=principal_metadata(principal)
    )
    shots = [s for s in listed.shots if s.shot_type_id == str(request_in.shot_type_id)]
    if not shots:
        raise NotFound("Shot type not found")
    started = await start_for_shots(clients, principal, look_id, shots, request_in.generations_count)
    skipped = f" (skipped: {started.skipped[0].reason})" if started.skipped else ""
    return StartShotTypeGenerationsResponse(
        message=f"Started {len(started.generations)} generations{skipped}",
        production_request_id=production_request_id,
        shot_type_id=request_in.shot_type_id,
        generation_ids=[uuid.UUID(g.id) for g in started.generations],
        generations_count=request_in.generations_count,
    )


@router.get("/generations/{generation_id}", summary="Get Generation")
async def get_generation(
    clients: ClientsDep, principal: PrincipalDep, generation_id: uuid.UUID, _: MediaDep
) -> GenerationPublic:
    generation = await clients.shots.GetGeneration(
        common_pb2.IdRequest(id=str(generation_id)), metadata=principal_metadata(principal)
    )
    return GenerationPublic.from_pb(generation)


@router.get("/generations/", summary="List Generations")
async def list_generations(
    clients: ClientsDep, principal: PrincipalDep, shot_id: Annotated[uuid.UUID, Query()], _: MediaDep
) -> GenerationsPublic:
    """A shot's generations, newest first (404 for a shot the caller cannot see)."""
    metadata = principal_metadata(principal)
    await clients.shots.GetShot(common_pb2.IdRequest(id=str(shot_id)), metadata=metadata)
    reply = await clients.shots.ListGenerations(pb.ListGenerationsRequest(shot_id=str(shot_id)), metadata=metadata)
    data = [GenerationPublic.from_pb(g) for g in reply.generations]
    return GenerationsPublic(data=data, count=len(data))
