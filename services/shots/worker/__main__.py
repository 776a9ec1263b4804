"""`python -m services.shots.worker`: one generation worker process (see the package docstring)."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

from platformkit.media import MediaSettings, open_store
from platformkit.service import BuildConsumers, ConsumerSpec, ServiceContext, ServiceRuntime
from platformkit.topics import GENERATION_REQUESTS
from services.shots.models import messaging
from services.shots.worker.processor import GenerationProcessor
from services.shots.worker.providers import build_provider
from services.shots.worker.settings import GenerationSettings, load_settings

GROUP = "generation-workers"


def worker_consumers(settings: GenerationSettings, worker: str) -> BuildConsumers:
    """The one consumer of a worker process: generation requests, in the workers' group."""

    def build(context: ServiceContext) -> Sequence[ConsumerSpec]:
        media = MediaSettings()
        processor = GenerationProcessor(
            context.sessions, settings, media, open_store(media), build_provider(settings), worker
        )
        return [
            ConsumerSpec(
                name="shots.generation-worker", group_id=GROUP, topics=[GENERATION_REQUESTS], handler=processor.handle
            )
        ]

    return build


def main() -> None:
    settings = load_settings()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    ServiceRuntime(
        settings,
        messaging,
        consumers=worker_consumers(settings, worker),
        process_name="generation-worker",
    ).run()


if __name__ == "__main__":
    main()
