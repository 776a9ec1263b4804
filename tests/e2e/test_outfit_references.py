"""Outfit reference images in both forms R110 allows (issue 18 item 4): URL strings as given, and
MediaInput objects resolved to a media resource the caller may use (by id, or by URL: this
platform's upload or an image elsewhere, stored once), with the MediaInput's own fields kept; on
manual outfits (E18), proposals (POST /outfits/), finalize (E19) and look creation (E8) alike.
What does not resolve is 422 at the item and changes nothing."""

from __future__ import annotations

import base64

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.responses import Response

from tests.e2e.brief import Brief, post
from tests.e2e.revision_support import assert_same_picture, detached_at, fetch, relative, two_tone
from tests.e2e.shots_support import eventually
from tests.e2e.test_outfits import look_when
from tests.e2e.test_shootings import error_locs
from tests.support.loopback import serving

pytestmark = pytest.mark.asyncio(loop_scope="session")
ZERO = "00000000-0000-0000-0000-000000000000"
PICTURE = two_tone((30, 160, 90), (200, 40, 120), (40, 60))


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    return await Brief((await new_user()).client).build()


async def new_look(brief: Brief) -> dict:
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["anna"]],
        shot_type_ids=[brief.shot_types["front"]],
    )
    return response.json()["production_requests"][0]


async def uploaded_media(client, look: dict, picture: bytes = PICTURE) -> dict:
    """A media resource of the look's shooting: the image of a revision uploaded inline."""
    data = "data:image/png;base64," + base64.b64encode(picture).decode()
    revision = await post(
        client,
        f"/shots/{look['shots'][0]['id']}/revision",
        {"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_data": data}]},
    )
    return revision["images"][0]["image_media"]


def image_host(picture: bytes):  # type: ignore[no-untyped-def]
    """Images elsewhere, on loopback: one picture and one file that is not an image."""
    app = FastAPI()

    @app.get("/mood.png")
    async def mood() -> Response:
        return Response(picture, media_type="image/png")

    @app.get("/notes.txt")
    async def notes() -> Response:
        return Response(b"not an image", media_type="text/plain")

    return serving(app)


async def test_media_inputs_resolve_to_media_resources_and_keep_what_the_client_described(brief, anon_api, stack):
    look = await new_look(brief)
    media = await uploaded_media(brief.client, look)
    elsewhere = two_tone((250, 250, 10), (10, 10, 250), (30, 30))
    async with image_host(elsewhere) as host:
        references = [
            "https://img.example/plain.jpg",
            {"media_resource_id": media["id"], "alt_text": "mood"},
            {"url": f"{host}/mood.png", "alt_text": "sky", "caption": "from the brief"},
        ]
        answer = await brief.client.post(
            f"/shootings/production-requests/{look['id']}/outfit", json={"outfit_ref_imgs_urls": references}
        )
    assert answer.status_code == 200, answer.text
    outfit = answer.json()["outfit"]
    urls, described = outfit["outfit_ref_imgs_urls"], outfit["outfit_ref_images_media"]
    assert len(urls) == 3 and urls[0] == "https://img.example/plain.jpg"
    assert answer.json()["outfit_ref_imgs_urls"] == urls  # the look shows THE outfit's references
    assert [d["alt_text"] for d in described] == ["mood", "sky"] and described[1]["caption"] == "from the brief"
    assert described[0]["id"] == media["id"] and described[0]["content_hash"] == media["content_hash"]
    assert (described[1]["width"], described[1]["height"]) == (30, 30) and described[1]["id"] != media["id"]
    assert_same_picture(PICTURE, await fetch(anon_api, urls[1]), "the media resource by id")
    assert_same_picture(elsewhere, await fetch(anon_api, urls[2]), "the image fetched once")  # host is gone now
    again = (await brief.client.get(f"/outfits/{outfit['id']}")).json()
    assert [d["id"] for d in again["outfit_ref_images_media"]] == [d["id"] for d in described]
    assert again["outfit_ref_imgs_urls"][0] == urls[0]
    # The revision that showed the media goes: the outfit still uses it, so it is not detached.
    shot = (await brief.client.get(f"/shots/{look['shots'][0]['id']}")).json()
    assert (await brief.client.delete(f"/shots/revisions/{shot['current_revision_id']}")).status_code == 204
    assert await detached_at(stack, media["id"]) is None
    assert_same_picture(PICTURE, await fetch(anon_api, urls[1]), "the outfit's media after the revision went")


