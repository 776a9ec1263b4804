"""Shots and revisions (E37-E41, E43, E45-E47, E50) and the overview PATCH, approve, reject and
generate endpoints. The shots service owns the rules; answers are composed with the shot types
the shots name (one catalog call per answer, whatever it holds)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Annotated

import grpc
from fastapi import Body, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.answers.shots import NO_PUSHES
from gateway.clients import ServiceClients
from gateway.deps import ClientsDep, OrganizationQuery, PageDep, PrincipalDep, SessionDep
from gateway.errors import GENERATION_QUOTA, HTTPError, too_many_requests
from gateway.field_locations import rest_names
from gateway.media import MediaDep
from gateway.media.uploads import resolve_images
from gateway.push_composition import push_view, shots_view
from gateway.revision_owners import revisions_of, with_owners
from gateway.route_index import IndexedRouter
from gateway.routes.generations import GENERATION_SPECS, start_for_shots
from gateway.schemas.catalog import ShotTypePublic
from gateway.schemas.shootings import ProductionRequestStatusKey
from gateway.schemas.shots import (
    CreateShotRevisionRequest,
    ShotCreate,
    ShotGenerateRequest,
    ShotGenerateResponse,
    ShotPublic,
    ShotReview,
    ShotRevisionPublic,
    ShotsPublic,
    ShotUpdate,
)
from platformkit.errors import Invalid
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2, looks_pb2, shootings_pb2
from protos.shots.v1 import shots_pb2 as pb

router = IndexedRouter(prefix="/shots", tags=["shots"])


async def _shot_types(
    clients: ServiceClients, principal: common_pb2.Principal, shots: Sequence[pb.Shot]
) -> dict[str, ShotTypePublic]:
    ids = sorted({s.shot_type_id for s in shots if s.shot_type_id})
    if not ids:
        return {}
    reply = await clients.catalog.BatchGetEntries(
        catalog_pb2.BatchGetRequest(ids=ids, include_deleted=True), metadata=principal_metadata(principal)
    )
    return {e.id: ShotTypePublic.from_entry(e) for e in reply.entries}


async def compose(
    clients: ServiceClients, principal: common_pb2.Principal, session: AsyncSession, shots: Sequence[pb.Shot]
) -> list[ShotPublic]:
    """One catalog call for the shot types and one exports call for the revisions' pushes,
    together; then one users query for the revisions' owners."""
    entries, pushes = await asyncio.gather(
        _shot_types(clients, principal, shots), shots_view(clients, principal, shots)
    )
    view = await with_owners(session, pushes, revisions_of(shots))
    return [ShotPublic.from_pb(s, entries.get(s.shot_type_id), view) for s in shots]


async def _revision(
    clients: ServiceClients, principal: common_pb2.Principal, session: AsyncSession, revision: pb.Revision
) -> ShotRevisionPublic:
    view = await with_owners(session, await push_view(clients, principal, [revision.id]), [revision])
    return ShotRevisionPublic.from_pb(revision, view)


async def _one(
    clients: ServiceClients, principal: common_pb2.Principal, session: AsyncSession, shot: pb.Shot
) -> ShotPublic:
    return (await compose(clients, principal, session, [shot]))[0]


async def _check_shot_type(
    clients: ServiceClients, principal: common_pb2.Principal, shot_type_id: uuid.UUID | None
) -> None:
    """A shot type named in a body must be one the caller may use (422 otherwise)."""
    if shot_type_id is None:
        return
    found = await clients.catalog.BatchGetShotTypes(
        catalog_pb2.BatchGetRequest(ids=[str(shot_type_id)]), metadata=principal_metadata(principal)
    )
    if not found.shot_types:
        raise Invalid.at(("body", "shot_type_id"), "Shot type not found")


async def _unless_missing(call, loc: tuple[str, ...], message: str):  # type: ignore[no-untyped-def]
    """A body id that does not resolve to something the caller may use is a 422 (D0.9)."""
    try:
        return await call
    except grpc.aio.AioRpcError as exc:
        if exc.code() is grpc.StatusCode.NOT_FOUND:
            raise Invalid.at(loc, message) from None
        raise


