"""What a revision image names is resolved, checked and kept (issue 18 items 1-3; A60): a revision
made from a chosen prediction or a refined earlier image shows that picture, downloads and exports
it; ids that do not name something of the shot are 422 and write nothing; approving needs a
current revision with a picture. Then every source type round-trips: create, read, download in
each export format, export; every step sees the same picture."""

from __future__ import annotations

import base64
import io

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from PIL import Image

from tests.e2e.exports_support import SECRET, mapped, settled
from tests.e2e.revision_support import (
    assert_same_picture,
    detached_at,
    fetch,
    generated,
    relative,
    revise,
    two_tone,
)
from tests.e2e.shots_support import GenerationLook
from tests.e2e.test_shootings import error_locs
from tests.support.loopback import serving
from tests.support.push_receiver import push_receiver

pytestmark = pytest.mark.asyncio(loop_scope="session")
ZERO = "00000000-0000-0000-0000-000000000000"
FORMATS = ("JPEG", "PNG", "WEBP", "AVIF")


@pytest.fixture
def look(generation_look: GenerationLook) -> GenerationLook:
    return generation_look


def without_urls(image: dict) -> dict:
    """An image as two answers must agree on it: signed URLs change with every answer."""
    media = image["image_media"]
    return {**image, "effective_image_url": None, "image_media": media and {**media, "url": None}}


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


async def test_a_revision_from_a_chosen_prediction_shows_downloads_and_exports_that_prediction(look, anon_api):
    generation = await generated(look, "front", predictions=2)
    chosen = generation["predictions"][1]
    shot_id = look.shot("front")["id"]
    response = await revise(
        look.client, shot_id, [{"source_type": "PREDICTION", "prediction_id": chosen["id"]}], notes="pick"
    )
    assert response.status_code == 200, response.text
    [image] = response.json()["images"]
    worker_revision = (await look.client.get(f"/shots/revisions/{generation['revision_id']}")).json()
    worker_image = next(i for i in worker_revision["images"] if i["prediction_id"] == chosen["id"])
    assert image["prediction_id"] == chosen["id"] and image["image_media"]["id"] == worker_image["image_media"]["id"]
    assert response.json()["effective_image_url"] == image["effective_image_url"] is not None
    picture = await fetch(anon_api, chosen["image_url"])
    assert_same_picture(picture, await fetch(anon_api, image["effective_image_url"]), "the revision's image")
    download = await look.client.get(f"/shots/{shot_id}/download")
    assert download.status_code == 200, download.text
    assert_same_picture(picture, download.content, "the download")


async def test_a_refined_image_carries_the_earlier_picture_into_the_new_revision(look, anon_api, stack):
    shot_id = look.shot("front")["id"]
    picture = two_tone((240, 30, 30), (30, 30, 240))
    first = await revise(look.client, shot_id, [{"source_type": "UPLOAD", "image_data": data_url(picture)}])
    earlier = first.json()["images"][0]
    refined = await revise(look.client, shot_id, [{"source_type": "REFINE", "refine_id": earlier["id"]}])
    assert refined.status_code == 200, refined.text
    [image] = refined.json()["images"]
    assert image["refine_id"] == earlier["id"] and image["image_media"]["id"] == earlier["image_media"]["id"]
    assert_same_picture(picture, await fetch(anon_api, refined.json()["effective_image_url"]), "the refine")
    deleted = await look.client.delete(f"/shots/revisions/{refined.json()['id']}")
    assert deleted.status_code == 204  # the earlier revision still shows its image: not detached
    assert await detached_at(stack, earlier["image_media"]["id"]) is None
    assert (await look.client.get(f"/shots/{shot_id}/download")).status_code == 200
    assert (await look.client.delete(f"/shots/revisions/{first.json()['id']}")).status_code == 204
    assert await detached_at(stack, earlier["image_media"]["id"]) is not None  # nothing uses it now


