"""The push worker: ``python -m services.exports.worker``.

A separate process (scaled on its own, ``PUSH_WORKERS`` in `make run`) that consumes
``export.pushes`` in the consumer group ``push-workers``: start more and the partitions spread
over them. Each work item names a push record; the worker renders its image and sends it to the
integration by the push protocol (:mod:`.processor`, :mod:`.sender`).
"""
