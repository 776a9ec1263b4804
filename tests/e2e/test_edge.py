"""The public surface through Envoy: routing, limits, compression, traces and metrics end to end."""

from __future__ import annotations

import asyncio
import re
import secrets

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.envoy.params import EdgeParams
from tests.e2e.conftest import CLIENT_TIMEOUT

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def eventually(check, timeout: float = 20.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)


async def test_the_api_is_served_by_envoy_and_metrics_are_not_public(api, anon_api, stack) -> None:  # type: ignore[no-untyped-def]
    me = await api.get("/users/me")
    assert me.status_code == 200 and me.headers["server"] == "envoy"
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=CLIENT_TIMEOUT) as public:
        hidden = await public.get("/metrics")
        assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not Found"})
        docs = await public.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
        assert docs.status_code == 200 and docs.headers["content-encoding"] == "gzip"
        assert docs.json()["paths"]  # httpx inflated it: the body is the real document


async def test_a_body_over_the_limit_is_refused_by_envoy(anon_api) -> None:  # type: ignore[no-untyped-def]
    too_big = b"x" * (EdgeParams().max_request_bytes + 1)
    refused = await anon_api.post("/login/access-token", content=too_big)
    assert refused.status_code == 413


async def test_envoy_starts_the_trace_the_gateway_continues(api, otlp) -> None:  # type: ignore[no-untyped-def]
    trace_id = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    assert (await api.get("/users/me", headers=headers)).status_code == 200

    async def services() -> set[str] | None:
        found = {s.service for s in otlp.spans_of(trace_id)}
        return found if {"envoy", "gateway"} <= found else None

    assert await eventually(services), [(s.service, s.name) for s in otlp.spans_of(trace_id)]


def samples(exposition: str, name: str) -> list[dict[str, str]]:
    """The label sets of every sample called ``name`` with a positive value."""
    return [
        sample.labels
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and sample.value > 0
    ]


async def test_every_process_reports_metrics_of_the_calls_just_made(api, stack) -> None:  # type: ignore[no-untyped-def]
    assert (await api.get("/shootings/", params={"limit": 1})).status_code == 200
    wiring = stack.wiring
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT) as scraper:
        gateway = (await scraper.get(f"{wiring.gateway_bind_url}/metrics")).text
        assert {"route": "/api/v1/shootings/", "method": "GET", "status": "200"} in samples(
            gateway, "http_requests_total"
        )
        shootings = (await scraper.get(f"http://127.0.0.1:{wiring.metrics_ports['shootings']}/metrics")).text
        methods = {labels["grpc_method"] for labels in samples(shootings, "grpc_server_handled_total")}
        assert "ListShootings" in methods, methods
        assert any(f.name == "outbox_backlog" for f in text_string_to_metric_families(shootings))
        envoy = (await scraper.get(f"http://127.0.0.1:{wiring.edge_admin_port}/stats/prometheus")).text
        # Envoy's counters lack the _total suffix the client parser expects: read the line itself.
        answered = re.search(
            r"^envoy_http_downstream_rq_xx\{"
            r'envoy_response_code_class="2",envoy_http_conn_manager_prefix="edge"\} (\d+)',
            envoy,
            re.M,
        )
        assert answered is not None and int(answered.group(1)) > 0