async def test_image_ids_that_do_not_name_something_of_the_shot_are_422_and_write_nothing(look):
    front, detail = look.shot("front")["id"], look.shot("detail")["id"]
    other_generation = await generated(look, "detail", predictions=1)
    elsewhere = (await look.client.get(f"/shots/revisions/{other_generation['revision_id']}")).json()["images"][0]
    before = (await look.client.get(f"/shots/{front}")).json()
    for image, field in (
        ({"source_type": "PREDICTION", "prediction_id": ZERO}, "prediction_id"),
        ({"source_type": "REFINE", "refine_id": ZERO}, "refine_id"),
        # Another shot's prediction and image: known to the caller, but not this shot's.
        ({"source_type": "PREDICTION", "prediction_id": other_generation["predictions"][0]["id"]}, "prediction_id"),
        ({"source_type": "REFINE", "refine_id": elsewhere["id"]}, "refine_id"),
        # One source per image: a second picture would leave it ambiguous (A60).
        ({"source_type": "UPLOAD", "image_url": "https://x.example/a.png", "prediction_id": ZERO}, "prediction_id"),
        ({"source_type": "REFINE", "refine_id": elsewhere["id"], "image_url": "https://x.example/a.png"}, "image_url"),
    ):
        response = await revise(look.client, front, [image])
        assert response.status_code == 422, (image, response.text)
        assert ("body", "images", "0", field) in error_locs(response), response.text
    after = (await look.client.get(f"/shots/{front}")).json()
    assert after["revisions"] == before["revisions"] and after["status"] == before["status"]
    assert (await look.client.get(f"/shots/{detail}")).json()["current_revision_id"] == elsewhere["shot_revision_id"]


