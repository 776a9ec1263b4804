"""A client of the live WebSocket (``WS /api/v1/ws``) for tests and benchmarks.

    async with LiveClient.connect(gateway_url, token=token) as live:
        await live.subscribe(shooting_id)
        began = time.time()
        ...  # change something over REST
        message = await live.wait_for(lambda m: m.get("shot_id") == shot_id and m["event"] == "status_changed")
        end_to_end = live.arrived_at(message) - began  # the REST call, outbox, broker, gateway, socket
        after_commit = live.delay(message)  # from the event's commit (occurred_at) to its arrival

Every received message is kept in ``received`` (in order) and stamped with its arrival time
(``time.time()``), so a benchmark can compute latencies without timing anything itself.
Built on the ``websockets`` library (httpx has no WebSocket client).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Message = dict[str, Any]
DEFAULT_TIMEOUT = 15.0


def socket_url(gateway_url: str) -> str:
    """``http://host:port`` (Envoy or a gateway) -> ``ws://host:port/api/v1/ws``."""
    return gateway_url.replace("https://", "wss://").replace("http://", "ws://").rstrip("/") + "/api/v1/ws"


class LiveClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: list[Message] = []
        self._arrivals: dict[int, float] = {}
        self._unread: list[Message] = []

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, gateway_url: str, *, token: str | None = None, organization_id: str | None = None, **options: Any
    ) -> AsyncIterator[LiveClient]:
        """Open a socket (and authenticate when ``token`` is given); ``options`` go to
        ``websockets.connect`` (e.g. ``max_queue``, ``sock``)."""
        options = {"proxy": None, "open_timeout": DEFAULT_TIMEOUT, **options}
        async with connect(socket_url(gateway_url), **options) as connection:
            client = cls(connection)
            if token is not None:
                answer = await client.auth(token, organization_id)
                assert answer["type"] == "auth_success", answer
            yield client

    async def send(self, **message: Any) -> None:
        await self.connection.send(json.dumps(message))

    async def auth(self, token: str, organization_id: str | None = None) -> Message:
        await self.send(type="auth", token=token, organization_id=organization_id)
        return await self.next()

    async def subscribe(self, shooting_id: str, since: str | None = None, *, expect: str = "subscribed") -> Message:
        """Subscribe and return the answer (``subscribed``, or ``error`` with ``expect="error"``)."""
        await self.send(type="subscribe", shooting_id=shooting_id, **({"since": since} if since else {}))
        answer = await self.wait_for(
            lambda m: m["type"] in ("subscribed", "error") and m.get("shooting_id") == shooting_id
        )
        assert answer["type"] == expect, answer
        return answer

    async def next(self, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The next message not returned yet (skipped ones by :meth:`wait_for` come first)."""
        if self._unread:
            return self._unread.pop(0)
        return await self._receive(timeout)

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The first message (read or still to come) that matches; the ones it passes over stay
        available to :meth:`next`. Fails with what arrived at the deadline."""
        for index, message in enumerate(self._unread):
            if predicate(message):
                return self._unread.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                message = await self._receive(left)
            except TimeoutError:
                raise AssertionError(f"no matching message within {timeout:g}s; got {self._unread}") from None
            if predicate(message):
                return message
            self._unread.append(message)

    async def read_until(self, condition: Callable[[], bool], timeout: float = DEFAULT_TIMEOUT) -> None:
        """Keep reading (into ``received``; :meth:`next` still returns them) until ``condition()``
        holds; fails at the deadline."""
        deadline = time.monotonic() + timeout
        while not condition():
            try:
                self._unread.append(await self._receive(deadline - time.monotonic()))
            except TimeoutError:
                raise AssertionError(f"condition not met within {timeout:g}s") from None

    async def events(
        self, count: int, *, shot_id: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Message]:
        """The next ``count`` shot/generation events (of one shot when given), in arrival order."""

        def wanted(message: Message) -> bool:
            return message["type"] in ("shot", "generation") and shot_id in (None, message["shot_id"])

        return [await self.wait_for(wanted, timeout) for _ in range(count)]

    async def closed(self, timeout: float = DEFAULT_TIMEOUT) -> tuple[int | None, str | None]:
        """Read until the server closes; its close code and reason."""
        async with asyncio.timeout(timeout):
            try:
                while True:
                    await self._receive(None)
            except ConnectionClosed:
                pass
        return self.connection.close_code, self.connection.close_reason

    def arrived_at(self, message: Message) -> float:
        """When ``message`` arrived (``time.time()``)."""
        return self._arrivals[id(message)]

    def delay(self, message: Message) -> float:
        """Seconds from the event's commit (``occurred_at``) to its arrival here."""
        return self.arrived_at(message) - datetime.fromisoformat(message["occurred_at"]).timestamp()

    async def _receive(self, timeout: float | None) -> Message:
        async with asyncio.timeout(timeout):
            raw = await self.connection.recv()
        message: Message = json.loads(raw)
        self._arrivals[id(message)] = time.time()
        self.received.append(message)
        return message
