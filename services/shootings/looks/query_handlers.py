"""gRPC handlers of LookQueriesService: the kanban board's reads (E9, E10, E12, E17) and the
shooting summaries (E3, E11).

Access is the shooting reads' (R8, R9): an ``organization_id`` names one of the caller's
organizations (403 otherwise) and the shooting must belong to it (404); without it, the shooting
must be visible to the caller (owner, member of its organization, admin; 404 otherwise).

Every handler runs a fixed number of SQL statements whatever the page holds (the roll-ups are
columns, the named catalog entries one batch): see :mod:`services.shootings.looks.query_repository`.
"""

from __future__ import annotations

import uuid

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import NotFound
from platformkit.field_paths import FieldPath
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid, uuid_texts
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import looks_pb2 as pb
from protos.shootings.v1 import looks_pb2_grpc
from services.shootings.catalog.convert import entry_to_pb
from services.shootings.catalog.repository import LoadedEntry
from services.shootings.looks import query_repository as queries
from services.shootings.looks.convert import look_to_pb
from services.shootings.looks.filters import LookFilter, parse_look_filter
from services.shootings.models import Look
from services.shootings.shared import access
from services.shootings.shared.access import Caller
from services.shootings.shared.inputs import page_bounds
from services.shootings.shared.statuses import COMPUTED_STATUS_ORDER

ORGANIZATION_LOC = ("organization_id",)
LOOK_NOT_FOUND = "Production request not found"


def _text(message: pb.LookFilters, name: str) -> str | None:
    return getattr(message, name) if message.HasField(name) else None


def look_filter_of(message: pb.LookFilters, type_status_keys: tuple[str, ...]) -> LookFilter:
    """The contract's filters as the domain's (422s located at the filters)."""
    return parse_look_filter(
        shot_statuses=list(message.shot_statuses),
        status_keys=list(message.status_keys),
        type_status_keys=type_status_keys,
        product_ids=list(message.product_ids),
        product_name=_text(message, "product_name"),
        product_sku=_text(message, "product_sku"),
        product_type=_text(message, "product_type"),
        assignee_ids=list(message.assignee_ids),
        include_unassigned=message.include_unassigned,
        created_from=_text(message, "created_from"),
        created_to=_text(message, "created_to"),
    )


def _scope(who: Caller, request: object) -> uuid.UUID | None:
    """The ``organization_id`` query parameter, checked against the caller's memberships (403)."""
    organization_id = optional_uuid(request, "organization_id", ORGANIZATION_LOC)
    access.ensure_organization_scope(who, organization_id)
    return organization_id


def looks_page(rows: list[Look], count: int, entries: list[LoadedEntry]) -> pb.LooksPage:
    return pb.LooksPage(looks=[look_to_pb(r) for r in rows], count=count, entries=[entry_to_pb(e) for e in entries])


def status_breakdown(by_status: dict[str, int]) -> list[pb.StatusCount]:
    """Only the statuses present, in roll-up order (worst first; unknown keys last, by name)."""
    rank = {status: i for i, status in enumerate(COMPUTED_STATUS_ORDER)}
    ordered = sorted(by_status, key=lambda s: (rank.get(s, len(rank)), s))
    return [pb.StatusCount(status=s, count=by_status[s]) for s in ordered]


def _reached(
    who: Caller, shooting: queries.ShootingAccessRow | None, organization_id: uuid.UUID | None
) -> queries.ShootingAccessRow:
    access.ensure_visible(who, shooting, "Shooting")
    assert shooting is not None
    access.ensure_in_scope(shooting, organization_id, "Shooting")
    return shooting


