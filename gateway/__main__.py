"""``python -m gateway``: JSON logs, telemetry, then uvicorn (uvloop + httptools).

uvicorn owns SIGTERM/SIGINT while it serves: it stops accepting connections, lets requests in
flight finish (bounded by ``timeout_graceful_shutdown``) and runs the lifespan shutdown
(channels, engine). Then it re-raises the signal to the handler that was there before it; ours
turns SIGTERM into a normal exit, so buffered spans are flushed and the exit status is 0 (a
supervisor reads anything else as a crash).
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn

from gateway.app import create_app
from gateway.live.protocol import websocket_protocol
from gateway.live.settings import LiveSettings
from gateway.settings import load_settings
from platformkit.logs import configure_logging
from platformkit.telemetry import setup_telemetry, shutdown_telemetry

GRACEFUL_SHUTDOWN_SECONDS = 10


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_cleanly)
    settings = load_settings()
    configure_logging("gateway", settings.log_level, settings.log_format)
    setup_telemetry("gateway", settings.otel_exporter_otlp_endpoint, settings.otel_traces_sampler_arg)
    live = LiveSettings()
    config = uvicorn.Config(
        create_app(settings, freeze_startup_objects=True),
        host=settings.gateway_host,
        port=settings.gateway_port,
        loop="uvloop",
        http="httptools",
        log_config=None,  # keep the JSON handler configured above
        # Envoy writes the access log, one JSON line per request with its trace id (deploy/envoy);
        # a second line per request from here cost CPU on every request for nothing new.
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # The live socket (gateway/live): a bounded send buffer, WebSocket ping frames as its
        # heartbeat (a client that stops answering is dropped), small client messages.
        ws=websocket_protocol(live),
        ws_ping_interval=live.ping_interval_seconds,
        ws_ping_timeout=live.ping_timeout_seconds,
        ws_max_size=live.max_client_message_bytes,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    main()
