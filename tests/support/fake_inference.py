"""A fake inference endpoint for the ``http`` generation provider, served on loopback.

``POST /sync`` answers the images at once; ``POST /async`` answers 202 with a status URL that
reports PROCESSING once, then COMPLETED; ``POST /flaky`` fails with 503 ``fail_first`` times;
``POST /refuse`` is a 400. Every request is recorded (path, headers, body) for assertions.
"""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

from tests.support.loopback import serving


def png(seed: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 24), (seed % 256, 80, 160)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@dataclass
class FakeInference:
    url: str = ""
    fail_first: int = 0
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        async def record(request: Request) -> dict[str, Any]:
            body = await request.json() if request.method == "POST" else None
            self.requests.append((request.url.path, dict(request.headers), body))
            return body or {}

        @app.post("/sync")
        async def sync(request: Request) -> dict[str, Any]:
            body = await record(request)
            return {"images": [png(s) for s in body["seeds"]]}

        @app.post("/async")
        async def accepted(request: Request) -> JSONResponse:
            body = await record(request)
            job = body["generation_id"]
            self.polls[job] = 0
            seeds = ",".join(str(s) for s in body["seeds"])
            return JSONResponse({"status_url": f"{self.url}/status/{job}?seeds={seeds}"}, status_code=202)

        @app.get("/status/{job}")
        async def status(job: str, seeds: str, request: Request) -> dict[str, Any]:
            await record(request)
            self.polls[job] += 1
            if self.polls[job] < 2:
                return {"status": "PROCESSING"}
            return {"status": "COMPLETED", "images": [png(int(s)) for s in seeds.split(",")]}

        @app.post("/flaky")
        async def flaky(request: Request) -> JSONResponse:
            body = await record(request)
            if self.fail_first > 0:
                self.fail_first -= 1
                return JSONResponse({"detail": "overloaded"}, status_code=503)
            return JSONResponse({"images": [png(s) for s in body["seeds"]]})

        @app.post("/refuse")
        async def refuse(request: Request) -> JSONResponse:
            await record(request)
            return JSONResponse({"detail": "prompt rejected"}, status_code=400)

        return app


@asynccontextmanager
async def fake_inference() -> AsyncIterator[FakeInference]:
    fake = FakeInference()
    async with serving(fake.app()) as url:
        fake.url = url
        yield fake
