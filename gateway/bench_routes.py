"""Internal routes for `make bench` only, mounted when ``BENCH_ENDPOINTS=1`` and never otherwise.

Scenario 3 of the benchmark compares the kanban board (E9) with serving the very same JSON bytes
from memory *in the same gateway process*: the gap is what composing the answer costs (auth,
gRPC fan-out, SQL, serialization), the rest is what uvicorn and FastAPI cost anyway. The bench
stores the E9 answer once (``PUT /_bench/bytes``) and then loads ``GET /_bench/bytes``.

Outside ``/api/v1``: not in the OpenAPI document, not routed by Envoy (its public routes are
``/api/v1``, ``/docs`` and ``/openapi.json``), reachable only on the gateway's loopback port, and
absent unless the setting is on (a normal `make run` never has it).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response

BENCH_PREFIX = "/_bench"

router = APIRouter(prefix=BENCH_PREFIX, include_in_schema=False)


@router.put("/bytes", status_code=204)
async def store_bytes(request: Request) -> Response:
    """Keep the request body in the process's memory (one slot: the last one wins)."""
    request.app.state.bench_bytes = await request.body()
    return Response(status_code=204)


@router.get("/bytes")
async def stored_bytes(request: Request) -> Response:
    """The stored bytes as ``application/json``, untouched (404 before anything was stored)."""
    body: bytes | None = getattr(request.app.state, "bench_bytes", None)
    if body is None:
        return Response(status_code=404)
    return Response(body, media_type="application/json")


def mount(app: FastAPI) -> None:
    app.include_router(router)
