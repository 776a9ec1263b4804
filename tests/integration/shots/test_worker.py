"""The generation worker's processing against the real shots database: the http provider
against a fake inference server, exactly-once completion, retries, then FAILED with the reason."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from platformkit import db
from platformkit.media import MediaSettings
from platformkit.media.store import LocalMediaStore
from protos.events.v1 import shots_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots.worker.processor import GenerationProcessor
from services.shots.worker.providers import RenderJob
from services.shots.worker.providers.http import HttpProvider
from services.shots.worker.providers.local import LocalProvider
from services.shots.worker.settings import GenerationSettings
from tests.e2e.shots_support import png_data_url
from tests.integration.shots.support import OWNER, new_shot, outbox_rows
from tests.support.fake_inference import fake_inference
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


def settings(shots, **values) -> GenerationSettings:
    base = {"database_url": shots.database_url, "grpc_bind": "127.0.0.1:0", "generation_retry_initial_seconds": 0.01}
    return GenerationSettings(service_name="shots", **(base | values))


async def start(shots, predictions: int = 2) -> tuple[str, str]:
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    inputs = pb.GenerationInputs(
        base_image_url=png_data_url((200, 100, 50)), view_angle="FRONT", framing="FULL_BODY", width=64, height=96
    )
    spec = pb.GenerationSpec(shot_id=shot.id, count=1, num_predictions=predictions, inputs=inputs)
    started = await stub.StartGenerations(
        pb.StartGenerationsRequest(specs=[spec], owner_only=True), metadata=as_user(OWNER)
    )
    return shot.id, started.generations[0].id


def processor(shots, tmp_path: Path, provider, **values) -> GenerationProcessor:
    media = MediaSettings(media_root=tmp_path)
    sessions = db.session_factory(shots.engine)
    return GenerationProcessor(
        sessions, settings(shots, **values), media, LocalMediaStore(tmp_path), provider, "test:1"
    )


async def generation_row(shots, generation_id: str) -> sa.Row:
    async with shots.engine.connect() as conn:
        query = "SELECT status, error, attempts, revision_id FROM generations WHERE id = :id"
        return (await conn.execute(sa.text(query), {"id": uuid.UUID(generation_id)})).one()


async def progress_of(shots, shot_id: str) -> list[tuple[str, str, str | None]]:
    """The shot's events on shots.events in order; generation events with their status and error."""
    events = []
    for event_type, payload in await outbox_rows(shots.engine, shot_id):
        if not event_type.startswith("generation."):
            events.append((event_type, "", None))
            continue
        state = events_pb2.GenerationState()
        EventEnvelope.FromString(payload).payload.Unpack(state)
        events.append((event_type, state.status, state.error if state.HasField("error") else None))
    return events


async def revisions_of(shots, generation_id: str) -> int:
    async with shots.engine.connect() as conn:
        query = "SELECT count(*) FROM shot_revisions WHERE generation_id = :id"
        return (await conn.execute(sa.text(query), {"id": uuid.UUID(generation_id)})).scalar_one()


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
        ("shot.created", "", None),
        ("generation.queued", "PENDING", None),
        ("generation.processing", "PROCESSING", None),
        ("shot.status_changed", "", None),
        ("shot.revision_created", "", None),
        ("generation.completed", "COMPLETED", None),
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
    assert (event_type, status) == ("generation.failed", "FAILED") and "prompt rejected" in (error or "")
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
