"""Health endpoints against the real database and broker, with services absent, then present
(a real gRPC health server standing in for all four)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from grpc_health.v1 import health

from gateway.settings import GatewaySettings
from platformkit import rpc
from platformkit.settings import SERVICE_NAMES
from tests.support.principals import verifier

pytestmark = pytest.mark.timeout(120)


async def test_health_check_is_503_false_while_services_are_absent(client: httpx.AsyncClient) -> None:
    response = await client.get("/utils/health-check/")
    assert (response.status_code, response.json()) == (503, False)


async def test_system_health_names_what_is_missing(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await client.get("/utils/system-health-check", headers=admin_headers)
    assert response.status_code == 200
    report = response.json()
    assert (report["gateway_database"], report["broker"]) == ("ok", "ok")
    assert set(report["services"]) == set(SERVICE_NAMES)
    assert all(status in {"UNAVAILABLE", "DEADLINE_EXCEEDED"} for status in report["services"].values()), report


async def test_system_health_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/utils/system-health-check")).status_code == 401


@pytest.fixture
async def fake_services(gateway_settings: GatewaySettings) -> AsyncIterator[health.aio.HealthServicer]:
    """One gRPC server listening on every service target, answering health checks."""
    server, servicer = rpc.create_server([], verifier("shots"))
    for name in SERVICE_NAMES:
        assert server.add_insecure_port(gateway_settings.grpc_target(name)) > 0
    await server.start()
    await servicer.set("", rpc.SERVING)
    try:
        yield servicer
    finally:
        await server.stop(None)


async def test_health_follows_the_services(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fake_services: health.aio.HealthServicer
) -> None:
    healthy = await client.get("/utils/health-check/")
    assert (healthy.status_code, healthy.json()) == (200, True)
    report = (await client.get("/utils/system-health-check", headers=admin_headers)).json()
    assert report["services"] == dict.fromkeys(SERVICE_NAMES, "SERVING")

    await fake_services.set("", rpc.NOT_SERVING)
    degraded = await client.get("/utils/health-check/")
    assert (degraded.status_code, degraded.json()) == (503, False)
    report = (await client.get("/utils/system-health-check", headers=admin_headers)).json()
    assert report["services"] == dict.fromkeys(SERVICE_NAMES, "NOT_SERVING")
