"""The floor: what a one-process monolith would do, to compare the platform's path against.

    BENCH_FLOOR_DSN=postgresql://... BENCH_FLOOR_PORT=8123 python -m bench.floor

``GET /floor/constant`` returns a small constant JSON (the cost of FastAPI and uvicorn alone);
``GET /floor/shootings/{id}`` reads the same shooting row by primary key with asyncpg and returns
it as JSON (the cost of one framework request plus one indexed query). Same server settings as
the gateway (uvicorn, uvloop, httptools, one process), no authentication, no telemetry: the floor
is what the platform's extra hops are measured against, not a competitor.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException, Request

CONSTANT = {"status": "ok", "service": "floor", "version": 1}
SHOOTING_BY_ID = (
    "SELECT id, name, description, due_date, owner_id, organization_id, phase, created_at, updated_at "
    "FROM shootings WHERE id = $1"
)


def create_app(dsn: str, pool_size: int = 10) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None)

    @app.get("/floor/constant")
    async def constant() -> dict[str, Any]:
        return CONSTANT

    @app.get("/floor/shootings/{shooting_id}")
    async def shooting(shooting_id: uuid.UUID, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(SHOOTING_BY_ID, shooting_id)
        if row is None:
            raise HTTPException(404, "Shooting not found")
        return dict(row)

    return app


def main() -> None:
    app = create_app(os.environ["BENCH_FLOOR_DSN"])
    port = int(os.environ["BENCH_FLOOR_PORT"])
    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning")


if __name__ == "__main__":
    main()
