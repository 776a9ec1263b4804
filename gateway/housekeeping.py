"""The gateway's periodic clean-up: expired idempotency keys (and, as more records expire,
whatever else :data:`JOBS` lists). Every replica runs it; the deletes are idempotent, so
replicas running them at once only repeat each other's work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.idempotency import store as idempotency_store
from platformkit import telemetry

log = logging.getLogger(__name__)

Job = Callable[[AsyncSession], Awaitable[int]]
JOBS: dict[str, Job] = {"idempotency_keys": idempotency_store.prune}


async def run_once(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Run every job once; how many rows each removed."""
    removed = {}
    for name, job in JOBS.items():
        async with sessions() as session, session.begin():
            removed[name] = await job(session)
    return removed


class Housekeeping:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval_seconds: float) -> None:
        self.sessions = sessions
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="gateway-housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                with telemetry.background():
                    removed = await run_once(self.sessions)
                if any(removed.values()):
                    log.info("housekeeping removed expired records", extra={"removed": removed})
            except Exception as exc:  # the database restarting: try again next round
                log.warning("housekeeping failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)
