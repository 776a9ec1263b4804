"""gRPC handlers of ShootingsService: translate messages, apply the domain rules, persist, publish."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import Invalid
from platformkit.event_types import EventType
from platformkit.principal import caller
from platformkit.protoconv import from_timestamp, optional_uuid, parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2 as pb
from protos.shootings.v1 import shootings_pb2_grpc
from services.shootings import events
from services.shootings.guidelines import rules as guidelines
from services.shootings.guidelines import templates
from services.shootings.looks import repository as looks_repo
from services.shootings.models import Guidelines, Shooting
from services.shootings.productions import repository as productions_repo
from services.shootings.shared import access, lifecycle
from services.shootings.shared.access import Caller
from services.shootings.shared.inputs import page_bounds
from services.shootings.shared.statuses import parse_status_filter
from services.shootings.shootings import phases
from services.shootings.shootings import repository as repo
from services.shootings.shootings import rules as shooting_rules
from services.shootings.shootings.convert import header_to_pb, phase_from_pb, shooting_to_pb

Found = TypeVar("Found")
# Reads a shooting by id: the model (to change or to answer in full) or one row read directly (the header).
ShootingReader = Callable[[uuid.UUID], Awaitable[Found | None]]


class ShootingsServicer(shootings_pb2_grpc.ShootingsServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @replayable(pb.Shooting)
    async def CreateShooting(self, request: pb.CreateShootingRequest, context: grpc.aio.ServicerContext) -> pb.Shooting:
        who = caller(current_principal())
        shooting_rules.ensure_name(request.name)
        if not request.HasField("due_date"):
            raise Invalid.at(("due_date",), "Field required", "missing")
        phase = phase_from_pb(request.phase) or phases.DEFAULT_CREATION_PHASE
        phases.ensure_valid_creation(phase, request.require_test_shooting)
        guidelines.ensure_exclusive_template_choice(
            request.HasField("default_guidelines"), request.HasField("default_guidelines_id")
        )
        query_org = optional_uuid(request, "query_organization_id", ("query_organization_id",))
        access.ensure_organization_scope(who, query_org)
        body_org = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_usable_organization(who, body_org, ("organization_id",))
        organization_id = access.resolve_creation_organization(body_org, query_org)

        async with transaction(self.ctx.sessions) as session:
            template = await self._template_for_creation(session, request, who, organization_id)
            now = datetime.now(UTC)
            shooting = Shooting(
                id=uuid.uuid4(),
                name=request.name,
                description=_optional(request, "description"),
                due_date=from_timestamp(request, "due_date"),
                owner_id=who.user_id,
                organization_id=organization_id,
                archived=request.archived,
                season=_optional(request, "season"),
                collection=_optional(request, "collection"),
                brand=_optional(request, "brand"),
                default_guidelines=template,
                phase=phase.value,
                require_test_shooting=request.require_test_shooting,
                shooting_type=await repo.default_shooting_type(session),
                created_at=now,
                updated_at=now,
            )
            session.add(shooting)
            await session.flush()
            repo.add_phase_change(session, shooting, None, who.user_id)
            if phases.creates_main_production(phase):
                productions_repo.add_production(session, shooting, "MAIN", template)
            await events.shooting_created(session, shooting)
            await events.phase_changed(session, shooting, None, str(who.user_id))
            index = await templates.expand(session, [template])
        return shooting_to_pb(shooting, index)

    async def _template_for_creation(
        self, session: AsyncSession, request: pb.CreateShootingRequest, who: Caller, organization_id: uuid.UUID | None
    ) -> Guidelines | None:
        if request.HasField("default_guidelines"):
            return await templates.create(
                session, who, request.default_guidelines, ("default_guidelines",), organization_id
            )
        if request.HasField("default_guidelines_id"):
            return await templates.usable(
                session, who, request.default_guidelines_id, ("default_guidelines_id",), organization_id
            )
        return None

    async def ListShootings(
        self, request: pb.ListShootingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShootingsResponse:
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        skip, limit = page_bounds(request.page)
        status_filter = parse_status_filter(list(request.statuses))
        async with self.ctx.sessions() as session:
            rows, total = await repo.list_shootings(
                session,
                owner_id=who.user_id,
                organization_id=organization_id,
                status_filter=status_filter,
                skip=skip,
                limit=limit,
            )
            index = await templates.expand(session, (r.default_guidelines for r in rows))
        return pb.ListShootingsResponse(shootings=[shooting_to_pb(r, index) for r in rows], count=total)

    async def _visible(self, request: pb.GetShootingRequest, read: ShootingReader[Found]) -> Found:
        """The shooting the request names, as ``read`` reads it, if the caller may see it."""
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        shooting = await read(parse_uuid(request.id, ("id",)))
        access.ensure_visible(who, shooting, "Shooting")
        assert shooting is not None
        access.ensure_in_scope(shooting, organization_id, "Shooting")
        return shooting

    async def GetShooting(self, request: pb.GetShootingRequest, context: grpc.aio.ServicerContext) -> pb.Shooting:
        async with self.ctx.reads() as session:
            shooting = await self._visible(request, functools.partial(repo.get_shooting, session))
            return shooting_to_pb(shooting, await templates.expand(session, [shooting.default_guidelines]))

    async def GetShootingHeader(
        self, request: pb.GetShootingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ShootingHeader:
        # R37: the shooting, the template with its rules and its catalog chips: three statements
        # whatever the shooting holds (one without a template).
        row = await self._visible(request, functools.partial(repo.live_shooting_row, self.ctx.rows))
        if row.default_guidelines_id is None:
            return header_to_pb(row, None)
        async with self.ctx.reads() as session:
            template = await repo.guidelines_with_rules(session, row.default_guidelines_id)
            return header_to_pb(row, template, await templates.expand(session, [template]))

    async def UpdateShooting(self, request: pb.UpdateShootingRequest, context: grpc.aio.ServicerContext) -> pb.Shooting:
        who = caller(current_principal())
        # A transfer applies first, so that a template chosen in the same patch is checked in the new scope.
        paths = sorted(dict.fromkeys(request.update_mask.paths), key=lambda p: p != "organization_id")
        patch = request.patch
        shooting_rules.ensure_valid_update(paths, [p for p in paths if not patch.HasField(p)])
        async with transaction(self.ctx.sessions) as session:
            shooting = await repo.lock_shooting(session, parse_uuid(request.id, ("id",)))
            access.ensure_visible(who, shooting, "Shooting")
            assert shooting is not None
            changed = [p for p in paths if await self._apply(session, who, shooting, patch, p)]
            if changed:
                shooting.updated_at = datetime.now(UTC)
                await events.shooting_updated(session, shooting, changed)
            index = await templates.expand(session, [shooting.default_guidelines])
        return shooting_to_pb(shooting, index)

    async def _apply(
        self, session: AsyncSession, who: Caller, shooting: Shooting, patch: pb.ShootingPatch, path: str
    ) -> bool:
        """Apply one field of the patch; True when the stored value changed."""
        if path == "due_date":
            value: object = from_timestamp(patch, "due_date", ("patch", "due_date"))
        elif path == "organization_id":
            value = optional_uuid(patch, path, ("patch", path))
            if value != shooting.organization_id:
                access.ensure_owner(who, shooting, "transfer the shooting")  # A43
                access.ensure_usable_organization(who, value, ("patch", path))  # type: ignore[arg-type]
        elif path == "default_guidelines_id":
            # Checked against the shooting's scope after any transfer in the same patch (applied first).
            template = (
                await templates.usable(
                    session, who, patch.default_guidelines_id, ("patch", path), shooting.organization_id
                )
                if patch.HasField(path)
                else None
            )
            if (template.id if template else None) == shooting.default_guidelines_id:
                return False
            shooting.default_guidelines = template
            await productions_repo.rebake_snapshots(session, shooting.id, template)  # R42
            return True
        else:
            value = getattr(patch, path) if patch.HasField(path) else None
            if path == "name":
                shooting_rules.ensure_name(str(value), ("patch", "name"))
        if getattr(shooting, path) == value:
            return False
        setattr(shooting, path, value)
        return True

    async def DeleteShooting(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            shooting = await repo.lock_shooting(session, parse_uuid(request.id, ("id",)))
            access.ensure_visible(who, shooting, "Shooting")
            assert shooting is not None
            now = datetime.now(UTC)
            shooting.deleted_at = shooting.updated_at = now
            await productions_repo.soft_delete_productions(session, shooting.id, now)  # R44: same instant
            looks = await looks_repo.soft_delete_looks(session, shooting.id, now)
            await events.shooting_deleted(session, shooting)
            await events.looks_changed(session, EventType.LOOK_DELETED, shooting, looks)
        return common_pb2.Empty()

    async def RestoreShooting(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            shooting = await repo.lock_shooting(session, parse_uuid(request.id, ("id",)), include_deleted=True)
            access.ensure_visible(who, shooting, "Shooting")
            assert shooting is not None
            access.ensure_admin(who)  # R12
            deleted_at = lifecycle.ensure_deleted(shooting.deleted_at, "Shooting")
            shooting.deleted_at = None
            shooting.updated_at = datetime.now(UTC)
            await productions_repo.restore_productions(session, shooting.id, deleted_at)  # R45-R46
            looks = await looks_repo.restore_looks(session, shooting.id, deleted_at, shooting.updated_at)
            await events.shooting_restored(session, shooting)
            await events.looks_changed(session, EventType.LOOK_RESTORED, shooting, looks)
        return common_pb2.Empty()


def _optional(message: object, field: str) -> str | None:
    return getattr(message, field) if message.HasField(field) else None  # type: ignore[attr-defined]


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    shootings_pb2_grpc.add_ShootingsServiceServicer_to_server(ShootingsServicer(context), server)


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ShootingsService"].full_name
