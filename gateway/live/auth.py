"""Who is on a socket, and which shootings they may follow.

Authentication reuses the REST dependencies' own function (:func:`gateway.deps.principal_of`), so
a token the REST surface refuses is refused here with the same words. Access to a shooting is the
shootings service's call, asked exactly as ``GET /shootings/{id}/header`` asks it
(``GetShootingHeader`` with the user's principal and organization context); the answers are kept
for the connection's life, which the token's expiry bounds (an hour by default).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import grpc
import jwt
from fastapi import HTTPException

from gateway import deps, security
from gateway.clients import ServiceClients
from gateway.principals import PrincipalCache
from gateway.schemas.live import AuthMessage
from gateway.settings import GatewaySettings
from platformkit.access import NOT_A_MEMBER, may_reach
from platformkit.principal import Caller
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2

# Answers that mean "this user may not see it" (the service does not say which).
_REFUSALS = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT})


class AuthFailed(Exception):
    """The auth message is refused; the text is what the client is told."""


@dataclass(frozen=True)
class Identity:
    principal: common_pb2.Principal
    organization_id: uuid.UUID | None
    expires_at: datetime

    @property
    def user_id(self) -> uuid.UUID:
        return uuid.UUID(self.principal.user_id)


async def authenticate(message: AuthMessage, principals: PrincipalCache, settings: GatewaySettings) -> Identity:
    """The user behind the token, in the organization context asked for; raises AuthFailed."""
    try:
        expires_at = security.decode_access_token(message.token, settings.secret_key.get_secret_value()).expires_at
    except jwt.InvalidTokenError as exc:
        raise AuthFailed("Could not validate credentials") from exc
    try:
        principal = await deps.principal_of(message.token, settings, principals)
    except HTTPException as exc:
        raise AuthFailed(str(exc.detail)) from exc
    organization_id = message.organization_id
    if organization_id is not None and not may_reach(Caller.from_principal(principal), organization_id=organization_id):
        raise AuthFailed(NOT_A_MEMBER)
    return Identity(principal, organization_id, expires_at)


@dataclass
class ShootingAccess:
    """One connection's answers to "may this user see this shooting?"."""

    clients: ServiceClients
    identity: Identity
    _known: dict[uuid.UUID, bool] = field(default_factory=dict)

    async def visible(self, shooting_id: uuid.UUID) -> bool:
        """Raises ``grpc.aio.AioRpcError`` when the service cannot answer (nothing is cached)."""
        known = self._known.get(shooting_id)
        if known is not None:
            return known
        organization_id = self.identity.organization_id
        request = shootings_pb2.GetShootingRequest(
            id=str(shooting_id), organization_id=str(organization_id) if organization_id else None
        )
        try:
            await self.clients.shootings.GetShootingHeader(
                request, metadata=principal_metadata(self.identity.principal)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in _REFUSALS:
                raise
            visible = False
        else:
            visible = True
        self._known[shooting_id] = visible
        return visible
