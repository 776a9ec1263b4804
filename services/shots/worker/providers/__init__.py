"""Image generation providers behind one interface, chosen with ``GENERATION_PROVIDER``.

- ``local`` (default): renders a real image with Pillow from the base image, the references and
  the shot type, deterministic for a seed, with a configurable synthetic cost per image.
- ``http``: the platform's own inference protocol (URL, key, timeout from settings).
- ``openai``: the OpenAI Images API (``POST /images/edits``), or any server that speaks it.
- ``comfyui``: a ComfyUI server running an operator-supplied workflow (API format).

Every provider gets the job's images as one ordered list, :attr:`RenderJob.images`: the base
image first, then the style references in the order generation composed them. A provider says
with :class:`ProviderError` whether a failure is worth retrying; the processor owns the retries,
the backoff and the one revision a generation produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from services.shots.worker.settings import GenerationSettings


@dataclass(frozen=True)
class RenderJob:
    """One generation to render: one image per seed."""

    generation_id: str
    seeds: list[int]
    inputs: dict[str, Any]
    base_image: bytes
    references: list[bytes] = field(default_factory=list)
    model_id: str | None = None
    width: int = 512
    height: int = 768

    @property
    def images(self) -> list[bytes]:
        """The base image, then the references: the order every remote provider sends them in."""
        return [self.base_image, *self.references]


class ProviderError(Exception):
    """A failed render; ``retryable`` says whether trying again may succeed, ``retry_after`` (seconds)
    how long the server asked to wait first, when it said."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Provider(Protocol):
    name: str

    async def render(self, job: RenderJob) -> list[bytes]:
        """PNG bytes, one per seed, in the order of ``job.seeds``."""
        ...


def build_provider(settings: GenerationSettings) -> Provider:
    """The provider ``GENERATION_PROVIDER`` names; missing settings fail here, at start."""
    if settings.generation_provider == "http":
        from services.shots.worker.providers.http import HttpProvider

        return HttpProvider(settings)
    if settings.generation_provider == "openai":
        from services.shots.worker.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    if settings.generation_provider == "comfyui":
        from services.shots.worker.providers.comfyui import ComfyUIProvider

        return ComfyUIProvider(settings)
    from services.shots.worker.providers.local import LocalProvider

    return LocalProvider(settings.generation_synthetic_cost_seconds)
