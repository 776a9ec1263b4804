"""The live stream's pure parts: record -> message, the replay buffer, the hub's fan-out and
resets, and the published schema (gateway/live, gateway/schemas/live.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gateway.live.buffer import ReplayBuffer
from gateway.live.events import LiveEvent, live_event
from gateway.live.hub import LiveHub
from gateway.live.settings import LiveSettings
from gateway.schemas.live import message_schema
from platformkit.event_types import EventType
from platformkit.outbox import build_envelope
from protos.events.v1 import shots_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope

SHOOTING, OTHER = uuid.uuid4(), uuid.uuid4()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    def deliver(self, text: str) -> None:
        self.messages.append(json.loads(text))


def shot_envelope(
    event_type: str = EventType.SHOT_STATUS_CHANGED, shooting_id: uuid.UUID = SHOOTING, **fields: object
) -> EventEnvelope:
    state = events_pb2.ShotState(
        shot_id=str(uuid.uuid4()),
        look_id=str(uuid.uuid4()),
        shooting_id=str(shooting_id),
        shot_type_id=str(uuid.uuid4()),
        status="REVIEW",
        version=3,
        **fields,
    )
    return build_envelope(
        event_id=uuid.uuid4(), event_type=event_type, aggregate_id=state.shot_id, payload=state, source="shots"
    )


def event(shooting_id: uuid.UUID = SHOOTING) -> LiveEvent:
    found = live_event(shot_envelope(shooting_id=shooting_id))
    assert found is not None
    return found


def test_shot_and_generation_records_become_their_messages() -> None:
    revision = str(uuid.uuid4())
    envelope = shot_envelope(EventType.SHOT_REVISION_CREATED, current_revision_id=revision, revision_id=revision)
    shot = live_event(envelope)
    assert shot is not None and shot.shooting_id == SHOOTING and shot.event_id == envelope.id
    message = json.loads(shot.text)
    assert (message["type"], message["event"], message["status"]) == ("shot", "revision_created", "REVIEW")
    assert message["revision_id"] == message["current_revision_id"] == revision
    state = events_pb2.GenerationState(
        generation_id=str(uuid.uuid4()),
        shot_id=str(uuid.uuid4()),
        look_id=str(uuid.uuid4()),
        shooting_id=str(SHOOTING),
        status="FAILED",
        error="provider refused",
    )
    failed = build_envelope(
        event_id=uuid.uuid4(),
        event_type=EventType.GENERATION_FAILED,
        aggregate_id=state.shot_id,
        payload=state,
        source="s",
    )
    generation = json.loads(live_event(failed).text)  # type: ignore[union-attr]
    assert (generation["type"], generation["event"], generation["error"]) == (
        "generation",
        "failed",
        "provider refused",
    )
    assert generation["generation_id"] == state.generation_id and generation["revision_id"] is None
    assert live_event(shot_envelope(EventType.SHOT_UPDATED)) is None  # not part of the socket's contract


def test_a_since_replays_the_shootings_later_events_with_the_overlap() -> None:
    clock = Clock()
    buffer = ReplayBuffer(max_age=60, max_events=100, overlap=2, clock=clock)
    buffer.reset()
    clock.now += 10
    early, anchor = event(), event()
    buffer.add(early)
    clock.now += 1
    buffer.add(anchor)
    clock.now += 5
    later, elsewhere = event(), event(OTHER)
    assert buffer.add(later) and buffer.add(elsewhere)
    assert not buffer.add(later)  # a redelivery is refused
    # Arrived 1 s before the anchor: within the overlap, so replayed too (clients de-duplicate).
    assert buffer.since(SHOOTING, uuid.UUID(anchor.event_id)) == [early, later]
    at = datetime.fromtimestamp(clock.now - 2, UTC)  # the overlap reaches back to 4 s after the anchor
    assert buffer.since(SHOOTING, at) == [later]
    assert buffer.since(SHOOTING, at.replace(tzinfo=None)) == [later]  # naive is UTC
    assert buffer.since(SHOOTING, uuid.uuid4()) is None  # unknown: resync


def test_a_since_older_than_the_buffer_cannot_be_served() -> None:
    clock = Clock()
    buffer = ReplayBuffer(max_age=60, max_events=2, overlap=2, clock=clock)
    assert buffer.since(SHOOTING, datetime.fromtimestamp(clock.now, UTC)) is None  # not reading yet
    buffer.reset()
    clock.now += 1
    # Before the buffer started (minus the overlap), nothing can be said.
    assert buffer.since(SHOOTING, datetime.fromtimestamp(clock.now, UTC)) is None
    clock.now += 5
    first = event()
    buffer.add(first)
    assert buffer.since(SHOOTING, uuid.UUID(first.event_id)) == []
    for _ in range(2):
        clock.now += 5
        buffer.add(event())
    assert len(buffer) == 2 and buffer.since(SHOOTING, uuid.UUID(first.event_id)) is None  # evicted
    clock.now += 120
    assert buffer.since(SHOOTING, datetime.fromtimestamp(clock.now - 1, UTC)) == []  # all aged out
    assert len(buffer) == 0 and buffer.horizon is not None and buffer.horizon <= clock.now - 60


def test_the_hub_sends_a_shootings_events_to_its_subscribers_only() -> None:
    hub = LiveHub(LiveSettings(), clock=Clock())
    hub.stream_started()
    mine, theirs = Recorder(), Recorder()
    assert hub.subscribe(SHOOTING, mine) == []
    hub.subscribe(OTHER, theirs)
    envelope = shot_envelope()
    assert hub.publish(envelope) == "forwarded"
    assert hub.publish(envelope) == "duplicate"
    assert hub.publish(shot_envelope(EventType.SHOT_UPDATED)) == "ignored"
    assert hub.publish(EventEnvelope(id=str(uuid.uuid4()), type=EventType.SHOT_CREATED)) == "unreadable"
    assert [m["event_id"] for m in mine.messages] == [envelope.id] and theirs.messages == []
    hub.unsubscribe(SHOOTING, mine)
    hub.publish(shot_envelope())
    assert len(mine.messages) == 1 and hub.subscriber_count(SHOOTING) == 0


def test_a_broker_reset_asks_for_a_resync_and_drops_the_replayed_past() -> None:
    clock = Clock()
    hub = LiveHub(LiveSettings(reset_margin_seconds=5), clock=clock)
    hub.stream_started()
    subscriber = Recorder()
    hub.subscribe(SHOOTING, subscriber)
    old = shot_envelope()
    old.occurred_at.FromDatetime(datetime.fromtimestamp(clock.now - 60, UTC))
    clock.now += 1
    hub.broker_reset()
    assert subscriber.messages == [
        {"type": "resync_required", "shooting_id": str(SHOOTING), "reason": "the event stream was reset"}
    ]
    assert hub.publish(old) == "stale"  # the relay re-publishes its window: old news
    fresh = shot_envelope()
    fresh.occurred_at.FromDatetime(datetime.fromtimestamp(clock.now, UTC) - timedelta(seconds=1))
    assert hub.publish(fresh) == "forwarded"
    assert subscriber.messages[-1]["event_id"] == fresh.id


@pytest.mark.parametrize("since", ["event", "time"])
def test_subscribing_with_since_returns_the_replay_before_any_live_event(since: str) -> None:
    clock = Clock()
    hub = LiveHub(LiveSettings(), clock=clock)
    hub.stream_started()
    clock.now += 10
    seen, missed = shot_envelope(), shot_envelope()
    hub.publish(seen)
    clock.now += 5
    hub.publish(missed)
    anchor = uuid.UUID(seen.id) if since == "event" else datetime.fromtimestamp(clock.now - 2, UTC)
    replay = hub.subscribe(SHOOTING, Recorder(), anchor)
    assert replay is not None and [e.event_id for e in replay] == [missed.id]


def test_the_schema_names_every_message_and_requires_its_type() -> None:
    schema = message_schema()
    names = {ref.rsplit("/", 1)[1] for ref in schema["discriminator"]["mapping"].values()}
    assert names == {
        "AuthMessage",
        "SubscribeMessage",
        "UnsubscribeMessage",
        "PingMessage",
        "AuthSuccessMessage",
        "AuthErrorMessage",
        "SubscribedMessage",
        "UnsubscribedMessage",
        "ErrorMessage",
        "ResyncRequiredMessage",
        "PongMessage",
        "ShotMessage",
        "GenerationMessage",
    }
    assert schema["title"] == "WebSocketMessage" and len(schema["oneOf"]) == len(names)
    assert all("type" in schema["$defs"][name]["required"] for name in names)
    shot = schema["$defs"]["ShotMessage"]["properties"]
    assert shot["event"]["enum"] == ["created", "status_changed", "revision_created", "revision_deleted", "deleted"]
