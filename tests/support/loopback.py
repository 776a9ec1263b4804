"""Serving a test's ASGI app on a free loopback port, in the test's event loop (fake upstreams:
an inference endpoint, a push receiver, an image host)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

# Up to this long for the server to start accepting (a loaded 2-core machine).
START_SECONDS = 10.0


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Yields the base URL (``http://127.0.0.1:<port>``) once the server accepts connections.

    The socket is bound here and handed to uvicorn: choosing a free port, closing it and letting
    uvicorn bind it again left a window in which another connection could take the port, and the
    server then never started while the test went on against nothing."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(START_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # its exception, if it failed
                    raise RuntimeError("the loopback server stopped before it started")
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()
