"""ShotsService handlers of generation budgets; mixed into the servicer."""

from __future__ import annotations

import uuid

import grpc

from platformkit.access import may_reach
from platformkit.db import transaction
from platformkit.errors import NotFound, PermissionDenied
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2 as pb
from services.shots import quotas, shooting_source
from services.shots.domain import quotas as rules
from services.shots.domain.access import ensure_visible

ORGANIZATION_LOC = ("organization_id",)


class QuotaHandlers:
    ctx: ServiceContext

    async def _quota_answer(self, organization_id: uuid.UUID) -> pb.GenerationQuota:
        scope = rules.Scope(organization_id, owner_id=uuid.UUID(int=0))
        defaults = self.ctx.settings.generation_quota  # type: ignore[attr-defined]
        async with self.ctx.sessions() as session:
            own = await quotas.own_limits(session, organization_id)
            budget = rules.limits(defaults, *own)
            used = await quotas.spent(session, scope.key)
            now = await quotas.now(session)
        message = pb.GenerationQuota(
            organization_id=str(organization_id),
            per_hour=budget.per_hour,
            per_day=budget.per_day,
            used_last_hour=sum(images for at, images in used if at > now - rules.HOUR),
            used_last_day=sum(images for _, images in used),
        )
        if own[0] is not None:
            message.own_per_hour = own[0]
        if own[1] is not None:
            message.own_per_day = own[1]
        return message

    async def GetGenerationQuota(
        self, request: pb.GenerationQuotaRequest, context: grpc.aio.ServicerContext
    ) -> pb.GenerationQuota:
        """An organization's members and admins see its budgets (404 for anyone else)."""
        organization_id = parse_uuid(request.organization_id, ORGANIZATION_LOC)
        who = caller(current_principal())
        if not may_reach(who, organization_id=organization_id):
            raise NotFound("Organization not found")
        return await self._quota_answer(organization_id)

    async def SetGenerationQuota(
        self, request: pb.SetGenerationQuotaRequest, context: grpc.aio.ServicerContext
    ) -> pb.GenerationQuota:
        """Admins only: the organization's own limits (unset ones fall back to the defaults)."""
        organization_id = parse_uuid(request.organization_id, ORGANIZATION_LOC)
        who = caller(current_principal())
        if not who.is_superuser:
            raise PermissionDenied("Only an admin may set an organization's generation quota")
        per_hour = request.per_hour if request.HasField("per_hour") else None
        per_day = request.per_day if request.HasField("per_day") else None
        async with transaction(self.ctx.sessions) as session:
            await quotas.set_limits(session, organization_id, per_hour, per_day, who.user_id)
        return await self._quota_answer(organization_id)

    async def CheckGenerationBudget(
        self, request: pb.CheckGenerationBudgetRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        shooting_id = parse_uuid(request.shooting_id, ("shooting_id",))
        defaults = self.ctx.settings.generation_quota  # type: ignore[attr-defined]
        async with self.ctx.sessions() as session:
            found = ensure_visible(
                caller(current_principal()), await shooting_source.scope_of(self.ctx, shooting_id, session), "Shooting"
            )
            scope = rules.Scope(found.organization_id, found.owner_id)
            budget = await quotas.limits_of(session, scope, defaults)
            rules.check(
                scope, budget, await quotas.spent(session, scope.key), request.images, await quotas.now(session)
            )
        return common_pb2.Empty()
