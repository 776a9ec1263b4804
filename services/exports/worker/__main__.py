"""`python -m services.exports.worker`: one push worker process (see the package docstring)."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

from platformkit.media import MediaSettings, open_store
from platformkit.service import BuildConsumers, ConsumerSpec, ServiceContext, ServiceRuntime
from platformkit.topics import EXPORT_PUSHES
from services.exports.models import messaging
from services.exports.rendering import Renderer
from services.exports.secret_box import box_from_settings
from services.exports.settings import ExportsBase, load_worker_settings
from services.exports.worker.processor import PushProcessor
from services.exports.worker.sender import Sender

GROUP = "push-workers"


def worker_consumers(settings: ExportsBase, worker: str) -> BuildConsumers:
    """The one consumer of a worker process: push requests, in the workers' group."""

    def build(context: ServiceContext) -> Sequence[ConsumerSpec]:
        media = MediaSettings()
        processor = PushProcessor(
            context.sessions,
            settings,
            box_from_settings(settings),
            Renderer(media, open_store(media)),
            Sender(settings.push_timeout_seconds, media.public_only),
            worker,
        )
        return [
            ConsumerSpec(name="exports.push-worker", group_id=GROUP, topics=[EXPORT_PUSHES], handler=processor.handle)
        ]

    return build


def main() -> None:
    settings = load_worker_settings()
    box_from_settings(settings)  # refuse to start without a key, before joining the group
    worker = f"{socket.gethostname()}:{os.getpid()}"
    ServiceRuntime(settings, messaging, consumers=worker_consumers(settings, worker), process_name="push-worker").run()


if __name__ == "__main__":
    main()
