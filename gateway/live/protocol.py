"""The WebSocket protocol the gateway serves: uvicorn's own (sans-I/O ``websockets``), with a
bounded kernel send buffer.

Why: left alone, Linux grows a socket's send buffer up to ``net.ipv4.tcp_wmem``'s maximum
(4 MiB here) for a client that stops reading, so a slow client would hold megabytes of kernel
memory and thousands of messages before the gateway noticed anything. With ``SO_SNDBUF`` fixed
(``LIVE_SOCKET_SEND_BUFFER_BYTES``; the kernel doubles it for its bookkeeping) what a socket can
hold is known: that buffer, uvicorn's 64 KiB write buffer, then the connection's send queue
(``LIVE_SEND_QUEUE_MESSAGES``), whose overflow closes the socket (4008). Only upgraded
connections get it: plain HTTP keeps the kernel's autotuning.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from gateway.live.settings import LiveSettings


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    send_buffer_bytes = 128 * 1024

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer_bytes)
        super().connection_made(transport)


def websocket_protocol(settings: LiveSettings) -> type[BoundedWebSocketProtocol]:
    """The protocol class for ``uvicorn.Config(ws=...)`` with the configured buffer size."""
    return type(
        "LiveWebSocketProtocol", (BoundedWebSocketProtocol,), {"send_buffer_bytes": settings.socket_send_buffer_bytes}
    )
