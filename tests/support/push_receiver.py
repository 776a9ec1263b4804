"""A real HTTP receiver of export pushes on loopback, for the push worker's tests.

Each path answers one way: ``/ok`` 200, ``/accept`` 202 (the push then awaits a signed callback),
``/refuse`` 400 with a reason, ``/flaky`` 503 for the first ``fail_first`` requests then 200,
``/slow`` answers after ``slow_seconds`` (a timeout for a worker with a shorter one). Every
request is recorded with its parsed parts and whether its ``X-Signature`` verified with the
secret the test registered, so tests assert on what actually went over the wire.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support.loopback import serving


@dataclass
class Received:
    path: str
    signature_valid: bool
    metadata: dict[str, Any]
    image: bytes
    filename: str
    content_type: str


@dataclass
class PushReceiver:
    secret: str
    url: str = ""
    fail_first: int = 0
    slow_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _record(self, request: Request) -> None:
        body = await request.body()
        valid = hmac.compare_digest(self.sign(body), request.headers.get("x-signature", ""))
        form = await request.form()
        image = form["image"]
        assert not isinstance(image, str)
        self.received.append(
            Received(
                path=request.url.path,
                signature_valid=valid,
                metadata=json.loads(str(form["metadata"])),
                image=await image.read(),
                filename=image.filename or "",
                content_type=image.content_type or "",
            )
        )

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/ok")
        async def ok(request: Request) -> Response:
            await self._record(request)
            return JSONResponse({"stored": True})

        @app.post("/accept")
        async def accept(request: Request) -> Response:
            await self._record(request)
            return JSONResponse({"queued": True}, status_code=202)

        @app.post("/refuse")
        async def refuse(request: Request) -> Response:
            await self._record(request)
            return JSONResponse({"detail": "unknown article code"}, status_code=400)

        @app.post("/flaky")
        async def flaky(request: Request) -> Response:
            await self._record(request)
            if self.fail_first > 0:
                self.fail_first -= 1
                return JSONResponse({"detail": "overloaded"}, status_code=503)
            return Response(status_code=204)

        @app.post("/slow")
        async def slow(request: Request) -> Response:
            await self._record(request)
            await asyncio.sleep(self.slow_seconds)
            return Response(status_code=200)

        return app


@asynccontextmanager
async def push_receiver(secret: str) -> AsyncIterator[PushReceiver]:
    receiver = PushReceiver(secret)
    async with serving(receiver.app()) as url:
        receiver.url = url
        yield receiver
