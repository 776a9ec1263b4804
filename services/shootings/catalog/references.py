"""References of guidelines and looks: catalog entries checked here, export configurations by
the exports context (which owns them) in one batched call.

The exports client is installed once per process with the servicers (:func:`install`); without
it (a process that serves no RPC) every export configuration id is unusable, so nothing unchecked
is ever stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Unavailable
from platformkit.principal import Caller
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from protos.exports.v1 import exports_pb2
from protos.exports.v1.exports_pb2_grpc import ExportsServiceStub
from services.shootings.catalog import repository as catalog_repository
from services.shootings.models import CatalogEntry

EXPORT_CONFIGURATION = "export_configuration"
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


class ExportConfigurations:
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    async def unusable(self, ids: set[uuid.UUID], scope_organization_id: uuid.UUID | None) -> set[uuid.UUID]:
        """The ids that name no live configuration usable in the scope, for the current caller."""
        request = exports_pb2.ResolveExportConfigurationsRequest(ids=sorted(str(i) for i in ids))
        if scope_organization_id is not None:
            request.scope_organization_id = str(scope_organization_id)
        stub = ExportsServiceStub(self.ctx.channel("exports"))
        try:
            reply = await stub.ResolveExportConfigurations(request, metadata=principal_metadata(current_principal()))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _RETRYABLE:
                raise Unavailable("The exports service is unavailable; nothing was changed") from exc
            raise
        return ids - {uuid.UUID(i) for i in reply.usable_ids}


_export_configurations: ExportConfigurations | None = None


def install(context: ServiceContext) -> None:
    global _export_configurations
    _export_configurations = ExportConfigurations(context)


async def find_missing(
    session: AsyncSession,
    wanted: dict[str, set[uuid.UUID]],
    who: Caller,
    scope_organization_id: uuid.UUID | None,
    *,
    known: Mapping[uuid.UUID, CatalogEntry] | None = None,
) -> dict[str, set[uuid.UUID]]:
    """:func:`catalog_repository.find_missing_references`, export configurations included."""
    missing = await catalog_repository.find_missing_references(session, wanted, who, scope_organization_id, known=known)
    configurations = missing.pop(EXPORT_CONFIGURATION, set())
    if configurations and _export_configurations is not None:
        configurations = await _export_configurations.unusable(configurations, scope_organization_id)
    return missing | ({EXPORT_CONFIGURATION: configurations} if configurations else {})