@router.post("/", summary="Create Shot")
async def create_shot(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, body: ShotCreate, _: MediaDep
) -> ShotPublic:
    """E37: a shot of a look the caller can see (R132); the shot type, when given, must be one
    the caller may use."""
    metadata = principal_metadata(principal)
    page = await _unless_missing(
        clients.look_queries.GetLook(looks_pb2.GetLookRequest(id=str(body.production_request_id)), metadata=metadata),
        ("body", "production_request_id"),
        "Production request not found",
    )
    look = page.looks[0]
    shooting = await clients.shootings.GetShooting(
        shootings_pb2.GetShootingRequest(id=look.shooting_id), metadata=metadata
    )
    await _check_shot_type(clients, principal, body.shot_type_id)
    new = pb.NewShot(id=str(uuid.uuid4()), look_id=look.id, shot_type_id=str(body.shot_type_id or ""))
    request = pb.CreateShotsRequest(shooting_id=shooting.id, shots=[new])
    reply = await clients.shots.CreateShots(request, metadata=metadata)
    return await _one(clients, principal, session, reply.shots[0])


@router.get("/", summary="List Shots")
async def list_shots(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    page: PageDep,
    _: MediaDep,
    has_generations: bool | None = None,
    organization_id: OrganizationQuery = None,
    product_id: uuid.UUID | None = None,
    production_request_id: uuid.UUID | None = None,
    shooting_id: uuid.UUID | None = None,
    shot_type: Annotated[uuid.UUID | None, Query(description="A shot type id (A34)")] = None,
    status: ProductionRequestStatusKey | None = None,  # type: ignore[valid-type]
) -> ShotsPublic:
    """E38 (R7, R134): an organization's shots, or those of the caller's personal shootings."""
    request = pb.ListShotsRequest(page=page.to_pb())
    filters = {
        "organization_id": organization_id,
        "product_id": product_id,
        "look_id": production_request_id,
        "shooting_id": shooting_id,
        "shot_type": shot_type,
        "status": status,
    }
    for name, given in filters.items():
        if given is not None:
            setattr(request, name, str(given))
    if has_generations is not None:
        request.has_generations = has_generations
    reply = await clients.shots.ListShots(request, metadata=principal_metadata(principal))
    return ShotsPublic(data=await compose(clients, principal, session, reply.shots), count=reply.count)


@router.get("/{shot_id}", summary="Get Shot")
async def get_shot(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, shot_id: uuid.UUID, _: MediaDep
) -> ShotPublic:
    """One shot the caller may see, 404 for any other (E39)."""
    shot = await clients.shots.GetShot(common_pb2.IdRequest(id=str(shot_id)), metadata=principal_metadata(principal))
    return await _one(clients, principal, session, shot)


async def _update(  # type: ignore[no-untyped-def]
    clients: ServiceClients,
    principal: common_pb2.Principal,
    session: AsyncSession,
    shot_id: uuid.UUID,
    body: ShotUpdate,
):
    await _check_shot_type(clients, principal, body.shot_type_id)
    shot = await clients.shots.UpdateShot(body.to_pb(shot_id), metadata=principal_metadata(principal))
    return await _one(clients, principal, session, shot)


@router.put("/{shot_id}", summary="Update Shot")
async def update_shot(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, shot_id: uuid.UUID, body: ShotUpdate, _: MediaDep
) -> ShotPublic:
    """E40 (R135): partial; the status is never set here (it follows the current revision)."""
    return await _update(clients, principal, session, shot_id, body)  # type: ignore[no-any-return]


@router.patch("/{shot_id}", summary="Patch Shot")
async def patch_shot(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, shot_id: uuid.UUID, body: ShotUpdate, _: MediaDep
) -> ShotPublic:
    """The overview PATCH: the same body and semantics as PUT."""
    return await _update(clients, principal, session, shot_id, body)  # type: ignore[no-any-return]


@router.delete("/{shot_id}", summary="Delete Shot")
async def delete_shot(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, shot_id: uuid.UUID, _: MediaDep
) -> ShotPublic:
    """E41 (R136): the deleted shot; its revisions go with it and their media are detached."""
    shot = await clients.shots.DeleteShot(common_pb2.IdRequest(id=str(shot_id)), metadata=principal_metadata(principal))
    return await _one(clients, principal, session, shot)


async def _review(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    session: AsyncSession,
    shot_id: uuid.UUID,
    decision: str,
    body: ShotReview | None,
) -> ShotPublic:
    request = pb.ReviewShotRequest(id=str(shot_id), decision=decision)
    if body is not None and body.notes is not None:
        request.notes = body.notes
    reviewed = await clients.shots.ReviewShot(request, metadata=principal_metadata(principal))
    return await _one(clients, principal, session, reviewed)


def _review_route(decision: str, what: str):  # type: ignore[no-untyped-def]
    async def review(
        clients: ClientsDep,
        principal: PrincipalDep,
        session: SessionDep,
        shot_id: uuid.UUID,
        _: MediaDep,
        body: Annotated[ShotReview | None, Body()] = None,
    ) -> ShotPublic:
        return await _review(clients, principal, session, shot_id, decision, body)

    review.__doc__ = what
    return review


