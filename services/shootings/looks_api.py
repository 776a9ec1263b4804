"""gRPC handlers of LooksService (commands on looks).

Creation is atomic from the caller's view: the looks, their shots' read model and their events
are written in one transaction, and the shots are created in the shots service (one batched,
idempotent call) before that transaction commits. If the shots call fails, nothing commits; if
the commit itself fails after the shots exist, the shots are deleted again (compensation).
"""

from __future__ import annotations

import logging

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Invalid, Unavailable
from platformkit.outbox import add_events
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from platformkit.topics import SHOOTINGS_EVENTS
from protos.shootings.v1 import looks_pb2 as pb
from protos.shootings.v1 import looks_pb2_grpc
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shootings import catalog_repository, look_creation
from services.shootings import looks_repository as looks_repo
from services.shootings import repository as repo
from services.shootings.catalog_convert import entry_to_pb
from services.shootings.convert import caller, parse_uuid
from services.shootings.domain import access
from services.shootings.domain.access import Caller
from services.shootings.looks_convert import look_to_pb
from services.shootings.models import Shooting, messaging

log = logging.getLogger(__name__)
SOURCE = "shootings"
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


class LooksServicer(looks_pb2_grpc.LooksServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @property
    def shots(self) -> ShotsServiceStub:
        return ShotsServiceStub(self.ctx.channel("shots"))

    async def _editable_shooting(self, session: AsyncSession, who: Caller, raw_id: str) -> Shooting:
        shooting = await repo.lock_shooting(session, parse_uuid(raw_id, ("path", "shooting_id")))
        access.ensure_visible(who, shooting, "Shooting")
        assert shooting is not None
        return shooting

    async def CreateLooks(
        self, request: pb.CreateLooksRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateLooksResponse:
        page = await self._create(request)
        return pb.CreateLooksResponse(page=page)

    async def CreateLook(self, request: pb.CreateLookRequest, context: grpc.aio.ServicerContext) -> pb.LooksPage:
        """One look from a product, a subject and shot types; incompatible genders are a 422."""
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
        page = await self._create(batch, field_names={"product_ids": "main_product_id", "subject_ids": "subject_id"})
        if not page.looks:
            raise Invalid.at(("body", "subject_id"), "The subject's gender does not match the product's")
        return page

    async def _create(self, request: pb.CreateLooksRequest, field_names: dict[str, str] | None = None) -> pb.LooksPage:
        principal = current_principal()
        who = caller(principal)
        shots: list[shots_pb2.Shot] = []
        async with self.ctx.sessions() as session:
            try:
                async with session.begin():
                    shooting = await self._editable_shooting(session, who, request.shooting_id)
                    staged = await look_creation.stage_creation(session, who, shooting, request)
                    await looks_repo.insert_looks(session, staged.looks)
                    await looks_repo.insert_look_shots(session, staged.look_shots)
                    await looks_repo.recompute_shooting(session, shooting.id)
                    await add_events(session, messaging, topic=SHOOTINGS_EVENTS, events=staged.events, source=SOURCE)
                    shots = await self._create_shots(shooting, staged.shots, principal)
                    rows = await looks_repo.looks_by_ids(session, [look["id"] for look in staged.looks])
                    entries = await catalog_repository.batch_get(session, None, list(staged.entry_ids))
            except Invalid as exc:
                raise _renamed(exc, field_names or {}) from None
            except Exception:
                if shots:  # created, but the looks did not commit
                    await self._compensate([s.id for s in shots])
                raise
        return pb.LooksPage(
            looks=[look_to_pb(r) for r in rows], count=len(rows), entries=[entry_to_pb(e) for e in entries], shots=shots
        )

    async def _create_shots(self, shooting: Shooting, new: list[shots_pb2.NewShot], principal) -> list[shots_pb2.Shot]:  # type: ignore[no-untyped-def]
        if not new:
            return []
        scope = shots_pb2.ShootingScope(shooting_id=str(shooting.id), owner_id=str(shooting.owner_id))
        if shooting.organization_id:
            scope.organization_id = str(shooting.organization_id)
        try:
            reply = await self.shots.CreateShots(
                shots_pb2.CreateShotsRequest(shooting=scope, shots=new),
                metadata=principal_metadata(principal),
                timeout=60,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _RETRYABLE:
                raise Unavailable("The shots service is unavailable; no look was created") from exc
            raise
        return list(reply.shots)

    async def _compensate(self, shot_ids: list[str]) -> None:
        """The looks did not commit: take back the shots created for them."""
        try:
            await self.shots.DeleteShots(
                shots_pb2.DeleteShotsRequest(shot_ids=shot_ids), metadata=principal_metadata(current_principal())
            )
        except grpc.aio.AioRpcError:
            # Orphan shots name looks that do not exist: no read ever reaches them.
            log.exception("could not delete %d shots of looks that did not commit", len(shot_ids))


def _renamed(exc: Invalid, names: dict[str, str]) -> Invalid:
    """Violations located at the one-look endpoint's own field names."""
    for violation in exc.violations:
        if len(violation.loc) > 1 and violation.loc[1] in names:
            violation.loc = (violation.loc[0], names[violation.loc[1]], *violation.loc[2:])
    return exc


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["LooksService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    looks_pb2_grpc.add_LooksServiceServicer_to_server(LooksServicer(context), server)
