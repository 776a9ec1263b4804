"""Periodic jobs a service process runs beside its gRPC server and consumers (a sweep, a clean-up).

Each job runs every ``interval_seconds``, the first time after a random part of the interval, so
replicas started together do not all run at once. A failing run is logged (a transient failure as
a warning: the database restarting, a peer away) and the next one comes at its time; the job's
own code must be safe when several replicas run it at the same moment.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from platformkit import telemetry
from platformkit.transient import caused_by_transient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]


async def run_periodically(job: PeriodicJob) -> None:
    """Run ``job`` until cancelled."""
    await asyncio.sleep(random.uniform(0, job.interval_seconds))
    while True:
        try:
            with telemetry.background():
                await job.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if caused_by_transient(exc):
                log.warning("periodic job %s failed, next run in %.0fs: %s", job.name, job.interval_seconds, exc)
            else:
                log.exception("periodic job %s failed", job.name)
        await asyncio.sleep(job.interval_seconds)
