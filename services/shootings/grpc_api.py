"""Every gRPC service the shootings process serves, one module of handlers per concern; each
offers ``SERVICE_NAME`` and ``add_servicer``."""

from __future__ import annotations

import grpc

from platformkit.service import ServiceContext
from services.shootings.catalog import handlers as catalog_api
from services.shootings.catalog import references
from services.shootings.guidelines import handlers as guidelines_api
from services.shootings.looks import handlers as looks_api
from services.shootings.looks import query_handlers as look_queries_api
from services.shootings.product_sets import handlers as product_sets_api
from services.shootings.productions import handlers as productions_api
from services.shootings.shootings import handlers as shootings_api

_API_MODULES = (
    shootings_api,
    guidelines_api,
    productions_api,
    catalog_api,
    product_sets_api,
    looks_api,
    look_queries_api,
)

SERVICE_NAMES = tuple(module.SERVICE_NAME for module in _API_MODULES)


def add_servicers(server: grpc.aio.Server, context: ServiceContext) -> None:
    references.install(context)  # export configuration references resolve through the exports service
    for module in _API_MODULES:
        module.add_servicer(server, context)
