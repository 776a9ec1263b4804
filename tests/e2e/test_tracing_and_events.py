"""One request, followed across processes: the trace and the events it causes."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import sqlalchemy as sa

from platformkit.db import create_engine
from tests.support.otlp import TEST_TRACE_PREFIX

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
    # The caller starts the trace (W3C traceparent), so the test knows its id in advance.
    trace_id = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    created = await api.post(
        "/shootings/", json={"name": "Traced", "due_date": "2027-01-01T00:00:00Z"}, headers=headers
    )
    assert created.status_code == 200, created.text

    def expected_spans(spans) -> bool:  # type: ignore[no-untyped-def]
        # Each process exports its spans in batches on its own schedule: a service's database
        # or publish spans may arrive before its server span, so wait for the spans themselves.
        return (
            any(s.service == "gateway" for s in spans)
            and any(s.service == "shootings" and "CreateShooting" in s.name for s in spans)
            and any(s.service == "shots" and "shootings.events" in s.name for s in spans)
        )

    async def trace_complete():
        return expected_spans(otlp.spans_of(trace_id))

    await eventually(trace_complete)
    spans = otlp.spans_of(trace_id)
    # The shots service's span is its consumer processing the shooting.created event from Kafka.
    assert expected_spans(spans), [(s.service, s.name) for s in spans]


async def test_housekeeping_loops_export_no_traces_of_their_own(otlp):
    """Outbox polls, broker-epoch checks and health probes run every second in every process;
    they must not flood the tracing backend with traces of their own."""
    await asyncio.sleep(3)
    # Spans reach the receiver in batches, each process on its own schedule: a user trace whose
    # gateway span is still in the gateway's batch looks lonely for a moment, so look until the
    # lonely traces are all consumer work, for a while.
    housekeeping: dict[str, list[str]] = {}
    for _ in range(30):
        housekeeping = _housekeeping_traces(otlp)
        if not housekeeping:
            break
        await asyncio.sleep(0.5)
    assert housekeeping == {}


def _housekeeping_traces(otlp) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Traces without a gateway or Envoy span that are not consumer work, with their spans."""
    found = {}
    for trace_id, spans in otlp.traces().items():
        # Calls a test made to a service directly (tests/e2e/test_service_identity.py).
        if trace_id.startswith(TEST_TRACE_PREFIX):
            continue
        # Requests Envoy answers itself (an unknown path, a body over the limit) are traced by
        # Envoy alone: user traffic, not housekeeping.
        if any(s.service in ("gateway", "envoy") for s in spans):
            continue
        # aiokafka's instrumentation opens a "<topic> receive" span per fetched record: consumer
        # side, not a housekeeping loop (every topic a worker or a roll-up consumes shows them).
        if all("process" in s.name or s.name.endswith(" receive") or "shootings.events" in s.name for s in spans):
            continue
        found[trace_id] = sorted({f"{s.service}: {s.name}" for s in spans})
    return found


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
