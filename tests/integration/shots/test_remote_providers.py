"""The ``openai`` and ``comfyui`` providers in the generation worker, against fakes of their
protocols on loopback and the real shots database: the request each server receives (images in
order, base first), retries of what may pass, the server's reason when it refuses or fails, and
one revision per generation whatever happens."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from services.shots.worker.providers.comfyui import ComfyUIProvider, prompt_id_for
from services.shots.worker.providers.openai import OpenAIProvider
from tests.e2e.shots_support import eventually, png_data_url
from tests.integration.shots.worker_support import generation_row, processor, revisions_of, settings, start
from tests.support.fake_comfyui import fake_comfyui
from tests.support.fake_openai import error, fake_openai

pytestmark = pytest.mark.asyncio(loop_scope="session")
BASE, GREEN, BLUE = (200, 100, 50), (10, 200, 10), (10, 10, 200)


def colour(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((0, 0))  # type: ignore[return-value]


def data_of(url: str) -> bytes:
    return base64.b64decode(url.split(",", 1)[1])


async def seeds_of(shots, generation_id: str) -> list[int]:
    async with shots.engine.connect() as conn:
        query = "SELECT seed FROM predictions WHERE generation_id = :id ORDER BY position"
        return list((await conn.execute(sa.text(query), {"id": uuid.UUID(generation_id)})).scalars())


def openai(shots, fake, **values):
    base = {"generation_openai_base_url": fake.base_url, "generation_openai_api_key": "sk-test"}
    return OpenAIProvider(settings(shots, **(base | values)))


async def test_openai_edit_sends_the_base_image_then_the_references_and_completes_once(shots, tmp_path):
    references = (png_data_url(GREEN), png_data_url(BLUE))
    async with fake_openai() as fake:
        work = processor(shots, tmp_path, openai(shots, fake))
        _, generation_id = await start(shots, predictions=2, references=references, model_id="gpt-image-1-mini")
        assert await work.process(uuid.UUID(generation_id)) == "COMPLETED"
        assert await work.process(uuid.UUID(generation_id)) is None  # a redelivery renders nothing
    [request] = fake.requests
    assert request.authorization == "Bearer sk-test"
    assert [name for name, _, _ in request.images] == ["image[]"] * 3
    assert [colour(data) for _, _, data in request.images] == [BASE, GREEN, BLUE]  # base first, in order
    assert request.fields["model"] == "gpt-image-1-mini" and request.fields["n"] == "2"
    assert request.fields["size"] == "1024x1536"  # the supported size closest to the look's 64x96
    assert "full-body shot seen from the front" in request.fields["prompt"]
    stored = sorted(tmp_path.rglob("*.png"))
    assert len(stored) == 2 and all(Image.open(p).size == (1024, 1536) for p in stored)
    assert colour(stored[0].read_bytes()) == BASE  # the fake paints what the first image shows
    assert await revisions_of(shots, generation_id) == 1


async def test_openai_rate_limits_and_server_errors_are_retried(shots, tmp_path):
    async with fake_openai() as fake:
        fake.failures = [error(429, "Rate limit reached.", "rate_limit_exceeded", retry_after="0"), error(500, "Boom")]
        _, generation_id = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, openai(shots, fake)).process(uuid.UUID(generation_id)) == "COMPLETED"
    assert len(fake.requests) == 3 and await revisions_of(shots, generation_id) == 1


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        (error(400, "Your request was rejected by the safety system.", "moderation_blocked"), "safety system"),
        (error(429, "You exceeded your current quota.", "insufficient_quota"), "insufficient_quota"),
        (None, "Incorrect API key"),
    ],
)
async def test_openai_refusals_fail_at_once_with_the_servers_reason(shots, tmp_path, refusal, reason):
    async with fake_openai() as fake:
        fake.failures = [refusal] if refusal else []
        provider = openai(shots, fake, generation_openai_api_key="sk-test" if refusal else "sk-wrong")
        _, generation_id = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, provider).process(uuid.UUID(generation_id)) == "FAILED"
    row = await generation_row(shots, generation_id)
    assert len(fake.requests) == 1 and reason in row.error  # the same request would fail again
    assert row.revision_id is None and await revisions_of(shots, generation_id) == 0


def comfyui(shots, fake, **values):
    base = {
        "generation_comfyui_url": fake.url,
        "generation_comfyui_api_key": "c-key",
        "generation_comfyui_poll_interval_seconds": 0.02,
    }
    return ComfyUIProvider(settings(shots, **(base | values)))


async def test_comfyui_uploads_fills_the_workflow_per_seed_and_fetches_the_saved_images(shots, tmp_path):
    async with fake_comfyui(tmp_path / "comfyui", api_key="c-key") as fake:
        work = processor(shots, tmp_path / "media", comfyui(shots, fake))
        _, generation_id = await start(shots, predictions=2, references=(png_data_url(GREEN),))
        assert await work.process(uuid.UUID(generation_id)) == "COMPLETED"
    folder = f"shooting-platform/{generation_id}"
    assert [(sub, name) for sub, name, _ in fake.uploads] == [(folder, "base.png"), (folder, "reference-1.png")]
    assert colour(fake.uploads[0][2]) == BASE and colour(fake.uploads[1][2]) == GREEN
    seeds = await seeds_of(shots, generation_id)
    assert [p["prompt_id"] for p in fake.prompts] == [prompt_id_for(generation_id, n, s) for n, s in enumerate(seeds)]
    for body, seed in zip(fake.prompts, seeds, strict=True):
        graph = body["prompt"]
        assert graph["2"]["inputs"]["image"] == f"{folder}/base.png"
        assert graph["7"]["inputs"]["image"] == f"{folder}/reference-1.png"
        assert graph["10"]["inputs"]["image"] == f"{folder}/base.png"  # no second reference: the base image
        assert graph["13"]["inputs"]["seed"] == seed and graph["3"]["inputs"]["width"] == 64
        assert "full-body shot" in graph["5"]["inputs"]["text"]
    stored = sorted((tmp_path / "media").rglob("*.png"))
    assert len(stored) == 2 and all(Image.open(p).size == (64, 96) for p in stored)
    assert "GET /view" in fake.paths and await revisions_of(shots, generation_id) == 1


async def test_comfyui_failed_vanished_and_refused_prompts_fail_with_the_reason(shots, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"1": {"class_type": "NoSuchNode", "inputs": {"image": "{{base_image}}"}}}')
    async with fake_comfyui(tmp_path / "comfyui", api_key="c-key") as fake:
        fake.fail_next = "CUDA out of memory"
        _, failed = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, comfyui(shots, fake)).process(uuid.UUID(failed)) == "FAILED"
        fake.vanish_next = True
        _, vanished = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, comfyui(shots, fake)).process(uuid.UUID(vanished)) == "FAILED"
        refusing = comfyui(shots, fake, generation_comfyui_workflow=broken)
        _, refused = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, refusing).process(uuid.UUID(refused)) == "FAILED"
        unauthorised = comfyui(shots, fake, generation_comfyui_api_key=None)
        _, anonymous = await start(shots, predictions=1)
        assert await processor(shots, tmp_path, unauthorised).process(uuid.UUID(anonymous)) == "FAILED"
    assert "KSampler" in (await generation_row(shots, failed)).error
    assert "CUDA out of memory" in (await generation_row(shots, failed)).error
    assert "neither queued nor in the history" in (await generation_row(shots, vanished)).error
    assert "NoSuchNode does not exist" in (await generation_row(shots, refused)).error
    assert "401" in (await generation_row(shots, anonymous)).error
    assert len(fake.prompts) == 2  # each failure came from one prompt, none was queued twice
    for generation_id in (failed, vanished, refused, anonymous):
        assert await revisions_of(shots, generation_id) == 0


async def test_comfyui_a_redelivered_generation_waits_for_the_prompts_already_queued(shots, tmp_path):
    async with fake_comfyui(tmp_path / "comfyui", api_key="c-key") as fake:
        fake.render_seconds = 0.5
        _, generation_id = await start(shots, predictions=2)
        first = asyncio.create_task(processor(shots, tmp_path, comfyui(shots, fake)).process(uuid.UUID(generation_id)))

        async def both_queued() -> bool:
            return len(fake.prompts) == 2

        await eventually(both_queued, "both prompts queued")
        first.cancel()  # the worker dies while ComfyUI renders
        with pytest.raises(asyncio.CancelledError):
            await first
        assert (await generation_row(shots, generation_id)).status == "PROCESSING"
        again = processor(shots, tmp_path, comfyui(shots, fake))
        assert await again.process(uuid.UUID(generation_id)) == "COMPLETED"
    assert len(fake.prompts) == 2  # the redelivery queued nothing: it waited for the same prompts
    row = await generation_row(shots, generation_id)
    assert row.attempts == 2 and await revisions_of(shots, generation_id) == 1