router.post("/{shot_id}/approve", summary="Approve Shot")(
    _review_route(
        "APPROVED", "The current revision becomes APPROVED in place; 409 without a current revision with an image."
    )
)
router.post("/{shot_id}/reject", summary="Reject Shot")(
    _review_route("REJECTED", "The current revision becomes REJECTED in place; 409 without a current revision.")
)


@router.post("/{shot_id}/generate", summary="Generate Shot", responses=too_many_requests(GENERATION_QUOTA))
@rest_names(GENERATION_SPECS)
async def generate_shot(
    clients: ClientsDep,
    principal: PrincipalDep,
    shot_id: uuid.UUID,
    body: Annotated[ShotGenerateRequest | None, Body()] = None,
) -> ShotGenerateResponse:
    """One generation of ``num_predictions`` predictions for the shot (owner only, R11). An
    explicit request: a back view is generated too, and a shot without a base image for its shot
    type is 409 with the reason (the skip rules are E20's and E21's)."""
    body = body or ShotGenerateRequest()
    metadata = principal_metadata(principal)
    shot = await clients.shots.GetShot(common_pb2.IdRequest(id=str(shot_id)), metadata=metadata)
    started = await start_for_shots(
        clients, principal, shot.look_id, [shot], 1, body.num_predictions, body.model_id, explicit=True
    )
    ids = [uuid.UUID(g.id) for g in started.generations]
    return ShotGenerateResponse(shot_id=shot_id, generation_ids=ids, message="Generation started")


@router.post(
    "/{shot_id}/revision",
    summary="Create Shot Revision",
    responses={413: {"model": HTTPError, "description": "An image exceeds the media size limit"}},
)
async def create_revision(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    media: MediaDep,
    shot_id: uuid.UUID,
    body: CreateShotRevisionRequest,
) -> ShotRevisionPublic:
    """E43 (R139-R141, A52, A60): becomes current; uploads are named by their media URL."""
    metadata = principal_metadata(principal)

    async def reserve(keys: list[str]) -> None:
        await clients.shots.ReserveUploads(pb.ReserveUploadsRequest(keys=keys), metadata=metadata)

    images = await resolve_images(media, reserve, shot_id, body.images)
    request = pb.CreateRevisionRequest(shot_id=str(shot_id), shot_status=body.shot_status, images=images)
    if body.previous_revision_id is not None:
        request.previous_revision_id = str(body.previous_revision_id)
    if body.notes is not None:
        request.notes = body.notes
    revision = await clients.shots.CreateRevision(request, metadata=metadata)
    # Its id is new and pushes are only ever made by an export request naming a revision: a
    # revision this request created has none, so the exports service is not asked.
    return ShotRevisionPublic.from_pb(revision, await with_owners(session, NO_PUSHES, [revision]))


@router.get("/revisions/{revision_id}", summary="Get Revision")
async def get_revision(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, revision_id: uuid.UUID, _: MediaDep
) -> ShotRevisionPublic:
    """One revision of a shot the caller may see, 404 for any other (E45)."""
    request = common_pb2.IdRequest(id=str(revision_id))
    revision = await clients.shots.GetRevision(request, metadata=principal_metadata(principal))
    return await _revision(clients, principal, session, revision)


@router.delete("/revisions/{revision_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete Shot Revision")
async def delete_revision(clients: ClientsDep, principal: PrincipalDep, revision_id: uuid.UUID) -> Response:
    """E46 (R143-R146): chain tips only (409); the current one hands over to its previous."""
    await clients.shots.DeleteRevision(
        common_pb2.IdRequest(id=str(revision_id)), metadata=principal_metadata(principal)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/revisions/{revision_id}/set-current", summary="Set Revision As Current")
async def set_current_revision(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, revision_id: uuid.UUID, _: MediaDep
) -> ShotRevisionPublic:
    """E47 (R147): and the shot's status follows it."""
    request = common_pb2.IdRequest(id=str(revision_id))
    revision = await clients.shots.SetCurrentRevision(request, metadata=principal_metadata(principal))
    return await _revision(clients, principal, session, revision)


@router.post("/revisions/{revision_id}/restore", summary="Restore Shot Revision")
async def restore_revision(
    clients: ClientsDep, principal: PrincipalDep, session: SessionDep, revision_id: uuid.UUID, _: MediaDep
) -> ShotRevisionPublic:
    """E50 (R148-R150, A59): later revisions are deleted; a no-op on the current one."""
    request = common_pb2.IdRequest(id=str(revision_id))
    revision = await clients.shots.RestoreRevision(request, metadata=principal_metadata(principal))
    return await _revision(clients, principal, session, revision)
