"""Every gRPC service the shootings process serves, one module of handlers per concern; each
offers ``SERVICE_NAME`` and ``add_servicer``."""

from __future__ import annotations

import grpc

from platformkit.service import ServiceContext
from services.shootings.catalog import handlers as catalog_handlers
from services.shootings.catalog import references
from services.shootings.guidelines import handlers as guidelines_handlers
from services.shootings.looks import handlers as looks_handlers
from services.shootings.looks import query_handlers as look_query_handlers
from services.shootings.product_sets import handlers as product_sets_handlers
from services.shootings.productions import handlers as productions_handlers
from services.shootings.shootings import handlers as shootings_handlers

_HANDLER_MODULES = (
    shootings_handlers,
    guidelines_handlers,
    productions_handlers,
    catalog_handlers,
    product_sets_handlers,
    looks_handlers,
    look_query_handlers,
)

SERVICE_NAMES = tuple(module.SERVICE_NAME for module in _HANDLER_MODULES)


def add_servicers(server: grpc.aio.Server, context: ServiceContext) -> None:
    references.install(context)  # export configuration references resolve through the exports service
    for module in _HANDLER_MODULES:
        module.add_servicer(server, context)
