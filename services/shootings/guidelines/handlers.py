"""gRPC handlers of GuidelinesService: the /guidelines/ templates (never the production snapshots)."""

from __future__ import annotations

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import guidelines_pb2 as gpb
from protos.shootings.v1 import guidelines_pb2_grpc
from protos.shootings.v1 import shootings_pb2 as pb
from services.shootings.guidelines import repository as repo
from services.shootings.guidelines import templates
from services.shootings.guidelines.convert import guidelines_to_pb
from services.shootings.models import Guidelines
from services.shootings.shared import access
from services.shootings.shared.access import Caller
from services.shootings.shared.inputs import page_bounds


class GuidelinesServicer(guidelines_pb2_grpc.GuidelinesServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @replayable(pb.Guidelines)
    async def CreateGuidelines(
        self, request: gpb.CreateGuidelinesRequest, context: grpc.aio.ServicerContext
    ) -> pb.Guidelines:
        who = caller(current_principal())
        query_org = optional_uuid(request, "query_organization_id", ("query_organization_id",))
        access.ensure_organization_scope(who, query_org)
        body_org = optional_uuid(request.guidelines, "organization_id", ("guidelines", "organization_id"))
        organization_id = access.resolve_creation_organization(body_org, query_org)
        async with transaction(self.ctx.sessions) as session:
            template = await templates.create(session, who, request.guidelines, ("guidelines",), organization_id)
            await session.flush()
            return await _public(session, template)

    async def ListGuidelines(
        self, request: gpb.ListGuidelinesRequest, context: grpc.aio.ServicerContext
    ) -> gpb.ListGuidelinesResponse:
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        skip, limit = page_bounds(request.page)
        async with self.ctx.sessions() as session:
            rows, total = await repo.list_templates(
                session, owner_id=who.user_id, organization_id=organization_id, skip=skip, limit=limit
            )
            index = await templates.expand(session, rows)
        return gpb.ListGuidelinesResponse(guidelines=[guidelines_to_pb(r, index) for r in rows], count=total)

    async def GetGuidelines(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Guidelines:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            template = await _visible(session, who, request.id)
            return await _public(session, template)

    async def UpdateGuidelines(
        self, request: gpb.UpdateGuidelinesRequest, context: grpc.aio.ServicerContext
    ) -> pb.Guidelines:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            template = await _visible(session, who, request.id)
            changed = await templates.apply_patch(
                session, who, template, request.patch, list(request.update_mask.paths)
            )
            if changed:
                # Productions of the shootings that use the template take its new content (R42).
                await repo.rebake_template_users(session, template)
            return await _public(session, template)

    async def DeleteGuidelines(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            template = await _visible(session, who, request.id)
            repo.soft_delete(template)
        return common_pb2.Empty()


async def _visible(session: AsyncSession, who: Caller, raw_id: str) -> Guidelines:
    """Owner, organization members and admins see (and may edit) a template; others get 404."""
    template = await repo.get_template(session, parse_uuid(raw_id, ("id",)))
    access.ensure_visible(who, template, "Guidelines")
    assert template is not None
    return template


async def _public(session: AsyncSession, template: Guidelines) -> pb.Guidelines:
    return guidelines_to_pb(template, await templates.expand(session, [template]))


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    guidelines_pb2_grpc.add_GuidelinesServiceServicer_to_server(GuidelinesServicer(context), server)


SERVICE_NAME = gpb.DESCRIPTOR.services_by_name["GuidelinesService"].full_name
