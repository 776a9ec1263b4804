"""The ASGI layer of ``Idempotency-Key``: around every ``POST``/``PATCH`` under ``/api/v1``.

A request with the header and a valid bearer token is run at most once per (user, key): the
first one runs and its answer (status, headers, body) is stored; a repeat of the same request
gets that answer again (with ``Idempotent-Replayed: true``), a repeat while the first still runs
gets 409 with ``Retry-After``, and the key with a different request gets 422. Without a valid
token the header is ignored: the route answers 401 (or, for the anonymous login and push
callback, runs as always), and anonymous callers never share keys.

The request runs to its end even when the client hangs up (uvicorn drops what is sent to a gone
client), so the answer is stored and the client's retry gets it instead of doing the work again.
While it runs its lease is renewed; a gateway that dies leaves a lease that runs out soon, and a
repeat then takes the key over and runs the request again.
Only the user id is read from the token here, without the database; the route still
authenticates the request in full.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import jwt
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import security
from gateway.errors import validation_body
from gateway.idempotency import keys, store
from gateway.settings import GatewaySettings
from platformkit.call_rewrites import ServedRequest, serving_request
from platformkit.transient import caused_by_transient

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
IN_PROGRESS_RETRY_AFTER_SECONDS = 1


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in keys.METHODS or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw_key = headers.get(keys.HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = keys.parse_key(raw_key.encode("latin-1"))
        if key is None:
            await _invalid_key(scope, receive, send)
            return
        settings: GatewaySettings = scope["app"].state.settings
        user_id = _user_of(headers, settings)
        if user_id is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its body: nothing to run
        request = store.Request(
            user_id=user_id,
            key=key,
            fingerprint=keys.fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body),
            method=scope["method"],
            path=scope["path"],
        )
        await _Keyed(self.app, scope["app"].state.sessions, settings, request).run(scope, body, receive, send)


def _user_of(headers: Headers, settings: GatewaySettings) -> uuid.UUID | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return security.decode_access_token(token, settings.secret_key.get_secret_value()).user_id
    except jwt.InvalidTokenError:
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _invalid_key(scope: Scope, receive: Receive, send: Send) -> None:
    body = validation_body([(["header", keys.HEADER], keys.INVALID_MESSAGE, "value_error")])
    await JSONResponse(body, status_code=422)(scope, receive, send)


class _Keyed:
    """One request that holds a key: claim it, run or answer from the store, keep the answer."""

    def __init__(self, app: ASGIApp, sessions, settings: GatewaySettings, request: store.Request) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.sessions = sessions
        self.request = request
        self.lease = timedelta(seconds=settings.idempotency_lease_seconds)
        self.ttl = timedelta(hours=settings.idempotency_key_ttl_hours)

    async def run(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        try:
            claim = await store.claim(self.sessions, self.request, lease=self.lease, ttl=self.ttl)
        except Exception as exc:
            if not caused_by_transient(exc):
                raise
            log.warning("idempotency store unavailable: %s: %s", type(exc).__name__, exc)
            await _answer(scope, receive, send, 503, "Service temporarily unavailable, retry later", retry_after=1)
            return
        if claim.outcome is store.Outcome.MISMATCH:
            body_422 = validation_body([(["header", keys.HEADER], keys.MISMATCH_MESSAGE, "idempotency_key_reused")])
            await JSONResponse(body_422, status_code=422)(scope, receive, send)
        elif claim.outcome is store.Outcome.IN_PROGRESS:
            await _answer(
                scope, receive, send, 409, keys.IN_PROGRESS_MESSAGE, retry_after=IN_PROGRESS_RETRY_AFTER_SECONDS
            )
        elif claim.outcome is store.Outcome.REPLAY:
            assert claim.answer is not None
            await _replay(send, claim.answer)
        else:
            assert claim.attempt is not None
            await self._run_once(scope, body, receive, send, claim.attempt)

    async def _run_once(self, scope: Scope, body: bytes, receive: Receive, send: Send, attempt: uuid.UUID) -> None:
        recorder = _Recorder(send)
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        renewing = asyncio.create_task(self._keep_lease(attempt))
        # The services learn the request's key too: a creating call they committed for an
        # attempt whose gateway died is not run again by the retry (platformkit.request_ledger).
        serving = serving_request.set(
            ServedRequest(keys.request_key(self.request.user_id, self.request.key, self.request.fingerprint))
        )
        try:
            await self.app(scope, replay_body, recorder)
        except BaseException:
            # The answer is a 500 (or nothing, if cancelled): let a repeat run the request again.
            renewing.cancel()
            await asyncio.shield(self._settle(attempt, None))
            raise
        finally:
            serving_request.reset(serving)
        renewing.cancel()
        await asyncio.shield(self._settle(attempt, recorder.answer()))

    async def _keep_lease(self, attempt: uuid.UUID) -> None:
        """Renew the lease while the request runs (three times per lease): a key outlives its
        gateway by at most one lease, however long the request itself takes."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await store.renew(self.sessions, self.request, attempt, self.lease)
            except Exception as exc:  # the database restarting: the next round tries again
                log.warning("could not renew an idempotency lease: %s: %s", type(exc).__name__, exc)

    async def _settle(self, attempt: uuid.UUID, answer: store.StoredAnswer | None) -> None:
        try:
            if answer is not None and keys.worth_keeping(answer.status):
                await store.finish(self.sessions, self.request, attempt, answer)
            else:
                await store.release(self.sessions, self.request, attempt)
        except Exception:
            # The client has its answer; the key stays leased until it expires, then a repeat runs.
            log.exception("could not record the outcome of an idempotent request", extra={"path": self.request.path})


class _Recorder:
    """Passes the response on to the client and keeps a copy (the client may be gone)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(n), bytes(v)) for n, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        await self.send(message)

    def answer(self) -> store.StoredAnswer | None:
        if self.status is None or not self.complete:
            return None
        return store.StoredAnswer(self.status, self.headers, b"".join(self.chunks))


async def _replay(send: Send, answer: store.StoredAnswer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": [*answer.headers, REPLAYED_HEADER]})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, detail: str, *, retry_after: int) -> None:
    response = JSONResponse({"detail": detail}, status_code=status, headers={"Retry-After": str(retry_after)})
    await response(scope, receive, send)
