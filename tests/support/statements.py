"""The SQL statements an engine runs while a block runs, for tests that count what a call costs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.contextmanager
def recorded(engine: AsyncEngine, keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """The statements ``engine`` sends inside the block for which ``keep`` holds (the outbox relay,
    consumers and health probes share a service's engine: ``keep`` leaves theirs out)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if keep(statement):
            seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
