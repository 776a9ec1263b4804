"""One request, followed across processes: the trace and the events it causes."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from platformkit.db import create_engine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def eventually(check, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``check`` until it returns something truthy (no timing is asserted, only the outcome)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)


async def test_one_trace_spans_gateway_service_and_kafka_consumer(api, otlp):
    created = await api.post("/shootings/", json={"name": "Traced", "due_date": "2027-01-01T00:00:00Z"})
    assert created.status_code == 200, created.text
    shooting_id = created.json()["id"]

    def trace_of_request():
        for span in list(otlp.spans):
            if (
                span.service == "gateway"
                and span.attributes.get("http.route") == "/api/v1/shootings/"
                and (span.attributes.get("http.request.method", span.attributes.get("http.method")) == "POST")
            ):
                return span.trace_id
        return None

    async def services_in_trace():
        trace_id = trace_of_request()
        if trace_id is None:
            return None
        services = {s.service for s in otlp.spans_of(trace_id)}
        return services if {"gateway", "shootings", "shots"} <= services else None

    services = await eventually(services_in_trace)
    assert services is not None, f"spans seen: {otlp.services_by_trace()}"
    spans = otlp.spans_of(trace_of_request())
    # The shots service's span is its consumer processing the shooting.created event.
    assert any(s.service == "shots" and "shootings.events" in s.name for s in spans), [s.name for s in spans]
    assert any(s.service == "shootings" and "CreateShooting" in s.name for s in spans)
    assert shooting_id


async def test_shooting_events_reach_the_shots_projection(api, stack):
    created = (await api.post("/shootings/", json={"name": "Projected", "due_date": "2027-01-01T00:00:00Z"})).json()
    engine = create_engine(stack.wiring.database_urls["shots"], pool_size=1)
    try:

        async def projected(deleted: bool):
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.text("SELECT owner_id, deleted FROM shooting_access WHERE shooting_id = :id"),
                        {"id": created["id"]},
                    )
                ).first()
            return row if row is not None and row.deleted == deleted else None

        row = await eventually(lambda: projected(False))
        assert row is not None and str(row.owner_id) == created["owner_id"]
        assert (await api.delete(f"/shootings/{created['id']}")).status_code == 200
        assert await eventually(lambda: projected(True)) is not None
    finally:
        await engine.dispose()
