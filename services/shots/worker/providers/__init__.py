"""Image generation providers behind one interface (DESIGN.md "Providers").

- ``local`` (default): renders a real image with Pillow from the base image, the references and
  the shot type, deterministic for a seed, with a configurable synthetic cost per image.
- ``http``: an external inference endpoint (URL, key, timeout from settings).
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


class ProviderError(Exception):
    """A failed render; ``retryable`` says whether trying again may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Provider(Protocol):
    name: str

    async def render(self, job: RenderJob) -> list[bytes]:
        """PNG bytes, one per seed, in the order of ``job.seeds``."""
        ...


def build_provider(settings: GenerationSettings) -> Provider:
    if settings.generation_provider == "http":
        from services.shots.worker.providers.http import HttpProvider

        return HttpProvider(settings)
    from services.shots.worker.providers.local import LocalProvider

    return LocalProvider(settings.generation_synthetic_cost_seconds)
