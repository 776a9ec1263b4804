"""Pure logic of the messaging modules: backoff, failure classification, envelopes."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa
from aiokafka.errors import KafkaConnectionError, UnknownTopicOrPartitionError
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import exc as sa_exc

from platformkit import rich_status
from platformkit.backoff import Backoff
from platformkit.consumer import Consumer
from platformkit.errors import DomainError, TooManyRequests
from platformkit.event_types import EventType
from platformkit.messaging_tables import messaging_tables
from platformkit.outbox import build_envelope
from platformkit.polling import IdlePacer
from platformkit.settings import ProcessSettings
from platformkit.topics import GENERATION_REQUESTS, SHOTS_EVENTS, Topic
from platformkit.transient import TransientError, is_transient


def test_backoff_doubles_up_to_the_cap_and_restarts_after_a_reset() -> None:
    backoff = Backoff(initial=0.1, cap=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    backoff.reset()
    assert backoff.next_delay() <= 0.1


class _PgError(Exception):
    """Shaped like an asyncpg error: it carries a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _rpc_error(code: grpc.StatusCode, exc: DomainError | None = None) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata(*rich_status.trailing_metadata(exc)) if exc is not None else grpc.aio.Metadata()
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details="from another service")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TransientError("dependency down"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (sa_exc.DBAPIError("SELECT 1", {}, _PgError("40001")), True),  # serialization failure
        (sa_exc.DBAPIError("SELECT 1", {}, _PgError("57P01")), True),  # admin shutdown
        (_PgError("08006"), True),  # connection failure
        (KafkaConnectionError(), True),
        (sa_exc.IntegrityError("INSERT", {}, _PgError("23505")), False),  # unique violation: a bug
        (UnknownTopicOrPartitionError(), True),
        (_rpc_error(grpc.StatusCode.UNAVAILABLE), True),
        (_rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED), True),
        (_rpc_error(grpc.StatusCode.INVALID_ARGUMENT), False),
        # A quota says when to retry; gRPC's own metadata or message limit refuses the same call again.
        (_rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, TooManyRequests("budget", retry_after=30)), True),
        (_rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED), False),
        (ValueError("bad payload"), False),
        (KeyError("missing"), False),
        (FileNotFoundError(), False),
    ],
)
def test_failures_are_transient_only_when_a_retry_can_succeed(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_envelope_carries_the_event_and_the_current_trace_context() -> None:
    event_id = uuid.uuid4()
    tracer = TracerProvider().get_tracer("tests")
    with tracer.start_as_current_span("request") as span:
        envelope = build_envelope(
            event_id=event_id,
            event_type=EventType.SHOOTING_CREATED,
            aggregate_id="shooting-1",
            payload=StringValue(value="hello"),
            source="shootings",
        )

    assert (envelope.id, envelope.type, envelope.aggregate_id, envelope.source) == (
        str(event_id),
        EventType.SHOOTING_CREATED,
        "shooting-1",
        "shootings",
    )
    assert envelope.occurred_at.seconds > 0
    payload = StringValue()
    assert envelope.payload.Unpack(payload) and payload.value == "hello"
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert envelope.trace_context["traceparent"].split("-")[1] == trace_id


def test_envelope_written_outside_any_trace_has_no_trace_context() -> None:
    envelope = build_envelope(
        event_id=uuid.uuid4(), event_type="t", aggregate_id="a", payload=StringValue(), source="s"
    )
    assert "traceparent" not in envelope.trace_context


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_idle_pacer_pauses_for_a_fraction_of_the_quiet_spell_once_that_exceeds_the_fetch_wait() -> None:
    clock = _Clock()
    pacer = IdlePacer(quiet_fraction=0.05, first_delay=0.005, max_delay=0.2, clock=clock)
    assert pacer.next_delay() == 0  # the spell starts when the consumer first comes back
    clock.now += 0.09
    assert pacer.next_delay() == 0  # 4.5 ms: shorter than a fetch's wait, so fetch instead
    clock.now += 0.01
    assert pacer.next_delay() == pytest.approx(0.005)
    assert pacer.pacing
    clock.now += 1.0
    assert pacer.next_delay() == pytest.approx(0.055)  # a record now waits at most 5% of 1.1 s
    clock.now += 10.0
    assert pacer.next_delay() == 0.2  # never longer than the cap
    pacer.records_seen(3)
    assert not pacer.pacing
    clock.now += 5.0  # handling the records took 5 s: no quiet spell, the next fetch is at once
    assert pacer.next_delay() == 0
    pacer.records_seen(0)
    clock.now += 0.2
    assert pacer.next_delay() == pytest.approx(0.01)


def test_idle_pacer_never_pauses_when_its_cap_is_zero() -> None:
    """Apache Kafka's long polling: a waiting fetch comes back when a record arrives."""
    clock = _Clock()
    pacer = IdlePacer(quiet_fraction=0.05, first_delay=0.005, max_delay=0.0, clock=clock)
    assert pacer.next_delay() == 0
    clock.now += 3600
    assert pacer.next_delay() == 0


def test_a_background_consumer_fetches_with_the_longer_wait_and_paces_from_it() -> None:
    settings = ProcessSettings(kafka_fetch_max_wait_ms=5, kafka_background_fetch_max_wait_ms=50)

    def consumer(background: bool, topics: tuple[Topic, ...] = ()) -> Consumer:
        return Consumer(
            settings,
            None,  # type: ignore[arg-type]  # nothing is read or written here
            messaging_tables(sa.MetaData()),
            name="c",
            group_id="g",
            topics=topics,
            handler=None,  # type: ignore[arg-type]
            bus=None,  # type: ignore[arg-type]
            background=background,
        )

    assert consumer(background=False).fetch_max_wait_ms == 5
    assert consumer(background=True).fetch_max_wait_ms == 50
    # A consumer of work queues is a background one without saying so; one of facts is not.
    assert consumer(background=False, topics=(GENERATION_REQUESTS,)).fetch_max_wait_ms == 50
    assert consumer(background=False, topics=(GENERATION_REQUESTS, SHOTS_EVENTS)).fetch_max_wait_ms == 5
    assert IdlePacer.from_settings(settings, 50).first_delay == 0.05
    assert IdlePacer.from_settings(settings).first_delay == 0.005
