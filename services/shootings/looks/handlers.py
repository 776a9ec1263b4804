"""gRPC handlers of LooksService (commands on looks).

Creation and update are atomic from the caller's view: the looks, their shots' read model and
their events are written in one transaction, and the shots are created in the shots service
(one batched, idempotent call) before that transaction commits; on creation, that call runs
while the transaction writes the looks (:meth:`RemoteShots.creating`). If the shots call fails,
nothing commits; if anything fails after the shots exist, commit included, they are deleted
again (compensation, :meth:`RemoteShots.compensated`).

An update that drops shot types deletes their shots last, after every write of the transaction
succeeded, because that deletion cannot be undone; only a failing commit can still follow it.
The look then still lists the shot types whose shots are gone, and a retry of the same request
deletes nothing more and commits (the read model follows the shots' deletion events either way).

Access (A20): whoever sees the shooting (owner, member of its organization, admin) may change its
looks; anyone else gets 404. Restore is admin only (403 for the others who see the shooting).
"""

from __future__ import annotations

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import Invalid, NotFound
from platformkit.outbox import add_events
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from platformkit.topics import SHOOTINGS_EVENTS
from protos.common.v1 import common_pb2
from protos.shootings.v1 import looks_pb2 as pb
from protos.shootings.v1 import looks_pb2_grpc
from services.shootings.catalog.convert import entry_to_pb
from services.shootings.looks import changes, creation
from services.shootings.looks import repository as looks_repo
from services.shootings.looks.convert import look_to_pb
from services.shootings.looks.shots_client import RemoteShots
from services.shootings.models import Look, Shooting, messaging
from services.shootings.shared import access
from services.shootings.shared.access import Caller
from services.shootings.shootings import repository as repo

SOURCE = "shootings"
LOOK_LOC = ("id",)


class LooksServicer(looks_pb2_grpc.LooksServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context
        self.shots = RemoteShots(context)

    async def _editable_shooting(self, session: AsyncSession, who: Caller, raw_id: str) -> Shooting:
        shooting = await repo.lock_shooting(session, parse_uuid(raw_id, ("shooting_id",)))
        access.ensure_visible(who, shooting, "Shooting")
        assert shooting is not None
        return shooting

    async def _look(
        self, session: AsyncSession, shooting: Shooting, raw_id: str, *, include_deleted: bool = False
    ) -> Look:
        look_id = parse_uuid(raw_id, LOOK_LOC)
        look = await looks_repo.get_look(session, shooting.id, look_id, include_deleted=include_deleted)
        if look is None:
            raise NotFound("Production request not found")
        return look

    @replayable(pb.CreateLooksResponse)
    async def CreateLooks(
        self, request: pb.CreateLooksRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateLooksResponse:
        page = await self._create(request)
        return pb.CreateLooksResponse(page=page)

    @replayable(pb.LooksPage)
    async def CreateLook(self, request: pb.CreateLookRequest, context: grpc.aio.ServicerContext) -> pb.LooksPage:
        """One look from a product, a subject and shot types; incompatible genders are a 422.

        The look is created as a batch of one: a violation of what it names is located in the
        batch's terms (``product_ids``, ``subject_ids``, ``defaults.style_id``), which the
        gateway's one-look route maps to its public fields."""
        batch = pb.CreateLooksRequest(
            shooting_id=request.shooting_id,
            product_ids=[request.main_product_id],
            subject_ids=[request.subject_id],
            shot_type_ids=request.shot_type_ids,
        )
        if request.HasField("style_id"):
            batch.defaults.style_id = request.style_id
        if request.HasField("production_id"):
            batch.production_id = request.production_id
        page = await self._create(batch)
        if not page.looks:
            raise Invalid.at(("subject_id",), "The subject's gender does not match the product's")
        return page

    async def _create(self, request: pb.CreateLooksRequest) -> pb.LooksPage:
        who = caller(current_principal())
        async with self.shots.compensated() as shots, transaction(self.ctx.sessions) as session:
            shooting = await self._editable_shooting(session, who, request.shooting_id)
            staged = await creation.stage_creation(session, who, shooting, request)
            async with self.shots.creating(shooting, staged.shots, shots):
                rows = await looks_repo.insert_looks(session, staged.looks)
                await looks_repo.insert_look_shots(session, staged.look_shots)
                await looks_repo.recompute_shooting(session, shooting.id)
                await add_events(session, messaging, topic=SHOOTINGS_EVENTS, events=staged.events, source=SOURCE)
        return pb.LooksPage(
            looks=[look_to_pb(r) for r in rows],
            count=len(rows),
            entries=[entry_to_pb(e) for e in staged.entries],
            shots=shots,
        )

    async def UpdateLook(self, request: pb.UpdateLookRequest, context: grpc.aio.ServicerContext) -> pb.LooksPage:
        """E13: absent keys stay, explicit nulls apply (A13, R100); added shot types get their
        shots, removed ones lose theirs (A36); the answer is the full look with its shots."""
        who = caller(current_principal())
        async with self.shots.compensated() as created, transaction(self.ctx.sessions) as session:
            shooting = await self._editable_shooting(session, who, request.shooting_id)
            look = await self._look(session, shooting, request.id)
            update = await changes.plan_update(session, who, shooting, look, request)
            shots = await self.shots.of_looks([str(look.id)])
            new, removed = changes.shot_changes(shooting, look, update, shots)
            created.extend(await self.shots.create(shooting, [shot for shot, _ in new]))
            await changes.apply_update(
                session,
                shooting,
                look,
                update,
                created=[row for _, row in new],
                removed=removed,
                auto_generate=request.auto_generate,
            )
            await self.shots.delete([s.id for s in removed])  # last: it cannot be undone
            gone = {s.id for s in removed}
            return await changes.page(session, look, [s for s in shots if s.id not in gone] + created, created)

    async def DeleteLook(self, request: pb.LookRef, context: grpc.aio.ServicerContext) -> common_pb2.Empty:
        """E14 (R103): soft delete; its shots stay in the shots service, out of every read."""
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            shooting = await self._editable_shooting(session, who, request.shooting_id)
            await changes.delete(session, shooting, await self._look(session, shooting, request.id))
        return common_pb2.Empty()

    async def RestoreLook(self, request: pb.LookRef, context: grpc.aio.ServicerContext) -> common_pb2.Empty:
        """E16 (R104, A23): admin only; 409 for a live look, or while its shooting or production is deleted."""
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            shooting_id = parse_uuid(request.shooting_id, ("shooting_id",))
            shooting = await repo.lock_shooting(session, shooting_id, include_deleted=True)
            access.ensure_visible(who, shooting, "Shooting")
            assert shooting is not None
            access.ensure_admin(who)
            look = await self._look(session, shooting, request.id, include_deleted=True)
            await changes.restore(session, shooting, look)
        return common_pb2.Empty()


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["LooksService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    looks_pb2_grpc.add_LooksServiceServicer_to_server(LooksServicer(context), server)