async def test_approve_needs_a_current_revision_with_a_picture(look):
    shot_id = look.shot("front")["id"]
    empty = await revise(look.client, shot_id, [], shot_status="REVIEW")
    assert empty.status_code == 200
    refused = await look.client.post(f"/shots/{shot_id}/approve")
    assert refused.status_code == 409 and "image" in refused.json()["detail"]
    assert (await look.client.get(f"/shots/{shot_id}")).json()["status"] == "REVIEW"
    assert (await look.client.get(f"/shots/{shot_id}/download")).status_code == 400  # the same judgement
    created_approved = await revise(look.client, shot_id, [], shot_status="APPROVED")  # the same rule at creation
    assert ("body", "images") in error_locs(created_approved), created_approved.text
    picture = data_url(two_tone((9, 9, 9), (99, 9, 9)))
    await revise(look.client, shot_id, [{"source_type": "UPLOAD", "image_data": picture}])
    approved = await look.client.post(f"/shots/{shot_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"


def _served(picture: bytes):  # type: ignore[no-untyped-def]
    """An image host outside the platform, on loopback."""
    app = FastAPI()

    @app.get("/mood.png")
    async def mood() -> Response:
        return Response(picture, media_type="image/png")

    return serving(app)


async def _image_of(source: str, look: GenerationLook, anon_api, picture: bytes, outside: str) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    """A revision image of ``source`` and its picture: ``picture``, or the prediction's own."""
    shot_id = look.shot("front")["id"]
    if source == "UPLOAD_DATA":
        return {"source_type": "UPLOAD", "image_data": data_url(picture)}, picture
    if source == "UPLOAD_URL":
        target = (await look.client.get("/shots/revisions/upload-url", params={"content_type": "image/png"})).json()
        put = await anon_api.put(relative(target["upload_url"]), content=picture, headers=target["headers"])
        assert put.status_code == 200, put.text
        return {"source_type": "UPLOAD", "image_url": target["image_url"]}, picture
    if source == "EXTERNAL_URL":
        return {"source_type": "UPLOAD", "image_url": f"{outside}/mood.png"}, picture
    if source == "REFINE":
        earlier = await revise(look.client, shot_id, [{"source_type": "UPLOAD", "image_data": data_url(picture)}])
        return {"source_type": "REFINE", "refine_id": earlier.json()["images"][0]["id"]}, picture
    prediction = (await generated(look, "front", predictions=1))["predictions"][0]
    return {"source_type": "PREDICTION", "prediction_id": prediction["id"]}, await fetch(
        anon_api, prediction["image_url"]
    )


@pytest.mark.parametrize("source", ["UPLOAD_DATA", "UPLOAD_URL", "EXTERNAL_URL", "PREDICTION", "REFINE"])
async def test_every_image_source_round_trips_through_read_download_and_export(look, anon_api, source):
    client = look.client
    shot_id = look.shot("front")["id"]
    served = two_tone((220, 180, 40), (40, 90, 200))
    async with _served(served) as outside, push_receiver(SECRET) as receiver:
        image, picture = await _image_of(source, look, anon_api, served, outside)
        created = await revise(client, shot_id, [image])
        assert created.status_code == 200, created.text
        revision = created.json()
        read = (await client.get(f"/shots/revisions/{revision['id']}")).json()
        shot = (await client.get(f"/shots/{shot_id}")).json()
        assert shot["current_revision_id"] == revision["id"]
        assert [without_urls(i) for i in read["images"]] == [without_urls(i) for i in revision["images"]]
        assert read["effective_image_url"] is not None
        assert_same_picture(picture, await fetch(anon_api, read["effective_image_url"]), "read")
        for fmt in FORMATS:
            configuration = await client.post("/export-configurations/", json={"name": fmt, "format": fmt})
            await client.patch("/users/me", json={"export_configuration_id": configuration.json()["id"]})
            download = await client.get(f"/shots/{shot_id}/download")
            assert download.status_code == 200, (fmt, download.text)
            assert download.headers["content-type"] == f"image/{fmt.lower()}"
            assert_same_picture(picture, download.content, f"download as {fmt}")
        await client.patch("/users/me", json={"export_configuration_id": None})
        assert (await client.post(f"/shots/{shot_id}/approve")).status_code == 200
        await mapped(client, look.look["product_id"], f"{receiver.url}/ok")
        exported = await client.post(f"/shots/revisions/{revision['id']}/export")
        assert exported.status_code == 200 and exported.json()["exports_created"] == 1, exported.text
        done = await settled(client, revision["id"], 1)
        assert [p["push_status"] for p in done["push_records"]] == ["COMPLETED"]
        [pushed] = receiver.on("/ok")
        assert pushed.metadata["revision_id"] == revision["id"]
        assert_same_picture(picture, pushed.image, "export")
        assert Image.open(io.BytesIO(pushed.image)).format == "JPEG"


async def test_an_image_url_that_could_never_be_fetched_is_422_and_a_data_url_is_stored(look, anon_api):
    """Exploratory pass: ``ftp://...`` or ``not a url`` as an UPLOAD image (or sketch) was accepted
    and only failed at download; a ``data:`` URL in ``image_url`` is stored like ``image_data``."""
    shot_id = look.shot("front")["id"]
    for image, field in (
        ({"source_type": "UPLOAD", "image_url": "ftp://images.example/a.png"}, "image_url"),
        ({"source_type": "UPLOAD", "image_url": "not a url"}, "image_url"),
        (
            {"source_type": "UPLOAD", "image_url": "https://x.example/a.png", "sketch_image_url": "/relative.png"},
            "sketch_image_url",
        ),
    ):
        response = await revise(look.client, shot_id, [image])
        assert ("body", "images", "0", field) in error_locs(response), response.text
    picture = two_tone((1, 120, 1), (120, 1, 1), (20, 30))
    stored = await revise(look.client, shot_id, [{"source_type": "UPLOAD", "image_url": data_url(picture)}])
    assert stored.status_code == 200, stored.text
    [image] = stored.json()["images"]
    assert image["image_media"]["width"] == 20 and not image["image_url"].startswith("data:")
    assert_same_picture(picture, await fetch(anon_api, image["effective_image_url"]), "the stored data URL")
