"""ExportsService handlers of export configurations and metadata adapters.

Mixed into :class:`services.exports.grpc_api.ExportsServicer`. ``ResolveExportConfigurations``
is how the other contexts check a reference (guidelines, looks, a user's default) in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

from platformkit.db import transaction
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb
from services.exports import repository as repo
from services.exports.convert import configuration_to_pb
from services.exports.domain import access
from services.exports.domain.adapters import ADAPTERS
from services.exports.domain.formats import ensure_adapter, ensure_format, ensure_name, ensure_quality
from services.exports.models import ExportConfiguration
from services.exports.resources import Kind

CONFIGURATIONS = Kind(ExportConfiguration, "Export configuration")
FIELDS = ("name", "format", "quality", "metadata_adapter")
_CHECKS = {"name": ensure_name, "format": ensure_format, "quality": ensure_quality, "metadata_adapter": ensure_adapter}


def configuration_values(fields: pb.ExportConfigurationFields, paths: Iterable[str]) -> dict[str, Any]:
    """The checked columns named by ``paths`` (``quality`` unset in the message is null)."""
    values: dict[str, Any] = {}
    for path in paths:
        if path in _CHECKS:
            given = getattr(fields, path) if path != "quality" or fields.HasField("quality") else None
            values[path] = _CHECKS[path](given, ("fields", path))  # type: ignore[operator]
    return values


class ConfigurationHandlers:
    ctx: ServiceContext

    async def ListMetadataAdapters(
        self, request: common_pb2.Empty, context: grpc.aio.ServicerContext
    ) -> pb.ListMetadataAdaptersResponse:
        current_principal()
        adapters = [
            pb.MetadataAdapter(
                code=a.code, display_name=a.display_name, naming_convention_example=a.naming_convention_example
            )
            for a in ADAPTERS.values()
        ]
        return pb.ListMetadataAdaptersResponse(adapters=adapters)

    @replayable(pb.ExportConfiguration)
    async def CreateExportConfiguration(
        self, request: pb.CreateExportConfigurationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportConfiguration:
        who = caller(current_principal())
        values = configuration_values(request.fields, FIELDS)
        async with transaction(self.ctx.sessions) as session:
            row = await CONFIGURATIONS.create(session, who, values, request)
        return configuration_to_pb(row)

    async def ListExportConfigurations(
        self, request: pb.ListScopedRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListExportConfigurationsResponse:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            rows, total = await CONFIGURATIONS.page(session, who, request)
        return pb.ListExportConfigurationsResponse(configurations=[configuration_to_pb(r) for r in rows], count=total)

    async def GetExportConfiguration(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportConfiguration:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            return configuration_to_pb(await CONFIGURATIONS.visible(session, who, request.id))

    async def UpdateExportConfiguration(
        self, request: pb.UpdateExportConfigurationRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportConfiguration:
        who = caller(current_principal())
        values = configuration_values(request.fields, request.update_mask.paths)
        async with transaction(self.ctx.sessions) as session:
            row = await CONFIGURATIONS.update(session, who, request.id, values)
        return configuration_to_pb(row)

    async def DeleteExportConfiguration(
        self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            await CONFIGURATIONS.delete(session, who, request.id)
        return common_pb2.Empty()

    async def ResolveExportConfigurations(
        self, request: pb.ResolveExportConfigurationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveExportConfigurationsResponse:
        """Live configurations usable in the scope (or, for a user's default, visible at all)."""
        who = caller(current_principal())
        ids = [parse_uuid(raw, ("ids", i)) for i, raw in enumerate(request.ids)]
        scope = optional_uuid(request, "scope_organization_id", ("scope_organization_id",))
        async with self.ctx.sessions() as session:
            rows = await repo.live_configurations(session, ids)
        usable = [
            str(r.id)
            for r in rows
            if (access.can_see(who, r) if request.any_visible else access.usable_in_scope(who, r, scope))
        ]
        return pb.ResolveExportConfigurationsResponse(usable_ids=usable)