class LookQueriesServicer(looks_pb2_grpc.LookQueriesServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    async def _shooting(
        self, session: AsyncSession, who: Caller, raw_id: str, organization_id: uuid.UUID | None, loc: FieldPath
    ) -> queries.ShootingAccessRow:
        """The live shooting if the caller sees it (404) and it is in the asked organization (404)."""
        return _reached(who, await queries.live_shooting(session, parse_uuid(raw_id, loc)), organization_id)

    async def ListLooks(self, request: pb.ListLooksRequest, context: grpc.aio.ServicerContext) -> pb.LooksPage:
        """E9/E10: four statements (shooting, count, page, named entries) whatever the page size."""
        who = caller(current_principal())
        organization_id = _scope(who, request)
        skip, limit = page_bounds(request.page)
        async with self.ctx.reads() as session:
            shooting = await self._shooting(session, who, request.shooting_id, organization_id, ("shooting_id",))
            look_filter = look_filter_of(request.filters, shooting.status_keys)
            rows, total = await queries.list_looks(session, shooting.id, look_filter, skip=skip, limit=limit)
            entries = await queries.named_entries(session, rows, summary=request.summary)
        return looks_page(rows, total, entries)

    async def GetBoardVersion(
        self, request: pb.BoardVersionRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Version:
        """ListLooks's access checks and filter validation, in one statement with the version of
        every row its answer and the named entries can come from."""
        board = request.board
        who = caller(current_principal())
        organization_id = _scope(who, board)
        shooting_id = parse_uuid(board.shooting_id, ("shooting_id",))
        entry_ids = uuid_texts(request.entry_ids, ("entry_ids",))
        found, version = await queries.board_version(self.ctx.rows, shooting_id, entry_ids) or (None, "")
        shooting = _reached(who, found, organization_id)
        look_filter_of(board.filters, shooting.status_keys)
        return common_pb2.Version(value=version)

    async def GetLook(self, request: pb.GetLookRequest, context: grpc.aio.ServicerContext) -> pb.LooksPage:
        """E12 (the look must be in ``shooting_id``) and E17; 404 whenever the caller cannot see it."""
        who = caller(current_principal())
        organization_id = _scope(who, request)
        shooting_id = optional_uuid(request, "shooting_id", ("shooting_id",))
        look_id = parse_uuid(request.id, ("id",))
        async with self.ctx.reads() as session:
            found = await queries.look_with_shooting(session, look_id)
            if found is None or (shooting_id is not None and found[0].shooting_id != shooting_id):
                raise NotFound(LOOK_NOT_FOUND)
            look, shooting = found
            access.ensure_visible(who, shooting, "Production request")
            access.ensure_in_scope(shooting, organization_id, "Production request")
            entries = await queries.named_entries(session, [look], summary=False)
        return looks_page([look], 1, entries)

    async def GetDraftSummary(
        self, request: pb.ShootingScopeRequest, context: grpc.aio.ServicerContext
    ) -> pb.DraftSummary:
        """E11: two statements (the shooting, both counts)."""
        who = caller(current_principal())
        organization_id = _scope(who, request)
        async with self.ctx.reads() as session:
            shooting = await self._shooting(session, who, request.shooting_id, organization_id, ("shooting_id",))
            drafts, generating = await queries.draft_summary(session, shooting.id)
        return pb.DraftSummary(total_draft_looks=drafts, generating_count=generating)

    async def GetShootingSummary(
        self, request: pb.ShootingSummaryRequest, context: grpc.aio.ServicerContext
    ) -> pb.ShootingSummary:
        """E3: the organization's shootings, else the caller's personal ones; ``shooting_id`` narrows
        to one visible shooting, which must belong to the organization when one is named (404)."""
        who = caller(current_principal())
        organization_id = _scope(who, request)
        async with self.ctx.reads() as session:
            shooting_id = None
            if request.HasField("shooting_id"):
                shooting = await self._shooting(session, who, request.shooting_id, organization_id, ("shooting_id",))
                shooting_id = shooting.id
            counts = await queries.shooting_summary(
                session,
                queries.summary_scope(owner_id=who.user_id, organization_id=organization_id, shooting_id=shooting_id),
            )
        return pb.ShootingSummary(
            total_products=counts.total_products,
            total_looks=counts.total_looks,
            status_breakdown=status_breakdown(counts.by_status),
        )


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["LookQueriesService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    looks_pb2_grpc.add_LookQueriesServiceServicer_to_server(LookQueriesServicer(context), server)
