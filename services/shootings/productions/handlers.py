"""gRPC handlers of ProductionsService: a shooting's productions, phase moves, look statuses and
the shooting types.

Access (A20): the shooting must be visible to the caller (owner, member of its organization, or
admin), else NOT_FOUND. The write right is the same set of callers, so a visible shooting is a
writable one and these handlers have no PERMISSION_DENIED case of their own.

Every write locks the shooting first: MAIN creation (by kind or by phase move) reads the live
kinds and then inserts, and the lock makes that check-then-act safe against a concurrent call.
"""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import Invalid, NotFound
from platformkit.event_types import EventType
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import productions_pb2 as pb
from protos.shootings.v1 import productions_pb2_grpc, shootings_pb2
from services.shootings import events
from services.shootings.guidelines import templates
from services.shootings.models import Production, Shooting
from services.shootings.productions import repository as productions
from services.shootings.productions import rules
from services.shootings.productions.convert import (
    kind_from_pb,
    production_to_pb,
    required_kind,
    shooting_type_with_statuses_to_pb,
    status_to_pb,
)
from services.shootings.productions.rules import ProductionKind
from services.shootings.shared import access
from services.shootings.shared.access import Caller
from services.shootings.shared.inputs import page_bounds
from services.shootings.shootings import repository as repo
from services.shootings.shootings.convert import phase_from_pb, shooting_to_pb
from services.shootings.shootings.phases import Phase

SHOOTING_LOC = ("shooting_id",)


def _phase_of(shooting: Shooting) -> Phase | None:
    return Phase(shooting.phase) if shooting.phase else None


