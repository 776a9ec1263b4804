"""Reading looks (production requests) and shooting summaries: E3, E9, E10, E11, E12, E17.

A page of looks is composed from a constant number of calls whatever its size: one
LookQueriesService call (the looks, their total and the catalog entries they name, each once),
then, concurrently, one ShotsService.ListShotsByLooks for the page's looks (without revisions for
the summary), one users query for the assignees and the page's outfits
(:mod:`gateway.outfit_composition`: one outfits call, one catalog call for their products).
Looks leave as JSON bytes shaped by :mod:`gateway.answers` (no model validation on these reads;
the response models stay what the OpenAPI document declares).

Mounted before the shootings router: its literal paths (``/shootings/summary``,
``/shootings/production-requests/{id}``) must win over ``/shootings/{shooting_id}``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.answers import json_bytes, json_response
from gateway.answers.looks import LookAnswers
from gateway.answers.shots import NO_PUSHES, PushView
from gateway.assignees import assignee_summaries
from gateway.board_cache import BoardCache, BoardSources, Composed, read_versions
from gateway.clients import ServiceClients
from gateway.deps import ClientsDep, OrganizationQuery, PageDep, PrincipalDep, SessionDep
from gateway.field_locations import rest_names
from gateway.media import current_media
from gateway.outfit_composition import look_outfits, outfits_of, product_ids
from gateway.protoconv import with_organization
from gateway.push_composition import revision_ids, shots_view
from gateway.revision_owners import revisions_of, with_owners
from gateway.route_index import IndexedRouter
from gateway.schemas.look_reads import (
    DraftProductionRequestsSummary,
    ShootingSummary,
    StatusKeys,
    look_filters,
)
from gateway.schemas.looks import ProductionRequestPublic, ProductionRequestsPublic, ProductionRequestsSummaryPublic
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import looks_pb2 as pb
from protos.shots.v1 import shots_pb2

router = IndexedRouter(prefix="/shootings", tags=["shootings"])

FiltersDep = Annotated[pb.LookFilters, Depends(look_filters)]


async def _shots(
    clients: ServiceClients, principal: common_pb2.Principal, look_ids: list[str], *, revisions: bool
) -> tuple[list[shots_pb2.Shot], PushView]:
    """The looks' shots, then the push records of their revisions (one call each)."""
    if not look_ids:
        return [], NO_PUSHES
    reply = await clients.shots.ListShotsByLooks(
        shots_pb2.ListShotsByLooksRequest(look_ids=look_ids, include_revisions=revisions),
        metadata=principal_metadata(principal),
    )
    return list(reply.shots), await shots_view(clients, principal, reply.shots)


async def compose(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    session: AsyncSession,
    page: pb.LooksPage,
    *,
    revisions: bool,
) -> LookAnswers:
    """The page's shots (one call, none for an empty page), assignees (one query) and outfits (one
    outfits call, one catalog call for their products), together; then the owners of the shots'
    revisions (one query, none without revisions)."""
    look_ids = [look.id for look in page.looks]
    (shots, pushes), assignees, outfits = await asyncio.gather(
        _shots(clients, principal, look_ids, revisions=revisions),
        assignee_summaries(session, page.looks),
        look_outfits(clients, principal, look_ids),
    )
    view = await with_owners(session, pushes, revisions_of(shots))
    return LookAnswers(page, shots, assignees, outfits, view)


async def _list(
    clients: ServiceClients,
    principal: common_pb2.Principal,
    session: AsyncSession,
    request: pb.ListLooksRequest,
) -> tuple[LookAnswers, pb.LooksPage]:
    page = await clients.look_queries.ListLooks(request, metadata=principal_metadata(principal))
    return await compose(clients, principal, session, page, revisions=not request.summary), page


async def _board_request(
    shooting_id: uuid.UUID, page: PageDep, filters: FiltersDep, organization_id: OrganizationQuery = None
) -> pb.ListLooksRequest:
    """What E9 and E10 share: the shooting, its page, the filters and the organization scope."""
    request = pb.ListLooksRequest(shooting_id=str(shooting_id), filters=filters, page=page.to_pb())
    return with_organization(request, organization_id)


BoardDep = Annotated[pb.ListLooksRequest, Depends(_board_request)]


