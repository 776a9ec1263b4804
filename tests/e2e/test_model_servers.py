"""Real model servers through the running stack: a generation worker process started with
`GENERATION_PROVIDER=openai` or `comfyui` renders shots through a fake of that server's protocol
on loopback, started from the public API; what the server received, the revision the worker
appended and the server's reason for a failure, as a user sees them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from devstack.processes import WORKER_KINDS
from tests.e2e.conftest import OUTPUT
from tests.e2e.shots_support import RENDER_SIZE, GenerationLook
from tests.support.fake_comfyui import fake_comfyui
from tests.support.fake_openai import fake_openai
from tests.support.workers import WorkerPool

pytestmark = pytest.mark.asyncio(loop_scope="session")
GENERATION = next(kind for kind in WORKER_KINDS if kind.name == "generation")


@pytest.fixture
async def pool(stack) -> AsyncIterator[WorkerPool]:  # type: ignore[no-untyped-def]
    """Generation workers of the test's own, once the stack's worker has finished what other
    tests started (their jobs would reach this test's model server); it is back once the test ends."""
    workers = await WorkerPool(stack, GENERATION, OUTPUT).take_over_when_idle()
    try:
        yield workers
    finally:
        await workers.restore()


@pytest.fixture
async def look(new_user) -> GenerationLook:
    return await GenerationLook((await new_user()).client).build()


def colour(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((0, 0))  # type: ignore[return-value]


async def image_of(look: GenerationLook, anon_api, shot_id: str) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    """The current revision's first image of the shot, and its bytes read as a browser would."""
    shot = (await look.client.get(f"/shots/{shot_id}")).json()
    [revision] = [r for r in shot["revisions"] if r["id"] == shot["current_revision_id"]]
    image = revision["images"][0]
    picture = await anon_api.get(image["effective_image_url"].split("/api/v1", 1)[1])
    assert picture.status_code == 200, picture.text
    return image, picture.content


async def test_openai_provider_renders_through_the_images_api(stack, pool, look, anon_api):
    shot_id = look.shot("front")["id"]
    async with fake_openai(api_key="sk-e2e") as fake:
        pool.spawn(
            {
                "GENERATION_PROVIDER": "openai",
                "GENERATION_OPENAI_BASE_URL": fake.base_url,
                "GENERATION_OPENAI_API_KEY": "sk-e2e",
            }
        )
        await pool.settled(1)
        response = await look.client.post(f"/shots/{shot_id}/generate", json={"num_predictions": 2})
        assert response.status_code == 200, response.text
        [generation] = await look.settled(shot_id, 1)
    assert generation["status"] == "COMPLETED", generation["error"]
    [request] = fake.requests
    assert request.authorization == "Bearer sk-e2e"
    # The subject's front base image, then the product's cover as the style reference.
    assert [colour(data) for _, _, data in request.images] == [(200, 120, 90), (20, 20, 160)]
    assert [name for name, _, _ in request.images] == ["image[]", "image[]"]
    # The API renders three sizes: the look's 128x192 asks for the one of the same aspect.
    assert request.fields["n"] == "2" and request.fields["size"] == "1024x1536"
    assert request.fields["model"] == "gpt-image-1"
    image, data = await image_of(look, anon_api, shot_id)
    assert image["source_type"] == "PREDICTION" and image["prediction_id"] == generation["predictions"][0]["id"]
    assert (image["image_media"]["width"], image["image_media"]["height"]) == (1024, 1536)
    assert colour(data) == (200, 120, 90)  # what the server answered, stored and served


async def test_comfyui_provider_runs_the_example_workflow_and_reports_its_failures(
    stack, pool, look, anon_api, tmp_path
):
    shot_id = look.shot("front")["id"]
    path = f"/shootings/production-requests/{look.look['id']}/start-shot-type-generations"
    body = {"shot_type_id": look.shot_types["front"], "generations_count": 1}
    async with fake_comfyui(tmp_path / "comfyui", api_key="c-e2e") as fake:
        pool.spawn(
            {
                "GENERATION_PROVIDER": "comfyui",
                "GENERATION_COMFYUI_URL": fake.url,
                "GENERATION_COMFYUI_API_KEY": "c-e2e",
                "GENERATION_COMFYUI_POLL_INTERVAL_SECONDS": "0.1",
            }
        )
        await pool.settled(1)
        assert (await look.client.post(path, json=body)).status_code == 200
        [generation] = await look.settled(shot_id, 1)
        assert generation["status"] == "COMPLETED", generation["error"]
        fake.fail_next = "CUDA out of memory"
        assert (await look.client.post(path, json=body)).status_code == 200
        failed = next(g for g in await look.settled(shot_id, 2) if g["id"] != generation["id"])
    assert failed["status"] == "FAILED" and "KSampler" in failed["error"] and "CUDA out of memory" in failed["error"]
    assert fake.refused == 0 and "GET /view" in fake.paths  # every call carried the key
    uploaded = [(name, colour(data)) for _, name, data in fake.uploads[:2]]
    assert uploaded == [("base.png", (200, 120, 90)), ("reference-1.png", (20, 20, 160))]
    graph = fake.prompts[0]["prompt"]
    assert graph["13"]["inputs"]["seed"] == generation["predictions"][0]["seed"]
    assert (graph["3"]["inputs"]["width"], graph["3"]["inputs"]["height"]) == RENDER_SIZE
    image, data = await image_of(look, anon_api, shot_id)
    assert image["prediction_id"] == generation["predictions"][0]["id"]  # the failure appended nothing
    assert (image["image_media"]["width"], image["image_media"]["height"]) == RENDER_SIZE
    assert data.startswith(b"\x89PNG")
