"""The generation worker's processing against the real shots database: the http provider
against a fake inference server, exactly-once completion, retries, then FAILED with the reason."""

from __future__ import annotations

import uuid

import pytest

from platformkit.event_types import EventType
from protos.events.v1 import shots_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shots.generation_events import EVENT_TYPES
from services.shots.worker.providers import RenderJob
from services.shots.worker.providers.http import HttpProvider
from services.shots.worker.providers.local import LocalProvider
from tests.integration.shots.support import outbox_rows
from tests.integration.shots.worker_support import generation_row, processor, revisions_of, settings, start
from tests.support.fake_inference import fake_inference

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def progress_of(shots, shot_id: str) -> list[tuple[str, str, str | None]]:
    """The shot's events on shots.events in order; generation events with their status and error."""
    events = []
    for event_type, payload in await outbox_rows(shots.engine, shot_id):
        if event_type not in EVENT_TYPES.values():  # the shot events carry no generation
            events.append((event_type, "", None))
            continue
        state = events_pb2.GenerationState()
        EventEnvelope.FromString(payload).payload.Unpack(state)
        events.append((event_type, state.status, state.error if state.HasField("error") else None))
    return events


@pytest.mark.parametrize("path", ["/sync", "/async"])
async def test_http_provider_renders_through_the_endpoint_and_completes_once(shots, tmp_path, path):
    async with fake_inference() as fake:
        provider = HttpProvider(
            settings(
                shots,
                generation_http_url=fake.url + path,
                generation_http_api_key="k-123",
                generation_http_poll_interval_seconds=0.01,
            )
        )
        work = processor(shots, tmp_path, provider)
        shot_id, generation_id = await start(shots)
        assert await work.process(uuid.UUID(generation_id)) == "COMPLETED"
        assert await work.process(uuid.UUID(generation_id)) is None  # a redelivery changes nothing
    # The progress shares the shot's key with the status change and the revision it made.
    assert await progress_of(shots, shot_id) == [
        (EventType.SHOT_CREATED, "", None),
        (EventType.GENERATION_QUEUED, "PENDING", None),
        (EventType.GENERATION_PROCESSING, "PROCESSING", None),
        (EventType.SHOT_STATUS_CHANGED, "", None),
        (EventType.SHOT_REVISION_CREATED, "", None),
        (EventType.GENERATION_COMPLETED, "COMPLETED", None),
    ]
    row = await generation_row(shots, generation_id)
    assert row.status == "COMPLETED" and row.revision_id is not None and await revisions_of(shots, generation_id) == 1
    sent_path, headers, body = fake.requests[0]
    assert sent_path == path and headers["authorization"] == "Bearer k-123"
    assert len(body["seeds"]) == 2 and body["base_image"] and body["width"] == 64
    assert len(list(tmp_path.rglob("*.png"))) == 2  # both predictions stored


async def test_retryable_failures_are_retried_then_complete(shots, tmp_path):
    async with fake_inference() as fake:
        fake.fail_first = 2
        provider = HttpProvider(settings(shots, generation_http_url=fake.url + "/flaky"))
        _, generation_id = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, provider).process(uuid.UUID(generation_id)) == "COMPLETED"
    assert [p for p, _, _ in fake.requests] == ["/flaky"] * 3


async def test_refusals_and_exhausted_retries_fail_with_the_reason(shots, tmp_path):
    async with fake_inference() as fake:
        refusing = HttpProvider(settings(shots, generation_http_url=fake.url + "/refuse"))
        refused_shot, refused = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, refusing).process(uuid.UUID(refused)) == "FAILED"
        assert len(fake.requests) == 1  # a 400 would fail again: not retried
        fake.fail_first = 10
        flaky = HttpProvider(settings(shots, generation_http_url=fake.url + "/flaky"))
        _, exhausted = await start(shots, predictions=1)
        assert (
            await processor(shots, tmp_path, flaky, generation_max_attempts=3).process(uuid.UUID(exhausted)) == "FAILED"
        )
    assert "prompt rejected" in (await generation_row(shots, refused)).error
    *_, (event_type, status, error) = await progress_of(shots, refused_shot)
    assert (event_type, status) == (EventType.GENERATION_FAILED, "FAILED") and "prompt rejected" in (error or "")
    assert "503" in (await generation_row(shots, exhausted)).error
    assert await revisions_of(shots, refused) == 0


class CrashAfterRender:
    """Renders, then the process "dies" before committing (the exception stands for SIGKILL)."""

    name = "crash"

    async def render(self, job: RenderJob) -> list[bytes]:
        raise SystemExit("killed between render and commit")


async def test_a_crash_before_commit_leaves_it_to_the_next_delivery(shots, tmp_path):
    _, generation_id = await start(shots, predictions=1)
    with pytest.raises(SystemExit):
        await processor(shots, tmp_path, CrashAfterRender()).process(uuid.UUID(generation_id))
    assert (await generation_row(shots, generation_id)).status == "PROCESSING"
    assert await processor(shots, tmp_path, LocalProvider()).process(uuid.UUID(generation_id)) == "COMPLETED"
    row = await generation_row(shots, generation_id)
    assert row.attempts == 2 and await revisions_of(shots, generation_id) == 1
