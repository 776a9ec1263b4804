"""The gateway's periodic clean-up: expired idempotency keys and login attempts older than the
throttling window (:func:`jobs`). Every replica runs it; the deletes are idempotent, so replicas
running them at once only repeat each other's work."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway import login_throttle
from gateway.idempotency import store as idempotency_store
from gateway.settings import GatewaySettings
from platformkit import telemetry

log = logging.getLogger(__name__)

Job = Callable[[AsyncSession], Awaitable[int]]


def jobs(settings: GatewaySettings) -> dict[str, Job]:
    window = settings.login_limits.window
    return {
        "idempotency_keys": idempotency_store.prune,
        "login_attempts": functools.partial(login_throttle.prune, window=window),
    }


async def run_once(sessions: async_sessionmaker[AsyncSession], to_run: Mapping[str, Job]) -> dict[str, int]:
    """Run every job once; how many rows each removed."""
    removed = {}
    for name, job in to_run.items():
        async with sessions() as session, session.begin():
            removed[name] = await job(session)
    return removed


class Housekeeping:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: GatewaySettings) -> None:
        self.sessions = sessions
        self.jobs = jobs(settings)
        self.interval = settings.housekeeping_interval_seconds
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
                    removed = await run_once(self.sessions, self.jobs)
                if any(removed.values()):
                    log.info("housekeeping removed expired records", extra={"removed": removed})
            except Exception as exc:  # the database restarting: try again next round
                log.warning("housekeeping failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)
