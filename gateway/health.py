"""The gateway's view of its dependencies: its database, the broker, every service.

All probes run concurrently and each is bounded by ``health_check_timeout_seconds``, so a
health request answers within about that time even when everything is down.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.clients import ServiceClients
from gateway.schemas.utils import SystemHealth
from platformkit.health import BrokerProbe, probe_database
from platformkit.settings import SERVICE_NAMES

OK = "ok"
SERVING = "SERVING"


def _status(problem: str | None) -> str:
    return OK if problem is None else f"error: {problem}"


async def check(engine: AsyncEngine, broker: BrokerProbe, clients: ServiceClients, seconds: float) -> SystemHealth:
    database, broker_problem, *services = await asyncio.gather(
        probe_database(engine, seconds),
        broker(seconds),
        *(clients.health_status(name, seconds) for name in SERVICE_NAMES),
    )
    return SystemHealth(
        gateway_database=_status(database),
        broker=_status(broker_problem),
        services=dict(zip(SERVICE_NAMES, services, strict=True)),
    )


def all_healthy(health: SystemHealth) -> bool:
    return (
        health.gateway_database == OK
        and health.broker == OK
        and all(status == SERVING for status in health.services.values())
    )
