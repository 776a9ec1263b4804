"""Prometheus metrics of the live WebSocket (served on the gateway's ``/metrics``).

``live_event_delay_seconds`` is the stream's latency as the gateway sees it: from the moment
the shots service wrote the event (its envelope's ``occurred_at``) to the fan-out to this
gateway's sockets, so outbox relay, broker and consumer all count; the last hop (socket to
client) is what a client measures on top.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from platformkit.metrics import LATENCY_BUCKETS

CONNECTIONS = Gauge("live_connections", "Open live WebSocket connections that passed auth")
SUBSCRIPTIONS = Gauge("live_subscriptions", "Live (connection, shooting) subscriptions")
EVENTS = Counter("live_events_total", "shots.events records read, by outcome", ["outcome"])
MESSAGES_SENT = Counter("live_messages_sent_total", "Messages written to live sockets")
DISCONNECTS = Counter("live_disconnects_total", "Live sockets closed, by reason", ["reason"])
EVENT_DELAY = Histogram(
    "live_event_delay_seconds", "From an event's commit to its fan-out by the gateway", buckets=LATENCY_BUCKETS
)
REPLAY_BUFFER = Gauge("live_replay_buffer_events", "Events held for since-replays")

for _outcome in ("forwarded", "duplicate", "stale", "ignored", "unreadable"):
    EVENTS.labels(_outcome)
