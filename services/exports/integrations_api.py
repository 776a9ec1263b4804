"""ExportsService handlers of external integrations and of the receivers' confirmations.

Mixed into :class:`services.exports.grpc_api.ExportsServicer`. Secrets are sealed on the way in
(:mod:`services.exports.secret_box`) and never leave: answers carry no secret, and a confirmation
is verified here against the secret, so the gateway never holds one either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import grpc

from platformkit.db import transaction
from platformkit.errors import NotFound
from platformkit.principal import caller
from platformkit.protoconv import parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import Unauthenticated, current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb
from services.exports import repository as repo
from services.exports.convert import integration_to_pb, push_to_pb
from services.exports.domain import pushes, signing
from services.exports.domain.formats import ensure_name
from services.exports.domain.integrations import ensure_endpoint_url, ensure_integration_type, ensure_secret
from services.exports.events import announce_status
from services.exports.models import ExternalIntegration
from services.exports.resources import Kind
from services.exports.secret_box import SecretBox

log = logging.getLogger(__name__)
INTEGRATIONS = Kind(ExternalIntegration, "External integration")
FIELDS = ("name", "integration_type", "endpoint_url", "secret")
_CHECKS = {
    "name": ensure_name,
    "integration_type": ensure_integration_type,
    "endpoint_url": ensure_endpoint_url,
    "secret": ensure_secret,
}


class IntegrationHandlers:
    ctx: ServiceContext
    box: SecretBox

    def _values(self, fields: pb.IntegrationFields, paths: Iterable[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for path in paths:
            if path in _CHECKS:
                values[path] = _CHECKS[path](getattr(fields, path), ("fields", path))
        if "secret" in values:
            values["secret_ciphertext"] = self.box.seal(values.pop("secret"))
        return values

    @replayable(pb.Integration)
    async def CreateIntegration(
        self, request: pb.CreateIntegrationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Integration:
        who = caller(current_principal())
        values = self._values(request.fields, FIELDS)
        async with transaction(self.ctx.sessions) as session:
            row = await INTEGRATIONS.create(session, who, values, request)
        return integration_to_pb(row)

    async def ListIntegrations(
        self, request: pb.ListScopedRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListIntegrationsResponse:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            rows, total = await INTEGRATIONS.page(session, who, request)
        return pb.ListIntegrationsResponse(integrations=[integration_to_pb(r) for r in rows], count=total)

    async def GetIntegration(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Integration:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            return integration_to_pb(await INTEGRATIONS.visible(session, who, request.id))

    async def UpdateIntegration(
        self, request: pb.UpdateIntegrationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Integration:
        who = caller(current_principal())
        values = self._values(request.fields, request.update_mask.paths)
        async with transaction(self.ctx.sessions) as session:
            row = await INTEGRATIONS.update(session, who, request.id, values)
        return integration_to_pb(row)

    async def DeleteIntegration(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            await INTEGRATIONS.delete(session, who, request.id)
        return common_pb2.Empty()

    async def ConfirmPush(self, request: pb.ConfirmPushRequest, context: grpc.aio.ServicerContext) -> pb.PushRecord:
        """A receiver settles a push it answered 202. The signature is checked before the body is
        even parsed; an unknown integration is refused the same way, so nothing is revealed."""
        integration_id = parse_uuid(request.integration_id, ("integration_id",))
        async with transaction(self.ctx.sessions) as session:
            integration = await repo.live(session, ExternalIntegration, integration_id)
            secret = self.box.open(integration.secret_ciphertext) if integration else None
            if integration is None or secret is None or not signing.verify(secret, request.body, request.signature):
                log.warning("push confirmation refused: bad signature", extra={"integration_id": str(integration_id)})
                raise Unauthenticated("Invalid signature")
            confirmation = pushes.parse_confirmation(request.body)
            push = await repo.locked_push(session, confirmation.push_id)
            if push is None or push.integration_id != integration.id:
                raise NotFound("Push not found")
            if pushes.confirmed_status(push.status, confirmation.status):
                now = datetime.now(UTC)
                push.status, push.updated_at = confirmation.status, now
                if confirmation.status == pushes.COMPLETED:
                    push.completed_at, push.error_message = now, None
                else:
                    push.error_message = confirmation.error_message or "Refused by the receiver"
                await announce_status(session, push)
        return push_to_pb(push)
