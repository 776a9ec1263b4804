"""The live stream: ``WS /ws`` (:mod:`gateway.live`) and ``GET /schema``, the JSON schema of
every message on it (:mod:`gateway.schemas.live`)."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import WebSocket

from gateway.live.connection import LiveConnection
from gateway.route_index import IndexedRouter
from gateway.schemas.live import message_schema

router = IndexedRouter(tags=["live"])


@functools.cache
def _schema() -> dict[str, Any]:
    return message_schema()


@router.get("/schema", summary="Live WebSocket Message Schema")
async def websocket_message_schema() -> dict[str, Any]:
    """The JSON schema of ``WebSocketMessage``, the union of every message on ``WS /api/v1/ws``
    (client and server), discriminated by ``type``. No authentication: it is documentation."""
    return _schema()


@router.websocket("/ws")
async def live_socket(websocket: WebSocket) -> None:
    """Live shot and generation events: authenticate with the first message, then subscribe
    to shootings (README "Live updates")."""
    await LiveConnection(websocket, websocket.app.state.live).serve()
