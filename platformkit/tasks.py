"""Background tasks a component owns and stops."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and wait until it has finished (nothing to do for None)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def wait_ended(future: asyncio.Future[Any]) -> None:
    """Wait until ``future`` has ended, also when the waiting task is cancelled meanwhile: the
    cancellation is raised once it has ended (for work whose outcome must be known, such as a
    call whose effects a failure must undo; its own deadline bounds the wait)."""
    cancelled: asyncio.CancelledError | None = None
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError as exc:
            cancelled = exc
    if cancelled is not None:
        raise cancelled
