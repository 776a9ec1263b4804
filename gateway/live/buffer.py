"""The replay buffer: the events this gateway received lately, for clients that reconnect.

A client that lost its socket subscribes again with ``since`` (the ``event_id`` of the last
event it got, or a date-time) and receives what it missed, from memory: no database, no broker
round trip. The buffer keeps every event received in the last ``max_age`` seconds, at most
``max_events`` of them (a bulk look creation emits thousands at once), oldest out first.

What a replay covers is decided by *receive* time on this gateway, never by the services'
clocks: every gateway receives every event (each reads the whole topic), but the partitions of
different shots interleave differently on each, so a ``since`` also replays what arrived up to
``overlap`` seconds before it; clients drop the repeats by ``event_id``. The buffer knows since
when it is complete (its *horizon*: when reading started, moved forward by each eviction and by
a reset); a ``since`` whose window starts before the horizon cannot be served and the caller
answers ``resync_required``.
"""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.live.events import LiveEvent


@dataclass(frozen=True)
class Received:
    event: LiveEvent
    received_at: float


class ReplayBuffer:
    def __init__(
        self, *, max_age: float, max_events: int, overlap: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._max_age = max_age
        self._max_events = max_events
        self._overlap = overlap
        self._clock = clock
        self._entries: collections.deque[Received] = collections.deque()
        self._by_id: dict[str, Received] = {}
        self._horizon: float | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def horizon(self) -> float | None:
        """Since when (epoch seconds) every event received is here; None before reading started."""
        return self._horizon

    def reset(self) -> None:
        """Forget everything: complete from now on (reading started, or the stream had a gap)."""
        self._entries.clear()
        self._by_id.clear()
        self._horizon = self._clock()

    def add(self, event: LiveEvent) -> bool:
        """Keep ``event``; False when it is here already (a redelivery: not to be sent again)."""
        if event.event_id in self._by_id:
            return False
        now = self._clock()
        received = Received(event, now)
        self._entries.append(received)
        self._by_id[event.event_id] = received
        self._evict(now)
        return True

    def since(self, shooting_id: uuid.UUID, since: uuid.UUID | datetime) -> list[LiveEvent] | None:
        """The shooting's events after ``since`` (with the overlap), oldest first; None when the
        buffer cannot tell (unknown event id, or a window older than the horizon)."""
        self._evict(self._clock())
        if isinstance(since, uuid.UUID):
            anchor = self._by_id.get(str(since))
            if anchor is None:
                return None
            point, skip = anchor.received_at, anchor.event.event_id
        else:
            point, skip = (since if since.tzinfo else since.replace(tzinfo=UTC)).timestamp(), None
        start = point - self._overlap
        if self._horizon is None or start < self._horizon:
            return None
        found = []
        for received in reversed(self._entries):  # newest first: only the window is read
            if received.received_at < start:
                break
            event = received.event
            if event.shooting_id == shooting_id and event.event_id != skip:
                found.append(event)
        return found[::-1]

    def _evict(self, now: float) -> None:
        entries = self._entries
        while entries and (len(entries) > self._max_events or entries[0].received_at < now - self._max_age):
            gone = entries.popleft()
            del self._by_id[gone.event.event_id]
            self._horizon = max(self._horizon or 0.0, gone.received_at)
