"""Settings of the generation worker (the shots service's database and broker settings, plus
the provider's)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import SecretStr

from platformkit.settings import ServiceSettings, settings_for


class GenerationSettings(ServiceSettings):
    # local: Pillow renders offline (default); http: an external inference endpoint.
    generation_provider: Literal["local", "http"] = "local"
    # Seconds each image costs on top of rendering, so benchmarks can model a slow model.
    generation_synthetic_cost_seconds: float = 0.0
    # Tries per generation before it is FAILED with the last reason; backoff between tries.
    generation_max_attempts: int = 3
    generation_retry_initial_seconds: float = 0.5
    generation_retry_max_seconds: float = 10.0
    # http provider.
    generation_http_url: str | None = None
    generation_http_api_key: SecretStr | None = None
    generation_http_timeout_seconds: float = 60.0
    generation_http_poll_interval_seconds: float = 0.5
    # An asynchronous endpoint (202 + status URL) is polled at most this long.
    generation_http_max_wait_seconds: float = 600.0
    # Default image size when the look sets none (the local provider).
    generation_default_width: int = 512
    generation_default_height: int = 768


def load_settings() -> GenerationSettings:
    """The shots settings (DATABASE_URL_SHOTS, ...); the worker's own gRPC health port is free
    (``GENERATION_WORKER_GRPC_BIND``, default any port) so it never collides with the service's."""
    settings = settings_for("shots", GenerationSettings)()
    settings.grpc_bind = os.environ.get("GENERATION_WORKER_GRPC_BIND", "127.0.0.1:0")
    return settings  # type: ignore[return-value]
