"""Generation quotas of an organization: its members (and admins) read them, admins set the
organization's own limits. Budgets are counted by the shots service, where every generation
starts; beyond them, starting generations answers 429 with ``Retry-After``."""

from __future__ import annotations

import uuid

from gateway.deps import ClientsDep, CurrentSuperuser, CurrentUser, PrincipalDep, SessionDep
from gateway.repository import organizations
from gateway.route_index import IndexedRouter
from gateway.schemas.quotas import GenerationQuotaPublic, GenerationQuotaUpdate
from platformkit.rpc import principal_metadata
from protos.shots.v1 import shots_pb2 as pb

router = IndexedRouter(prefix="/organizations", tags=["organizations"])
QUOTA_PATH = "/{organization_id}/generation-quota"


@router.get(QUOTA_PATH, summary="Read Generation Quota")
async def read_generation_quota(
    session: SessionDep, user: CurrentUser, clients: ClientsDep, principal: PrincipalDep, organization_id: uuid.UUID
) -> GenerationQuotaPublic:
    await organizations.get_visible(session, organization_id, user)  # 404 for a non-member
    request = pb.GenerationQuotaRequest(organization_id=str(organization_id))
    reply = await clients.shots.GetGenerationQuota(request, metadata=principal_metadata(principal))
    return GenerationQuotaPublic.from_pb(reply)


@router.put(QUOTA_PATH, summary="Set Generation Quota")
async def set_generation_quota(
    session: SessionDep,
    admin: CurrentSuperuser,
    clients: ClientsDep,
    principal: PrincipalDep,
    organization_id: uuid.UUID,
    body: GenerationQuotaUpdate,
) -> GenerationQuotaPublic:
    """Admins only (403 otherwise)."""
    await organizations.get_visible(session, organization_id, admin)
    reply = await clients.shots.SetGenerationQuota(body.to_pb(organization_id), metadata=principal_metadata(principal))
    return GenerationQuotaPublic.from_pb(reply)
