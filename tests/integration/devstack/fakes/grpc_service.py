"""A gRPC server with standard health checking on ``<SERVICE>_GRPC_BIND``, like the real services."""

from __future__ import annotations

import asyncio
import os

import grpc
from grpc_health.v1 import health, health_pb2_grpc

from tests.integration.devstack.fakes.common import announce, spawn_grandchild


async def main() -> None:
    bind = next(v for k, v in os.environ.items() if k.endswith("_GRPC_BIND"))
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    server.add_insecure_port(bind)
    await server.start()
    spawn_grandchild()
    announce("grpc service")
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
