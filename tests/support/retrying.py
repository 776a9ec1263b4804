"""A client that follows the platform's documented retry policy (README "Reliability").

Idempotent requests (GET, PUT, DELETE) are Envoy's to retry: this client sends them once, so any
5xx they meet reaches the test. Envoy cannot retry an answer it already began to pass on, though:
when a gateway dies while sending one, the client sees the connection cut mid-answer, and sends
the idempotent request again itself (counted as absorbed too). Every POST and PATCH carries an
``Idempotency-Key``; when one comes back 502 or 503 (its gateway went away mid-request, or a
service it needed was down), or without an answer at all, or 409 "still being processed" (the
first attempt holds the key), it is sent again with the same key after ``Retry-After``, so it
takes effect once whatever happened to the first attempt. What this client absorbed that way is
counted in :attr:`absorbed`.
"""

from __future__ import annotations

import asyncio
import collections
import time
import uuid

import httpx

KEY = "Idempotency-Key"
RETRIED = frozenset({502, 503})
IN_PROGRESS = "still being processed"


class IdempotentRetries(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport | None = None, *, deadline_seconds: float = 120.0) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.deadline_seconds = deadline_seconds
        self.absorbed: collections.Counter[str] = collections.Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in ("POST", "PATCH"):
            return await self._cut_answers_sent_again(request)
        request.headers.setdefault(KEY, f"retrying-{uuid.uuid4()}")
        await request.aread()
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            try:
                response = await self.inner.handle_async_request(request)
                body = await response.aread()  # an answer cut off mid-body is no answer either
            except httpx.TransportError as exc:
                why, wait = f"{request.method} {type(exc).__name__}", 0.5
            else:
                if not self._retried(response, body):
                    return response
                why = f"{request.method} {response.status_code}"
                wait = float(response.headers.get("Retry-After") or 0.5)
            self.absorbed[why] += 1
            if time.monotonic() + wait > deadline:
                raise httpx.ReadTimeout(f"{request.method} {request.url.path}: no answer by the deadline")
            await asyncio.sleep(wait)

    async def _cut_answers_sent_again(self, request: httpx.Request) -> httpx.Response:
        """An idempotent request, sent again only when its answer was cut off after it began."""
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            response = await self.inner.handle_async_request(request)
            try:
                await response.aread()
                return response
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                self.absorbed[f"{request.method} cut off: {type(exc).__name__}"] += 1
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    @staticmethod
    def _retried(response: httpx.Response, body: bytes) -> bool:
        if response.status_code in RETRIED:
            return True
        return response.status_code == 409 and IN_PROGRESS.encode() in body

    async def aclose(self) -> None:
        await self.inner.aclose()