async def test_an_uploaded_image_named_by_url_becomes_a_media_resource(brief, anon_api):
    look = await new_look(brief)
    target = (await brief.client.get("/shots/revisions/upload-url", params={"content_type": "image/png"})).json()
    put = await anon_api.put(relative(target["upload_url"]), content=PICTURE, headers=target["headers"])
    assert put.status_code == 200, put.text
    proposal = await brief.client.post(
        "/outfits/",
        json={"production_request_id": look["id"], "outfit_ref_imgs_urls": [{"url": target["image_url"]}]},
    )
    assert proposal.status_code == 200, proposal.text
    [described] = proposal.json()["outfit_ref_images_media"]
    assert described["extension"] == "png" and (described["width"], described["height"]) == (40, 60)
    assert_same_picture(PICTURE, await fetch(anon_api, proposal.json()["outfit_ref_imgs_urls"][0]), "the upload")


async def test_references_that_do_not_resolve_are_422_and_change_nothing(brief, new_user):
    look = await new_look(brief)
    path = f"/shootings/production-requests/{look['id']}"
    chosen = await brief.client.post(f"{path}/outfit", json={"outfit_ref_imgs_urls": ["https://img.example/a.jpg"]})
    assert chosen.status_code == 200
    stranger = await new_user()
    their_look = await new_look(await Brief(stranger.client).build())
    theirs = await uploaded_media(stranger.client, their_look)
    async with image_host(PICTURE) as host:
        for reference, field in (
            ({"media_resource_id": ZERO, "alt_text": "x"}, "media_resource_id"),
            ({"media_resource_id": theirs["id"]}, "media_resource_id"),  # another user's picture
            ({"url": f"{host}/notes.txt"}, "url"),
            ({"url": f"{host}/missing.png"}, "url"),
        ):
            for method, url, body in (
                ("POST", f"{path}/outfit", {"outfit_ref_imgs_urls": [reference]}),
                ("POST", f"{path}/finalize-outfit", {"outfit_ref_imgs_urls": [reference]}),
                ("POST", "/outfits/", {"production_request_id": look["id"], "outfit_ref_imgs_urls": [reference]}),
            ):
                response = await brief.client.request(method, url, json=body)
                assert response.status_code == 422, (url, reference, response.text)
                assert ("body", "outfit_ref_imgs_urls", "0", field) in error_locs(response), response.text
        empty = await brief.client.post(f"{path}/outfit", json={"outfit_ref_imgs_urls": [{"alt_text": "nothing"}]})
        assert ("body", "outfit_ref_imgs_urls", "0") in error_locs(empty)
    after = (await brief.client.get(path)).json()
    assert after["outfit_id"] == chosen.json()["outfit_id"] and after["outfit_proposals"] == []
    assert after["outfit_ref_imgs_urls"] == ["https://img.example/a.jpg"]


async def test_another_organizations_media_is_422_even_for_a_member_of_both(brief):
    client = brief.client
    first = await post(client, "/organizations/", {"name": "First brand"})
    second = await post(client, "/organizations/", {"name": "Second brand"})
    looks = {}
    for organization in (first, second):
        scoped = await Brief(client, organization_id=organization["id"]).build()
        looks[organization["id"]] = await new_look(scoped)
    media = await uploaded_media(client, looks[second["id"]])
    refused = await client.post(
        f"/shootings/production-requests/{looks[first['id']]['id']}/outfit",
        json={"outfit_ref_imgs_urls": [{"media_resource_id": media["id"]}]},
    )
    assert ("body", "outfit_ref_imgs_urls", "0", "media_resource_id") in error_locs(refused), refused.text
    same = await client.post(
        f"/shootings/production-requests/{looks[second['id']]['id']}/outfit",
        json={"outfit_ref_imgs_urls": [{"media_resource_id": media["id"]}]},
    )
    assert same.status_code == 200 and same.json()["outfit"]["outfit_ref_images_media"][0]["id"] == media["id"]


