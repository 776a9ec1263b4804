"""gRPC handlers of ExportsService: one servicer made of the per-resource handler mixins."""

from __future__ import annotations

import grpc

from platformkit.media import MediaSettings, open_store
from platformkit.service import ServiceContext
from protos.exports.v1 import exports_pb2 as pb
from protos.exports.v1 import exports_pb2_grpc
from services.exports.configurations_api import ConfigurationHandlers
from services.exports.download_api import DownloadHandlers
from services.exports.exports_api import ExportHandlers
from services.exports.integrations_api import IntegrationHandlers
from services.exports.mappings_api import MappingHandlers
from services.exports.rendering import Renderer
from services.exports.secret_box import box_from_settings
from services.exports.settings import ExportsBase
from services.exports.sources import Sources


class ExportsServicer(
    ConfigurationHandlers,
    IntegrationHandlers,
    MappingHandlers,
    ExportHandlers,
    DownloadHandlers,
    exports_pb2_grpc.ExportsServiceServicer,
):
    def __init__(self, context: ServiceContext) -> None:
        settings = context.settings
        if not isinstance(settings, ExportsBase):
            raise TypeError("the exports service runs with ExportsSettings")
        self.ctx = context
        # Refuses to start without a key: secrets written now must be readable after a restart.
        self.box = box_from_settings(settings)
        self.sources = Sources(context)
        media = MediaSettings()
        self.renderer = Renderer(media, open_store(media))
        self.chunk_bytes = settings.download_chunk_bytes


SERVICE_NAMES = (pb.DESCRIPTOR.services_by_name["ExportsService"].full_name,)


def add_servicers(server: grpc.aio.Server, context: ServiceContext) -> None:
    exports_pb2_grpc.add_ExportsServiceServicer_to_server(ExportsServicer(context), server)
