"""Settings of the live WebSocket, read from ``LIVE_*`` environment variables.

A class of its own rather than more fields on :class:`gateway.settings.GatewaySettings`: the
socket's knobs (buffers, timeouts) are read in one place and documented together.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class LiveSettings(BaseSettings):
    """Every knob of the socket; the defaults are production's (README "Live updates")."""

    model_config = SettingsConfigDict(env_prefix="LIVE_", extra="ignore", case_sensitive=False)

    # The first message must be ``auth`` within this many seconds (else auth_error, close 1008).
    auth_timeout_seconds: float = 10.0
    # What one client's socket may hold before the client counts as too slow and is closed
    # (4008): the kernel's send buffer (SO_SNDBUF, gateway/live/protocol.py), then this many
    # messages waiting in the connection's queue (a bulk look creation sends one per shot).
    socket_send_buffer_bytes: int = 128 * 1024
    send_queue_messages: int = 1_000
    # The replay buffer: events of the last ``replay_seconds``, at most ``replay_max_events``.
    replay_seconds: float = 300.0
    replay_max_events: int = 50_000
    # A ``since`` also replays what arrived this long before it (clients de-duplicate by
    # event_id): other gateways may have received events of different shots in another order.
    replay_overlap_seconds: float = 2.0
    # After a broker reset, replayed events that occurred this long before it was noticed are
    # dropped: the subscriptions got resync_required instead (clock skew between processes).
    reset_margin_seconds: float = 5.0
    # How long a closing socket may take to accept its close frame before it is dropped.
    close_timeout_seconds: float = 5.0
    # WebSocket ping frames the server sends (uvicorn): every ``ping_interval_seconds``; a client
    # that does not answer within ``ping_timeout_seconds`` is disconnected (1011).
    ping_interval_seconds: float = 20.0
    ping_timeout_seconds: float = 20.0
    # The largest message a client may send (its messages are small JSON objects).
    max_client_message_bytes: int = 64 * 1024