async def test_outfits_given_at_look_creation_check_and_keep_their_media_inputs(brief, anon_api):
    """E8's product_outfit_configs: a MediaInput that does not resolve is a 422 before any look
    exists; one that resolves reaches THE outfit the outfits context writes for the new look."""
    shooting = await brief.shooting()
    path = f"/shootings/{shooting['id']}/production-requests"
    config = {"product_id": brief.products["dress"], "outfit_product_ids": [brief.products["scarf"]]}
    refused = await brief.client.post(
        path,
        json={
            "subject_ids": [brief.subjects["anna"]],
            "product_outfit_configs": [
                {**config, "outfit_ref_imgs_urls": ["https://img.example/a.jpg", {"media_resource_id": ZERO}]}
            ],
        },
    )
    locs = error_locs(refused)
    assert ("body", "product_outfit_configs", "0", "outfit_ref_imgs_urls", "1", "media_resource_id") in locs, (
        refused.text
    )
    assert (await brief.client.get(path)).json()["count"] == 0
    shown = await look_with_a_described_reference(brief, shooting["id"])
    assert_same_picture(PICTURE, await fetch(anon_api, shown["outfit_ref_imgs_urls"][0]), "the creation's reference")


async def look_with_a_described_reference(brief: Brief, shooting_id: str) -> dict:
    """A look created (E8, no shot type) with one outfit reference given as a MediaInput of a
    picture elsewhere; the look once THE outfit shows, its reference checked to carry its media."""
    config = {"product_id": brief.products["dress"], "outfit_product_ids": [brief.products["scarf"]]}
    # The outfits context writes THE outfit from the look's event, later than the answer, and
    # resolves the reference then: the picture's host stays up until the outfit is shown.
    async with image_host(PICTURE) as host:
        created = await brief.client.post(
            f"/shootings/{shooting_id}/production-requests",
            json={
                "subject_ids": [brief.subjects["anna"]],
                "product_outfit_configs": [
                    {**config, "outfit_ref_imgs_urls": [{"url": f"{host}/mood.png", "alt_text": "mood"}]}
                ],
            },
        )
        assert created.status_code == 200, created.text
        [look] = created.json()["production_requests"]
        assert look["shots"] == []
        shown = await look_when(brief, look["id"], lambda x: x["outfit"] is not None)
    [described] = shown["outfit"]["outfit_ref_images_media"] or [None]
    assert described is not None, f"THE outfit without its reference's media: {shown['outfit']}"
    assert described["alt_text"] == "mood" and (described["width"], described["height"]) == (40, 60)
    return shown


async def unfold_in_shots(stack, shooting_id: str) -> None:
    """The shots service as it is before it folds a new shooting's creation event: once its
    projection holds the shooting, the row is taken out again (no later event brings it back)."""
    url = stack.wiring.database_urls["shots"].replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(url)
    try:

        async def taken_out() -> bool:
            return (
                await connection.execute("DELETE FROM shooting_access WHERE shooting_id = $1", shooting_id)
                == "DELETE 1"
            )

        await eventually(taken_out, "the shots service's projection of the new shooting")
    finally:
        await connection.close()


async def test_a_creation_reference_resolves_before_the_shots_service_knows_the_shooting(brief, stack):
    """A look created with an outfit reference and no shot (so no CreateShots teaches the shots
    service the shooting) right after its shooting: the outfits context resolves the reference by
    the media id the gateway registered, and the shots service, not knowing the shooting yet,
    learns it from the shootings service (D19.4) instead of calling the media unusable."""
    shooting = await brief.shooting()
    await unfold_in_shots(stack, shooting["id"])
    await look_with_a_described_reference(brief, shooting["id"])
