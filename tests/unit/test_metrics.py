"""The Prometheus hooks: HTTP by route template, gRPC by status code, the exposition server."""

from __future__ import annotations

import re

import grpc
import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from platformkit import metrics, rpc
from tests.support.principals import verifier


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def app() -> FastAPI:
    router = APIRouter(prefix="/things")

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise HTTPException(404)
        if thing_id == "broken":
            raise RuntimeError("boom")
        return {"id": thing_id}

    api = FastAPI()
    api.include_router(router, prefix="/api/v1")
    api.add_middleware(metrics.HttpMetrics)
    return api


async def test_http_requests_are_counted_by_route_template_and_status() -> None:
    route = {"route": "/api/v1/things/{thing_id}", "method": "GET"}
    before = {code: sample("http_requests_total", status=code, **route) for code in ("200", "404", "500")}
    latency_before = sample("http_request_duration_seconds_count", **route)
    transport = httpx.ASGITransport(app=app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/api/v1/things/1")).status_code == 200
        assert (await client.get("/api/v1/things/2")).status_code == 200
        assert (await client.get("/api/v1/things/missing")).status_code == 404
        assert (await client.get("/api/v1/things/broken")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
        assert (await client.get("/docs")).status_code == 200
    after = {code: sample("http_requests_total", status=code, **route) for code in before}
    assert {code: after[code] - before[code] for code in before} == {"200": 2, "404": 1, "500": 1}
    assert sample("http_request_duration_seconds_count", **route) - latency_before == 4
    # Ids never become label values; an unmatched path has one series of its own.
    assert sample("http_requests_total", route="/api/v1/things/1", method="GET", status="200") == 0
    assert sample("http_requests_total", route="/docs", method="GET", status="200") >= 1
    assert sample("http_requests_total", route=metrics.UNMATCHED_ROUTE, method="GET", status="404") >= 1


async def test_grpc_calls_are_counted_by_method_and_final_status() -> None:
    server, health = rpc.create_server([], verifier("shots"))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await health.set("known", health_pb2.HealthCheckResponse.SERVING)
    labels = {"grpc_service": "grpc.health.v1.Health", "grpc_method": "Check"}
    before = {code: sample("grpc_server_handled_total", grpc_code=code, **labels) for code in ("OK", "NOT_FOUND")}
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            await stub.Check(health_pb2.HealthCheckRequest(service="known"))
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await stub.Check(health_pb2.HealthCheckRequest(service="unknown"))
            assert failure.value.code() is grpc.StatusCode.NOT_FOUND
    finally:
        await server.stop(None)
    after = {code: sample("grpc_server_handled_total", grpc_code=code, **labels) for code in before}
    assert {code: after[code] - before[code] for code in before} == {"OK": 1, "NOT_FOUND": 1}
    assert sample("grpc_server_handling_seconds_count", **labels) >= 2


def test_the_exposition_server_serves_the_registry_and_frees_its_port() -> None:
    server = metrics.serve("127.0.0.1:0")
    assert server is not None
    metrics.record_generation("completed")
    body = httpx.get(f"http://127.0.0.1:{server.port}/metrics").text
    assert 'generation_outcomes_total{outcome="completed"}' in body
    # Declared before the first push (other tests of the session may have counted some since).
    assert re.search(r'^push_outcomes_total\{outcome="failed"\} \d', body, re.MULTILINE)
    server.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}/metrics")
    assert metrics.serve(None) is None and metrics.serve("") is None


def test_bind_addresses_parse_like_grpc_binds() -> None:
    assert metrics.parse_bind("0.0.0.0:9100") == ("0.0.0.0", 9100)
    assert metrics.parse_bind(":9100") == ("0.0.0.0", 9100)
    assert metrics.parse_bind("[::]:9100") == ("::", 9100)
