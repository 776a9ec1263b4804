"""The generation worker: ``python -m services.shots.worker``.

A separate process (scaled on its own, ``GENERATION_WORKERS`` in `make run`) that consumes
``generation.requests`` in the consumer group ``generation-workers``: start more and the
partitions spread over them. Each work item names a generation; the worker renders it through a
provider (:mod:`.providers`), stores the images and appends the revision (:mod:`.processor`).
"""
