"""Looks (production requests): creation (E8 and the one-look overview endpoint), update (E13,
PUT and PATCH alike), soft delete (E14) and admin restore (E16).

Answers are composed from the looks and the catalog entries they name (shootings service), their
shots (shots service) and their assignees (identity, here), a constant number of calls whatever
the request holds.
"""

from __future__ import annotations

import asyncio
import uuid

import grpc
from fastapi import HTTPException, Response, status

from gateway.answers import json_response
from gateway.answers.looks import LookAnswers
from gateway.assignees import assignee_summaries, ensure_assignee
from gateway.deps import ClientsDep, PrincipalDep, SessionDep
from gateway.errors import GENERATION_QUOTA, RETRY_AFTER_SECONDS, too_many_requests
from gateway.field_locations import rest_names
from gateway.outfit_composition import catalog_entries, look_outfits
from gateway.outfit_references import resolve_configured_references
from gateway.push_composition import shots_view
from gateway.revision_owners import revisions_of, with_owners
from gateway.route_index import IndexedRouter
from gateway.routes.generations import GENERATION_SPECS, start_for_shots
from gateway.schemas.common import Message
from gateway.schemas.generations import GenerationPlanner, preset_ids
from gateway.schemas.look_updates import ProductionRequestUpdate
from gateway.schemas.looks import (
    GenerateProductionRequestsRequest,
    GenerateProductionRequestsResponse,
    LookCreate,
    ProductionRequestPublic,
)
from platformkit.rpc import principal_metadata
from protos.shootings.v1 import looks_pb2 as pb
from protos.shots.v1 import shots_pb2

router = IndexedRouter(prefix="/shootings", tags=["shootings"])
LOOK_PATH = "/{shooting_id}/production-requests/{production_request_id}"
# CreateLooksRequest.defaults are the public `default_*` fields.
LOOK_DEFAULTS = {
    f"defaults.{name}": ("body", f"default_{name}")
    for name in ("style_id", "resolution_preset_id", "background_preset_id", "export_configuration_id")
}


@router.post(
    "/{shooting_id}/production-requests",
    summary="Create Production Requests",
    response_model=GenerateProductionRequestsResponse,
    responses=too_many_requests(GENERATION_QUOTA),
)
@rest_names({**LOOK_DEFAULTS, **GENERATION_SPECS})
async def create_production_requests(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: GenerateProductionRequestsRequest
) -> Response:
    """Create looks from the gender-compatible subject x product combinations, one shot per shot
    type each, in the target production (MAIN by default; 409 without one). All or nothing: the
    outfits' MediaInput references are checked, and with ``generate_base_images`` the generation
    quota must have room for one image per new shot (429 otherwise), before anything is created."""
    metadata = principal_metadata(principal)
    await resolve_configured_references(clients, principal, shooting_id, body.product_outfit_configs or [])
    if body.generate_base_images:
        budget = shots_pb2.CheckGenerationBudgetRequest(shooting_id=str(shooting_id), images=body.most_new_shots)
        await clients.shots.CheckGenerationBudget(budget, metadata=metadata)
    reply = await clients.looks.CreateLooks(body.to_pb(shooting_id), metadata=metadata, timeout=120)
    answers = LookAnswers(reply.page, reply.page.shots, {})
    generations = (
        await _base_image_generations(clients, principal, reply.page, metadata) if body.generate_base_images else []
    )
    return json_response(
        {
            "production_requests": [answers.public(look) for look in reply.page.looks],
            "generation_results": [
                {"shot_id": g.shot_id, "production_request_id": g.look_id, "generation_id": g.id} for g in generations
            ],
            "total_generations_created": len(generations),
        }
    )


async def _base_image_generations(  # type: ignore[no-untyped-def]
    clients: ClientsDep, principal: PrincipalDep, page: pb.LooksPage, metadata
) -> list[shots_pb2.GenerationRef]:
    """R68-R69: one generation per new shot, queued at once (records returned, rendering later).
    The shots service skips back views and shot types the subject has no base image for."""
    shots_by_look: dict[str, list[shots_pb2.Shot]] = {}
    for shot in page.shots:
        shots_by_look.setdefault(shot.look_id, []).append(shot)
    presets = await catalog_entries(clients, principal, preset_ids(page))
    specs = [
        spec
        for planner in GenerationPlanner.for_page(page, presets=presets)
        for spec in planner.specs(shots_by_look.get(planner.look.id, []), count=1)
    ]
    if not specs:
        return []
    started = await clients.shots.StartGenerations(
        shots_pb2.StartGenerationsRequest(specs=specs, owner_only=False), metadata=metadata, timeout=120
    )
    return list(started.generations)


