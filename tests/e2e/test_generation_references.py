"""Generation is styled with the look's outfit (issue 15 item 1; R117): beside the core product's
images, the provider receives the finalized outfit's product images and reference images (the
newest proposal's where none is finalized), in a defined order, and the generation record says
which images it used. The stack's generation worker is replaced by one with the ``http``
provider against a fake inference server on loopback, which records what it was sent."""

from __future__ import annotations

import base64
import uuid

import pytest

from devstack.processes import WORKER_KINDS
from tests.e2e.brief import post
from tests.e2e.conftest import OUTPUT
from tests.e2e.revision_support import two_tone
from tests.e2e.shots_support import GenerationLook, png_data_url
from tests.support.fake_inference import fake_inference
from tests.support.workers import WorkerPool

pytestmark = pytest.mark.asyncio(loop_scope="session")
GENERATION = next(kind for kind in WORKER_KINDS if kind.name == "generation")
ROLES = ["product", "outfit_product", "outfit_product", "outfit_reference", "outfit_reference"]


@pytest.fixture
def owner(generation_owner):  # type: ignore[no-untyped-def]
    return generation_owner


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def decoded(url: str) -> bytes:
    return base64.b64decode(url.split(",", 1)[1])


async def styled_look(client) -> tuple[GenerationLook, dict, list[bytes]]:  # type: ignore[no-untyped-def]
    """A look whose finalized outfit has two products (with covers) and two reference images (a
    URL string and a media resource); the pictures the provider must get, in order."""
    look = await GenerationLook(client).build()
    covers = [png_data_url((250, 10, 10)), png_data_url((10, 250, 10))]
    products = [
        await post(
            client, "/products/", {"name": f"Belt {n}", "sku": f"B-{uuid.uuid4().hex[:6]}", "cover_image_url": c}
        )
        for n, c in enumerate(covers)
    ]
    mood = two_tone((90, 90, 30), (30, 90, 90), (40, 40))
    revision = await post(
        client,
        f"/shots/{look.shot('detail')['id']}/revision",
        {"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_data": data_url(mood)}]},
    )
    sketch = png_data_url((5, 5, 200), (24, 24))
    finalized = await post(
        client,
        f"/shootings/production-requests/{look.look['id']}/finalize-outfit",
        {
            "outfit_product_ids": [p["id"] for p in products],
            "outfit_ref_imgs_urls": [sketch, {"media_resource_id": revision["images"][0]["image_media"]["id"]}],
        },
    )
    core = (await client.get(f"/products/{look.look['product_id']}")).json()["cover_image_url"]
    expected = [decoded(core), *(decoded(c) for c in covers), decoded(sketch), mood]
    return look, finalized, expected


async def test_a_look_with_a_finalized_outfit_sends_its_images_to_the_provider_in_order(stack, owner):
    look, finalized, expected = await styled_look(owner.client)
    pool = await WorkerPool(stack, GENERATION, OUTPUT).take_over_when_idle()
    try:
        async with fake_inference() as fake:
            pool.spawn({"GENERATION_PROVIDER": "http", "GENERATION_HTTP_URL": f"{fake.url}/sync"})
            await pool.settled(1)
            shot_id = look.shot("front")["id"]
            started = await owner.client.post(f"/shots/{shot_id}/generate")
            assert started.status_code == 200, started.text
            [generation] = await look.settled(shot_id, 1, timeout=120)
            assert generation["status"] == "COMPLETED", generation
            [(_, _, sent)] = [r for r in fake.requests if r[0] == "/sync"]
    finally:
        await pool.restore()
    assert [base64.b64decode(image) for image in sent["reference_images"]] == expected
    assert [r["role"] for r in sent["inputs"]["references"]] == ROLES
    assert sent["inputs"]["outfit_id"] == finalized["outfit_id"]
    record = (await owner.client.get(f"/generations/{generation['id']}")).json()
    assert record["outfit_id"] == finalized["outfit_id"]
    assert [r["role"] for r in record["reference_images"]] == ROLES
    assert [r["source_id"] for r in record["reference_images"][1:3]] == finalized["outfit_product_ids"]
    assert record["reference_images"][4]["source_id"] == finalized["outfit"]["outfit_ref_images_media"][0]["id"]


async def test_without_a_finalized_outfit_the_newest_proposal_styles_the_generation(owner):
    look = await GenerationLook(owner.client).build()
    older = await post(
        owner.client,
        "/outfits/",
        {"production_request_id": look.look["id"], "outfit_ref_imgs_urls": ["https://a.example/1.png"]},
    )
    newer = await post(
        owner.client, "/outfits/", {"production_request_id": look.look["id"], "outfit_instruction": "Belted"}
    )
    body = {"shot_type_id": look.shot_types["front"]}
    started = await owner.client.post(
        f"/shootings/production-requests/{look.look['id']}/start-shot-type-generations", json=body
    )
    assert started.status_code == 200, started.text
    [generation_id] = started.json()["generation_ids"]
    record = (await owner.client.get(f"/generations/{generation_id}")).json()
    assert record["outfit_id"] == newer["id"] != older["id"]
    assert [r["role"] for r in record["reference_images"]] == ["product"]  # the newer one names no image
