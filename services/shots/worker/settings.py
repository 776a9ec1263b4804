"""Settings of the generation worker (the shots service's database and broker settings, plus
the provider's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from platformkit.settings import ServiceSettings, settings_for

OPENAI_BASE_URL = "https://api.openai.com/v1"
# The documented example workflow shipped with the code (README: "Generation providers").
EXAMPLE_COMFYUI_WORKFLOW = Path(__file__).resolve().parent / "providers" / "comfyui_example_workflow.json"


class GenerationSettings(ServiceSettings):
    # local: Pillow renders offline (default); http: the platform's inference protocol; openai: the
    # OpenAI Images API (or a server speaking it); comfyui: a ComfyUI server running a workflow.
    generation_provider: Literal["local", "http", "openai", "comfyui"] = "local"
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
    # openai provider: POST {base}/images/edits.
    generation_openai_base_url: str = OPENAI_BASE_URL
    generation_openai_api_key: SecretStr | None = None
    generation_openai_model: str = "gpt-image-1"
    # The sizes the server renders (comma-separated WxH); the one closest to the look's aspect
    # ratio is asked for. Empty: the look's own width x height (servers that render any size).
    generation_openai_sizes: str = "1024x1024,1024x1536,1536x1024"
    # One edit renders every image of a generation before it answers: minutes on a busy server.
    generation_openai_timeout_seconds: float = 300.0
    # comfyui provider: the server, its workflow (API format JSON with placeholders) and an
    # optional bearer key for the proxy in front of it.
    generation_comfyui_url: str | None = None
    generation_comfyui_workflow: Path = EXAMPLE_COMFYUI_WORKFLOW
    generation_comfyui_api_key: SecretStr | None = None
    generation_comfyui_timeout_seconds: float = 30.0
    generation_comfyui_poll_interval_seconds: float = 1.0
    # A queued prompt is waited for at most this long (the server may be busy with others).
    generation_comfyui_max_wait_seconds: float = 900.0
    # Default image size when the look sets none.
    generation_default_width: int = 512
    generation_default_height: int = 768


def load_settings() -> GenerationSettings:
    """The shots settings (DATABASE_URL_SHOTS, ...); the worker's own gRPC health port is free
    (``GENERATION_WORKER_GRPC_BIND``, default any port) so it never collides with the service's."""
    settings = settings_for("shots", GenerationSettings)()
    settings.grpc_bind = os.environ.get("GENERATION_WORKER_GRPC_BIND", "127.0.0.1:0")
    return settings  # type: ignore[return-value]