@router.post("/{shooting_id}/looks", summary="Add Look To Shooting", response_model=ProductionRequestPublic)
# The one look is created as a batch of one: its product and subject are the batch's lists.
@rest_names(LOOK_DEFAULTS, product_ids=("body", "main_product_id"), subject_ids=("body", "subject_id"))
async def create_look(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, body: LookCreate
) -> Response:
    """One look: a core product worn by a subject, one shot per shot type."""
    page = await clients.looks.CreateLook(body.to_pb(shooting_id), metadata=principal_metadata(principal))
    return json_response(LookAnswers(page, page.shots, {}).public(page.looks[0]))


@rest_names(GENERATION_SPECS)
async def update_production_request(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    shooting_id: uuid.UUID,
    production_request_id: uuid.UUID,
    body: ProductionRequestUpdate,
) -> Response:
    """PUT with PATCH semantics (A13): absent keys stay unchanged, an explicit null applies
    (`use_subject_mannequin_double: null` is AUTO, R100). A preset and a custom size clear each
    other (R97); changing `shot_type_ids` creates and deletes the matching shots (A36), and with
    `auto_generate` (default true, R101) starts one generation for each new shot as E21 would
    (back views and shot types without a base image skipped)."""
    await ensure_assignee(session, body.assignee_id, ("body", "assignee_id"))
    page = await clients.looks.UpdateLook(
        body.to_pb(shooting_id, production_request_id), metadata=principal_metadata(principal), timeout=60
    )
    if body.auto_generate and page.created_shot_ids:
        await _generate_new_shots(clients, principal, page)
    assignees = await assignee_summaries(session, page.looks)
    outfits, pushes = await asyncio.gather(
        look_outfits(clients, principal, [look.id for look in page.looks]), shots_view(clients, principal, page.shots)
    )
    view = await with_owners(session, pushes, revisions_of(page.shots))
    return json_response(LookAnswers(page, page.shots, assignees, outfits, view).public(page.looks[0]))


router.put(
    LOOK_PATH,
    summary="Update Production Request",
    response_model=ProductionRequestPublic,
    responses=too_many_requests(GENERATION_QUOTA),
)(update_production_request)
router.patch(
    LOOK_PATH,
    summary="Update Production Request (partial)",
    response_model=ProductionRequestPublic,
    responses=too_many_requests(GENERATION_QUOTA),
)(update_production_request)


async def _generate_new_shots(clients: ClientsDep, principal: PrincipalDep, page: pb.LooksPage) -> None:
    """The update is committed; its new shots are generated with the update's own authority (as
    E8 generates the shots of the looks it creates). A shots service that fails now leaves the
    update in place: the 503 says so, and E20/E21 start the generations later."""
    created = set(page.created_shot_ids)
    shots = [shot for shot in page.shots if shot.id in created]
    try:
        await start_for_shots(clients, principal, page.looks[0].id, shots, count=1, owner_only=False)
    except grpc.aio.AioRpcError as exc:
        if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The look was updated, but generating its new shots could not start: start them with start-generations",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc


def _look_ref(shooting_id: uuid.UUID, production_request_id: uuid.UUID) -> pb.LookRef:
    return pb.LookRef(shooting_id=str(shooting_id), id=str(production_request_id))


@router.delete(LOOK_PATH, summary="Delete Production Request")
async def delete_production_request(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, production_request_id: uuid.UUID
) -> Message:
    """Soft delete (R103); its shots stay in the shots service but no read shows them."""
    await clients.looks.DeleteLook(
        _look_ref(shooting_id, production_request_id), metadata=principal_metadata(principal)
    )
    return Message(message="Production request deleted successfully")


@router.post(f"{LOOK_PATH}/restore", summary="Restore Production Request")
async def restore_production_request(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, production_request_id: uuid.UUID
) -> Message:
    """Admin only (R104, A23): clears this look's `deleted_at`; 409 while its shooting or
    production is deleted."""
    await clients.looks.RestoreLook(
        _look_ref(shooting_id, production_request_id), metadata=principal_metadata(principal)
    )
    return Message(message="Production request restored successfully")
