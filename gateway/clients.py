"""gRPC channels and stubs to the services, built once per process in the app lifespan.

One channel per service (``platformkit.rpc.create_channel``: retries on UNAVAILABLE, default
deadline, the principal signed by the gateway for that service), a health stub on each, and the
typed stubs routes call. A new service contract gets
its stub here as one more field, built from ``channels["<service>"]``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from platformkit import principal_tokens
from platformkit.rpc import create_channel
from platformkit.settings import SERVICE_NAMES, ProcessSettings
from protos.exports.v1.exports_pb2_grpc import ExportsServiceStub
from protos.outfits.v1.outfits_pb2_grpc import OutfitsServiceStub
from protos.shootings.v1.catalog_pb2_grpc import CatalogServiceStub, ProductSetsServiceStub
from protos.shootings.v1.guidelines_pb2_grpc import GuidelinesServiceStub
from protos.shootings.v1.looks_pb2_grpc import LookQueriesServiceStub, LooksServiceStub
from protos.shootings.v1.productions_pb2_grpc import ProductionsServiceStub
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub

# Each typed stub and the service whose channel carries it; a new contract is one line here and
# one field below.
_STUBS: dict[str, tuple[str, type]] = {
    "shootings": ("shootings", ShootingsServiceStub),
    "guidelines": ("shootings", GuidelinesServiceStub),
    "productions": ("shootings", ProductionsServiceStub),
    "catalog": ("shootings", CatalogServiceStub),
    "product_sets": ("shootings", ProductSetsServiceStub),
    "looks": ("shootings", LooksServiceStub),
    "look_queries": ("shootings", LookQueriesServiceStub),
    "shots": ("shots", ShotsServiceStub),
    "outfits": ("outfits", OutfitsServiceStub),
    "exports": ("exports", ExportsServiceStub),
}


@dataclass
class ServiceClients:
    channels: dict[str, grpc.aio.Channel]
    health: dict[str, health_pb2_grpc.HealthStub]
    shootings: ShootingsServiceStub
    guidelines: GuidelinesServiceStub
    productions: ProductionsServiceStub
    catalog: CatalogServiceStub
    product_sets: ProductSetsServiceStub
    looks: LooksServiceStub
    look_queries: LookQueriesServiceStub
    shots: ShotsServiceStub
    outfits: OutfitsServiceStub
    exports: ExportsServiceStub

    @classmethod
    def connect(cls, settings: ProcessSettings) -> ServiceClients:
        """Channels connect lazily, so the gateway starts even while services are still down.
        Each signs the caller's principal for its service, as the gateway."""
        signer = principal_tokens.signer_from(settings, principal_tokens.GATEWAY)
        channels = {
            name: create_channel(
                settings.grpc_target(name),
                deadline_seconds=settings.grpc_deadline_seconds,
                signer=signer,
                audience=name,
            )
            for name in SERVICE_NAMES
        }
        return cls(
            channels=channels,
            health={name: health_pb2_grpc.HealthStub(channel) for name, channel in channels.items()},
            **{name: stub(channels[service]) for name, (service, stub) in _STUBS.items()},
        )

    async def health_status(self, service: str, seconds: float) -> str:
        """The service's overall gRPC health status name (``SERVING``, ``NOT_SERVING``, ...), or the
        call's failure code (e.g. ``UNAVAILABLE``, ``DEADLINE_EXCEEDED``) when it does not answer."""
        try:
            answer = await self.health[service].Check(health_pb2.HealthCheckRequest(service=""), timeout=seconds)
        except grpc.aio.AioRpcError as exc:
            return exc.code().name
        return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)

    async def close(self, grace: float | None = None) -> None:
        await asyncio.gather(*(channel.close(grace) for channel in self.channels.values()))
