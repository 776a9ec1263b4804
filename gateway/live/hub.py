"""The fan-out of one gateway process: which of its sockets listens to which shooting.

The feed (:mod:`gateway.live.feed`) hands every ``shots.events`` record to :meth:`LiveHub.publish`,
which translates it once, keeps it in the replay buffer and offers the serialized message to
each subscriber of its shooting. Offering never waits: a subscriber queues the message or, when
its queue is full, disconnects itself (:mod:`gateway.live.connection`), so one slow client
never delays the others or the feed.

Access is checked before :meth:`LiveHub.subscribe` is called (the connection asks the shootings
service); the hub only ever sends a shooting's events to the subscribers of that shooting.

Everything here runs on the event loop without awaiting, so a subscription with ``since``
registers and receives its replay in one step: no live event can slip between the two.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from google.protobuf.message import DecodeError

from gateway.live import metrics
from gateway.live.buffer import ReplayBuffer
from gateway.live.events import LiveEvent, live_event
from gateway.live.settings import LiveSettings
from gateway.schemas.live import ResyncRequiredMessage
from protos.events.v1.envelope_pb2 import EventEnvelope

log = logging.getLogger(__name__)


class Subscriber(Protocol):
    def deliver(self, text: str) -> None:
        """Queue one message for the client; must not block (overflow is the subscriber's call)."""


class LiveHub:
    def __init__(self, settings: LiveSettings, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self.buffer = ReplayBuffer(
            max_age=settings.replay_seconds,
            max_events=settings.replay_max_events,
            overlap=settings.replay_overlap_seconds,
            clock=clock,
        )
        self._subscribers: dict[uuid.UUID, set[Subscriber]] = {}
        # Events that occurred before this are replays of a broker that lost its data.
        self._floor: datetime | None = None

    def subscribe(
        self, shooting_id: uuid.UUID, subscriber: Subscriber, since: uuid.UUID | datetime | None = None
    ) -> list[LiveEvent] | None:
        """Register ``subscriber`` for the shooting's events and return the replay of ``since``
        (empty without one; None when the buffer cannot serve it: resync required)."""
        replay = [] if since is None else self.buffer.since(shooting_id, since)
        subscribers = self._subscribers.setdefault(shooting_id, set())
        if subscriber not in subscribers:
            subscribers.add(subscriber)
            metrics.SUBSCRIPTIONS.inc()
        return replay

    def unsubscribe(self, shooting_id: uuid.UUID, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(shooting_id)
        if subscribers is None or subscriber not in subscribers:
            return
        subscribers.discard(subscriber)
        metrics.SUBSCRIPTIONS.dec()
        if not subscribers:
            del self._subscribers[shooting_id]

    def subscriber_count(self, shooting_id: uuid.UUID) -> int:
        return len(self._subscribers.get(shooting_id, ()))

    def publish(self, envelope: EventEnvelope) -> str:
        """Offer one event to its shooting's subscribers; returns the outcome (for the metric):
        ``forwarded``, ``duplicate`` (already received), ``stale`` (a pre-reset replay),
        ``ignored`` (a type the socket does not carry) or ``unreadable``."""
        try:
            event = live_event(envelope)
        except (DecodeError, ValueError) as exc:
            log.error("live: unreadable %s event %s: %s", envelope.type, envelope.id, exc)
            return "unreadable"
        if event is None:
            return "ignored"
        if self._floor is not None and event.occurred_at < self._floor:
            return "stale"
        if not self.buffer.add(event):
            return "duplicate"
        metrics.REPLAY_BUFFER.set(len(self.buffer))
        for subscriber in tuple(self._subscribers.get(event.shooting_id, ())):
            subscriber.deliver(event.text)
        metrics.EVENT_DELAY.observe(max(self._clock() - event.occurred_at.timestamp(), 0.0))
        return "forwarded"

    def stream_started(self) -> None:
        """Reading began at the end of the topic: the buffer is complete from now on."""
        self.buffer.reset()

    def stream_interrupted(self, reason: str) -> None:
        """Events may have been missed: every subscription is told to re-read over REST, and
        replays can only start after this moment."""
        for shooting_id, subscribers in list(self._subscribers.items()):
            text = ResyncRequiredMessage(shooting_id=shooting_id, reason=reason).model_dump_json()
            for subscriber in tuple(subscribers):
                subscriber.deliver(text)
        self.buffer.reset()
        metrics.REPLAY_BUFFER.set(0)

    def broker_reset(self) -> None:
        """The broker came back empty (platformkit.bus epoch) and the services re-publish their
        outbox windows: what occurred before now is old news the resync covers, so it is dropped
        (``reset_margin_seconds`` of slack for the processes' clocks)."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        self._floor = now - timedelta(seconds=self._settings.reset_margin_seconds)
        self.stream_interrupted("the event stream was reset")