class ProductionsServicer(productions_pb2_grpc.ProductionsServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    # -- look-ups shared by the handlers -------------------------------------------------------

    async def _shooting(self, session: AsyncSession, who: Caller, raw_id: str, *, lock: bool = False) -> Shooting:
        """The live shooting if the caller may see it (404 otherwise); locked for writes."""
        shooting_id = parse_uuid(raw_id, SHOOTING_LOC)
        find = repo.lock_shooting if lock else repo.get_shooting
        shooting = await find(session, shooting_id)
        access.ensure_visible(who, shooting, "Shooting")
        assert shooting is not None
        return shooting

    async def _production(
        self, session: AsyncSession, who: Caller, ref: pb.ProductionRef, *, lock: bool = False
    ) -> Production:
        shooting = await self._shooting(session, who, ref.shooting_id, lock=lock)
        production_id = parse_uuid(ref.production_id, ("production_id",))
        production = await productions.get_production(session, shooting.id, production_id, for_update=lock)
        if production is None:
            raise NotFound("Production not found")
        return production

    # -- the two writes MAIN creation is made of ------------------------------------------------

    async def _create(
        self, session: AsyncSession, who: Caller, shooting: Shooting, kind: ProductionKind, at: datetime
    ) -> Production:
        production = productions.create_production(session, shooting, kind, at)
        await events.production_created(session, production, str(who.user_id))
        return production

    async def _move_phase(
        self, session: AsyncSession, who: Caller, shooting: Shooting, target: Phase, at: datetime
    ) -> None:
        """R47, R56: the shooting enters ``target`` and the history names who moved it."""
        from_phase = shooting.phase
        shooting.phase = target.value
        shooting.updated_at = at
        repo.add_phase_change(session, shooting, from_phase, who.user_id)
        await events.phase_changed(session, shooting, from_phase, str(who.user_id))

    # -- productions (E22-E26) -------------------------------------------------------------------

    @replayable(pb.Production)
    async def CreateProduction(
        self, request: pb.CreateProductionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Production:
        """E22: snapshot the default guidelines (R53); MAIN is guarded (R54-R55) and moves the
        shooting to PRODUCTION (R56); TEST runs are unlimited (R57)."""
        who = caller(current_principal())
        kind = required_kind(request.kind)
        async with transaction(self.ctx.sessions) as session:
            shooting = await self._shooting(session, who, request.shooting_id, lock=True)
            live = await productions.live_kinds(session, shooting.id)
            rules.ensure_can_create(kind, live, shooting.require_test_shooting)
            now = datetime.now(UTC)
            production = await self._create(session, who, shooting, kind, now)
            if kind is ProductionKind.MAIN and rules.main_moves_shooting_to_production(_phase_of(shooting)):
                await self._move_phase(session, who, shooting, Phase.PRODUCTION, now)
        return production_to_pb(production)

    async def ListProductions(
        self, request: pb.ListProductionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProductionsResponse:
        """E23 (R59, A19): all matching rows, count = rows."""
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            shooting = await self._shooting(session, who, request.shooting_id)
            rows = await productions.list_productions(
                session, shooting.id, include_deleted=request.include_deleted, kind=kind_from_pb(request.kind)
            )
        return pb.ListProductionsResponse(productions=[production_to_pb(r) for r in rows], count=len(rows))

    async def GetProduction(self, request: pb.ProductionRef, context: grpc.aio.ServicerContext) -> pb.Production:
        """E24: a live production of a visible shooting."""
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            return production_to_pb(await self._production(session, who, request))

    async def UpdateProduction(
        self, request: pb.UpdateProductionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Production:
        """E25 (R60): only ``archived`` moves; an unchanged value writes nothing and publishes nothing."""
        who = caller(current_principal())
        ref = pb.ProductionRef(shooting_id=request.shooting_id, production_id=request.production_id)
        async with transaction(self.ctx.sessions) as session:
            production = await self._production(session, who, ref, lock=True)
            if request.HasField("archived") and request.archived != production.archived:
                production.archived = request.archived
                production.updated_at = datetime.now(UTC)
                await events.production_updated(session, production, ["archived"])
        return production_to_pb(production)

    async def DeleteProduction(self, request: pb.ProductionRef, context: grpc.aio.ServicerContext) -> common_pb2.Empty:
        """E26 (R61): soft delete, MAIN or TEST, in any phase; the phase stays where it is."""
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            production = await self._production(session, who, request, lock=True)
            looks = await productions.soft_delete_production(session, production, datetime.now(UTC))
            await events.production_deleted(session, production)
            shooting = await session.get(Shooting, production.shooting_id)  # locked above, in the session
            assert shooting is not None
            await events.looks_changed(session, EventType.LOOK_DELETED, shooting, looks)
        return common_pb2.Empty()

    # -- lifecycle (E35, E36, shooting types) ----------------------------------------------------

    async def UpdateShootingPhase(
        self, request: pb.UpdateShootingPhaseRequest, context: grpc.aio.ServicerContext
    ) -> shootings_pb2.Shooting:
        """E35 (R47-R51, A18): see :func:`services.shootings.productions.rules.plan_phase_move`."""
        who = caller(current_principal())
        target = phase_from_pb(request.phase)
        if target is None:
            raise Invalid.at(("phase",), "Field required", "missing")
        async with transaction(self.ctx.sessions) as session:
            shooting = await self._shooting(session, who, request.shooting_id, lock=True)
            live = await productions.live_kinds(session, shooting.id)
            move = rules.plan_phase_move(_phase_of(shooting), target, live, shooting.require_test_shooting)
            now = datetime.now(UTC)
            if move.records_change:
                await self._move_phase(session, who, shooting, target, now)
            if move.creates_main:
                await self._create(session, who, shooting, ProductionKind.MAIN, now)
            index = await templates.expand(session, [shooting.default_guidelines])
        return shooting_to_pb(shooting, index)

    async def ListStatusKeys(
        self, request: pb.ShootingRef, context: grpc.aio.ServicerContext
    ) -> pb.ListStatusKeysResponse:
        """E36 (R130-R131): the statuses of the shooting's type, worst to best."""
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            shooting = await self._shooting(session, who, request.shooting_id)
            rows = await productions.statuses_of_type(session, await productions.type_id_of(session, shooting))
        return pb.ListStatusKeysResponse(statuses=[status_to_pb(r) for r in rows])

    async def ListShootingTypes(
        self, request: pb.ListShootingTypesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShootingTypesResponse:
        """Reference data every signed-in caller may read."""
        current_principal()
        skip, limit = page_bounds(request.page)
        async with self.ctx.sessions() as session:
            rows, total = await productions.list_shooting_types(session, skip=skip, limit=limit)
        return pb.ListShootingTypesResponse(
            shooting_types=[shooting_type_with_statuses_to_pb(r) for r in rows], count=total
        )


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ProductionsService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    productions_pb2_grpc.add_ProductionsServiceServicer_to_server(ProductionsServicer(context), server)
