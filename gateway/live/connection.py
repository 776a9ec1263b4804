"""One client's socket: auth, subscriptions, and a bounded queue between the hub and the wire.

The life of a socket:

1. accepted; the first message must be ``auth`` within ``auth_timeout_seconds``, else
   ``auth_error`` and close 1008 (policy violation), as for a refused token;
2. ``auth_success``; from then on a reader handles the client's messages (subscribe: access is
   asked of the shootings service first) and a writer drains the queue onto the socket;
3. it ends when the client leaves, when the token expires (``auth_error``, close 4001), when
   the queue overflows (close 4008: the client does not read fast enough) or on an error (1011).

Why a queue per socket: the hub offers each event to every subscriber without waiting
(:meth:`LiveConnection.deliver`); the writer alone waits on the client's network. A client
that stops reading fills its TCP buffers, then the proxy's, then this queue, and is
disconnected at that point, while everyone else's queue keeps moving.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
import uuid

import grpc
from fastapi import WebSocket
from opentelemetry import trace
from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from gateway.errors import UNAVAILABLE_DETAIL
from gateway.live import metrics
from gateway.live.auth import AuthFailed, Identity, ShootingAccess, authenticate
from gateway.live.service import LiveService
from gateway.schemas.live import (
    CLIENT_MESSAGES,
    AuthErrorMessage,
    AuthMessage,
    AuthSuccessMessage,
    ErrorMessage,
    PingMessage,
    PongMessage,
    ResyncRequiredMessage,
    SubscribedMessage,
    SubscribeMessage,
    UnsubscribedMessage,
)

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)


class CloseCode(enum.IntEnum):
    POLICY_VIOLATION = 1008  # no auth, a refused token or organization
    INTERNAL_ERROR = 1011
    TOKEN_EXPIRED = 4001  # authenticate again (a new socket, with `since`)
    SLOW_CONSUMER = 4008  # the send queue overflowed: the client did not read fast enough


# A send that failed because the client is gone, as uvicorn (OSError) and Starlette say it.
_DISCONNECTED = (WebSocketDisconnect, WebSocketDisconnected, OSError)
FIRST_MESSAGE = 'The first message must be {"type": "auth", "token": "<access token>"}'


class LiveConnection:
    def __init__(self, websocket: WebSocket, live: LiveService) -> None:
        self._ws = websocket
        self._live = live
        self._settings = live.settings
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=live.settings.send_queue_messages)
        self._subscriptions: set[uuid.UUID] = set()
        self._closing: tuple[CloseCode, str] | None = None
        self._closed = asyncio.Event()
        self._access: ShootingAccess | None = None

    async def serve(self) -> None:
        await self._ws.accept()
        identity = await self._authenticate()
        if identity is None:
            return
        self._access = ShootingAccess(self._live.clients, identity)
        metrics.CONNECTIONS.inc()
        try:
            await self._run(identity)
        finally:
            metrics.CONNECTIONS.dec()
            self._unsubscribe_all()

    def deliver(self, text: str) -> None:
        """Queue one message (the hub's call: never waits); a full queue ends the connection."""
        if self._closing is not None:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self._close_soon(CloseCode.SLOW_CONSUMER, "send buffer overflow: the client reads too slowly")

    # -- phases -------------------------------------------------------------------------------

    async def _authenticate(self) -> Identity | None:
        try:
            text = await asyncio.wait_for(self._receive(), self._settings.auth_timeout_seconds)
        except TimeoutError:
            await self._refuse(f"No auth message within {self._settings.auth_timeout_seconds:g} seconds")
            return None
        if text is None:
            return None
        try:
            message = AuthMessage.model_validate_json(text)
            identity = await authenticate(message, self._live.principals, self._live.gateway_settings)
        except ValidationError:
            await self._refuse(FIRST_MESSAGE)
            return None
        except AuthFailed as exc:
            await self._refuse(str(exc))
            return None
        except Exception:  # the gateway's database is unreachable, ...: not the client's fault
            log.exception("live socket: authentication failed")
            await self._finish(CloseCode.INTERNAL_ERROR, "unavailable", AuthErrorMessage(error=UNAVAILABLE_DETAIL))
            return None
        success = AuthSuccessMessage(
            user_id=identity.user_id,
            organization_id=identity.organization_id,
            context="organization" if identity.organization_id else "personal",
            expires_at=identity.expires_at,
        )
        await self._ws.send_text(success.model_dump_json())
        return identity

    async def _run(self, identity: Identity) -> None:
        writer = asyncio.create_task(self._write(), name="live-writer")
        reader = asyncio.create_task(self._read(), name="live-reader")
        closed = asyncio.create_task(self._closed.wait(), name="live-closed")
        expiry = asyncio.create_task(asyncio.sleep(max(identity.expires_at.timestamp() - time.time(), 0.0)))
        tasks = {writer, reader, closed, expiry}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        failure = next((t.exception() for t in done - {closed, expiry} if t.exception() is not None), None)
        self._unsubscribe_all()
        if self._closing is not None:
            await self._finish(*self._closing)
        elif expiry in done:
            await self._finish(CloseCode.TOKEN_EXPIRED, "token expired", AuthErrorMessage(error="Token expired"))
        elif failure is not None and not isinstance(failure, _DISCONNECTED):
            log.error("live socket failed", exc_info=failure)
            await self._finish(CloseCode.INTERNAL_ERROR, "internal error")
        else:
            metrics.DISCONNECTS.labels("client_left").inc()

    # -- reading ------------------------------------------------------------------------------

    async def _receive(self) -> str | None:
        """The next text the client sent (binary frames decoded as UTF-8); None once it left."""
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"").decode(errors="replace")

    async def _read(self) -> None:
        while (text := await self._receive()) is not None:
            try:
                message = CLIENT_MESSAGES.validate_json(text)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(part) for part in error["loc"])
                self._send(ErrorMessage(error=f"Invalid message: {where}: {error['msg']}"))
                continue
            if isinstance(message, SubscribeMessage):
                await self._subscribe(message)
            elif isinstance(message, PingMessage):
                self._send(PongMessage())
            elif isinstance(message, AuthMessage):
                self._send(ErrorMessage(error="Already authenticated"))
            else:
                self._live.hub.unsubscribe(message.shooting_id, self)
                self._subscriptions.discard(message.shooting_id)
                self._send(UnsubscribedMessage(shooting_id=message.shooting_id))

    async def _subscribe(self, message: SubscribeMessage) -> None:
        shooting_id = message.shooting_id
        assert self._access is not None
        try:
            # The socket's path is not traced as a request (it lives for hours); each subscription's
            # access check is its own trace, so the call it makes has a gateway span above it.
            with _tracer.start_as_current_span("live subscribe", attributes={"shooting.id": str(shooting_id)}):
                visible = await self._access.visible(shooting_id)
        except grpc.aio.AioRpcError:
            self._send(ErrorMessage(error=UNAVAILABLE_DETAIL, shooting_id=shooting_id))
            return
        if not visible:
            self._send(ErrorMessage(error="Shooting not found", shooting_id=shooting_id))
            return
        if self._closing is not None:
            return
        # From here to the last replayed message nothing awaits: no live event slips in between.
        replay = self._live.hub.subscribe(shooting_id, self, message.since)
        self._subscriptions.add(shooting_id)
        room = self._queue.maxsize - self._queue.qsize() - 2
        if replay is not None and len(replay) > room:
            replay = None
        self._send(SubscribedMessage(shooting_id=shooting_id, replayed=len(replay or ())))
        if replay is None:
            reason = "since is older than the replay buffer" if message.since else "cannot replay"
            self._send(ResyncRequiredMessage(shooting_id=shooting_id, reason=reason))
            return
        for event in replay:
            self.deliver(event.text)

    # -- writing and closing ------------------------------------------------------------------

    def _send(self, message: BaseModel) -> None:
        self.deliver(message.model_dump_json())

    async def _write(self) -> None:
        while True:
            text = await self._queue.get()
            await self._ws.send_text(text)
            metrics.MESSAGES_SENT.inc()

    def _close_soon(self, code: CloseCode, reason: str) -> None:
        """Stop routing to this socket now; the connection's task closes it."""
        self._closing = (code, reason)
        self._unsubscribe_all()
        self._closed.set()

    def _unsubscribe_all(self) -> None:
        for shooting_id in self._subscriptions:
            self._live.hub.unsubscribe(shooting_id, self)
        self._subscriptions.clear()

    async def _refuse(self, error: str) -> None:
        await self._finish(CloseCode.POLICY_VIOLATION, "authentication failed", AuthErrorMessage(error=error))

    async def _finish(self, code: CloseCode, reason: str, last: BaseModel | None = None) -> None:
        """Send ``last`` and the close frame, unless the client takes none within the close
        timeout (a client that stopped reading): it is then simply cut off."""
        metrics.DISCONNECTS.labels(code.name.lower()).inc()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._settings.close_timeout_seconds):
                if last is not None:
                    await self._ws.send_text(last.model_dump_json())
                await self._ws.close(code=code, reason=reason)