@router.get("/summary", summary="Get Shooting Summary")
async def get_shooting_summary(
    clients: ClientsDep,
    principal: PrincipalDep,
    organization_id: OrganizationQuery = None,
    shooting_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ShootingSummary:
    """Total products (distinct core products), total looks and the looks per computed status, over
    the organization's shootings with `organization_id`, else the caller's personal ones;
    `shooting_id` narrows to one shooting (which must belong to that organization)."""
    request = with_organization(pb.ShootingSummaryRequest(), organization_id)
    if shooting_id is not None:
        request.shooting_id = str(shooting_id)
    reply = await clients.look_queries.GetShootingSummary(request, metadata=principal_metadata(principal))
    return ShootingSummary.from_pb(reply)


async def _one_look(
    clients: ServiceClients, principal: common_pb2.Principal, session: AsyncSession, request: pb.GetLookRequest
) -> Response:
    page = await clients.look_queries.GetLook(request, metadata=principal_metadata(principal))
    answers = await compose(clients, principal, session, page, revisions=True)
    return json_response(answers.public(page.looks[0]))


@router.get(
    "/production-requests/{production_request_id}",
    summary="Get Production Request",
    response_model=ProductionRequestPublic,
)
async def get_production_request(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    production_request_id: uuid.UUID,
    organization_id: OrganizationQuery = None,
) -> Response:
    """The look with all its properties and relationships (shots with their revisions, pose
    presets, set design, outfit fields)."""
    request = pb.GetLookRequest(id=str(production_request_id))
    return await _one_look(clients, principal, session, with_organization(request, organization_id))


def _sources(page: pb.LooksPage, answers: LookAnswers) -> BoardSources:
    """What a board answer shows beyond the looks themselves (:class:`BoardSources`)."""
    shots = [shot for of_look in answers.shots.values() for shot in of_look]
    users = {uuid.UUID(look.assignee_id) for look in page.looks if look.HasField("assignee_id")}
    users.update(uuid.UUID(r.owner_id) for r in revisions_of(shots) if r.HasField("owner_id"))
    return BoardSources(
        look_ids=frozenset(look.id for look in page.looks),
        product_ids=frozenset(product_ids(outfits_of(answers.outfits.looks.values()))),
        revision_ids=frozenset(revision_ids(shots)),
        user_ids=frozenset(users),
    )


async def _board(
    request: Request,
    clients: ServiceClients,
    principal: common_pb2.Principal,
    session: AsyncSession,
    board: pb.ListLooksRequest,
    shape: Callable[[LookAnswers, pb.Look], Any],
) -> Response:
    """E9 and E10 through the board cache (:mod:`gateway.board_cache`): the caller's own entry for
    this request, revalidated against every owner's row versions."""

    async def composed() -> Composed:
        answers, looks = await _list(clients, principal, session, board)
        body = json_bytes({"data": [shape(answers, look) for look in looks.looks], "count": looks.count})
        return Composed(body, _sources(looks, answers))

    async def versions(sources: BoardSources) -> tuple[str, ...]:
        return await read_versions(clients, principal, request.app.state.rows, board, sources)

    key = b"\0".join(
        (
            principal.SerializeToString(deterministic=True),
            board.SerializeToString(deterministic=True),
            current_media().base_url.encode(),
        )
    )
    boards: BoardCache = request.app.state.boards
    return Response(await boards.answer(key, versions, composed), media_type="application/json")


@router.get(
    "/{shooting_id}/production-requests",
    summary="Read Production Requests",
    response_model=ProductionRequestsPublic,
)
@rest_names(filters=("query",))
async def read_production_requests(
    request: Request,
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    board: BoardDep,
    status_keys: StatusKeys = None,
) -> Response:
    """A page of the shooting's live looks, newest first, with every filter (OR within one filter,
    AND across filters); `count` is the total before paging. Unknown `status_keys` are a 422."""
    board.filters.status_keys.extend(status_keys or [])
    return await _board(request, clients, principal, session, board, LookAnswers.public)


@router.get(
    "/{shooting_id}/production-requests-summary",
    summary="Read Production Requests Summary",
    response_model=ProductionRequestsSummaryPublic,
)
@rest_names(filters=("query",))
async def read_production_requests_summary(
    request: Request,
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    board: BoardDep,
) -> Response:
    """The lightweight board: product info and per-shot status, no revisions; the same filters as
    the full list (without `status_keys`)."""
    board.summary = True
    return await _board(request, clients, principal, session, board, LookAnswers.summary)


@router.get("/{shooting_id}/draft-summary", summary="Get Draft Production Requests Summary")
async def get_draft_summary(
    clients: ClientsDep, principal: PrincipalDep, shooting_id: uuid.UUID, organization_id: OrganizationQuery = None
) -> DraftProductionRequestsSummary:
    """Live looks with readiness DRAFT, and how many of them have an outfit proposal generating."""
    request = with_organization(pb.ShootingScopeRequest(shooting_id=str(shooting_id)), organization_id)
    reply = await clients.look_queries.GetDraftSummary(request, metadata=principal_metadata(principal))
    return DraftProductionRequestsSummary(
        total_draft_production_requests=reply.total_draft_looks,
        generating_count=reply.generating_count,
    )


@router.get(
    "/{shooting_id}/production-requests/{production_request_id}",
    summary="Read Production Request",
    response_model=ProductionRequestPublic,
)
async def read_production_request(
    clients: ClientsDep,
    principal: PrincipalDep,
    session: SessionDep,
    shooting_id: uuid.UUID,
    production_request_id: uuid.UUID,
    organization_id: OrganizationQuery = None,
) -> Response:
    """A look of this shooting (404 when it belongs to another one)."""
    request = pb.GetLookRequest(id=str(production_request_id), shooting_id=str(shooting_id))
    return await _one_look(clients, principal, session, with_organization(request, organization_id))
