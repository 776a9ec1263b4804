"""Shots and revisions through the gateway (R7, R132-R136, R139-R150; A51-A55, A59, A60;
D0.6, D0.11: versions, display names, status from the current revision, approve/reject)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.brief import Brief, post
from tests.e2e.shots_support import eventually, png_data_url
from tests.e2e.test_shootings import error_locs

pytestmark = pytest.mark.asyncio(loop_scope="session")
# An image uploaded elsewhere: no media of this platform, its URL is the image.
NO_MEDIA = {"image_url": "https://images.example.com/kept.png"}


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    return await Brief((await new_user()).client).build()


@pytest.fixture
async def look(brief) -> dict:
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["anna"]],
        shot_type_ids=[brief.shot_types["front"], brief.shot_types["detail"]],
    )
    return response.json()["production_requests"][0]


def upload(color: tuple[int, int, int] = (200, 60, 60)) -> dict:
    """An uploaded image (a prediction or refine id must name a real prediction or image)."""
    return {"source_type": "UPLOAD", "image_data": png_data_url(color)}


async def revise(client, shot_id: str, status: str = "PROPOSAL", images=None, **body) -> dict:
    response = await client.post(
        f"/shots/{shot_id}/revision",
        json={"shot_status": status, "images": [upload()] if images is None else images, **body},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_r132_r133_a51_create_a_shot_of_a_look(brief, look):
    client = brief.client
    assert ("body", "production_request_id") in error_locs(await client.post("/shots/", json={}))
    created = await client.post(
        "/shots/", json={"production_request_id": look["id"], "shot_type_id": brief.shot_types["back"]}
    )
    assert created.status_code == 200, created.text
    shot = created.json()
    assert shot["production_request_id"] == look["id"] and shot["shot_type"]["id"] == brief.shot_types["back"]
    assert shot["status"] == "PENDING" and shot["revisions"] == [] and shot["rework_available"] == 0
    untyped = await client.post("/shots/", json={"production_request_id": look["id"]})
    assert untyped.status_code == 200 and untyped.json()["shot_type"] is None
    unknown = await client.post("/shots/", json={"production_request_id": str(uuid.uuid4())})
    assert ("body", "production_request_id") in error_locs(unknown)


async def test_r7_r134_a34_list_filters_and_personal_scope(brief, look, new_user):
    client = brief.client
    front = next(s for s in look["shots"] if s["shot_type"]["id"] == brief.shot_types["front"])
    await revise(client, front["id"], "REVIEW")
    by_look = (await client.get("/shots/", params={"production_request_id": look["id"]})).json()
    assert by_look["count"] == 2 and {s["id"] for s in by_look["data"]} == {s["id"] for s in look["shots"]}
    for params, expected in (
        ({"status": "REVIEW"}, {front["id"]}),
        ({"shot_type": brief.shot_types["front"]}, {front["id"]}),
        ({"shooting_id": look["shooting_id"], "status": "PENDING"}, {s["id"] for s in look["shots"]} - {front["id"]}),
        ({"has_generations": "true"}, set()),
    ):
        found = (await client.get("/shots/", params={"production_request_id": look["id"], **params})).json()
        assert {s["id"] for s in found["data"]} == expected, params
    assert (await client.get("/shots/", params={"status": "NOPE"})).status_code == 422
    page = (await client.get("/shots/", params={"production_request_id": look["id"], "limit": 1})).json()
    assert len(page["data"]) == 1 and page["count"] == 2
    stranger = await new_user()
    assert (await stranger.client.get("/shots/", params={"production_request_id": look["id"]})).json()["count"] == 0
    assert (await stranger.client.get(f"/shots/{front['id']}")).status_code == 404
    organization = await post(stranger.client, "/organizations/", {"name": "Other"})
    assert (await client.get("/shots/", params={"organization_id": organization["id"]})).status_code == 403


async def test_r134_product_filter_follows_the_looks(brief, look):
    """The product filter reads the look projection the shots service keeps from look events."""
    expected = {s["id"] for s in look["shots"]}

    async def matches() -> bool:
        params = {"product_id": brief.products["dress"], "shooting_id": look["shooting_id"]}
        return {s["id"] for s in (await brief.client.get("/shots/", params=params)).json()["data"]} == expected

    assert await eventually(matches, "the look's shots under its product")
    params = {"product_id": brief.products["shirt"], "shooting_id": look["shooting_id"]}
    assert (await brief.client.get("/shots/", params=params)).json()["count"] == 0


async def test_r135_a55_update_is_partial_and_never_sets_the_status(brief, look):
    shot_id = look["shots"][0]["id"]
    response = await brief.client.put(f"/shots/{shot_id}", json={"rework_available": 3, "status": "APPROVED"})
    assert response.status_code == 200 and response.json()["rework_available"] == 3
    assert response.json()["status"] == "PENDING"
    patched = await brief.client.patch(f"/shots/{shot_id}", json={"rework_used": -1})
    assert patched.json()["rework_used"] == -1 and patched.json()["rework_available"] == 3  # A55: any integers
    assert ("body", "rework_used") in error_locs(
        await brief.client.patch(f"/shots/{shot_id}", json={"rework_used": None})
    )
    first = await revise(brief.client, shot_id, "REVIEW")
    await revise(brief.client, shot_id, "REJECTED")
    moved = await brief.client.patch(f"/shots/{shot_id}", json={"current_revision_id": first["id"]})
    assert moved.json()["current_revision_id"] == first["id"] and moved.json()["status"] == "REVIEW"
    retyped = await brief.client.patch(f"/shots/{shot_id}", json={"shot_type_id": brief.shot_types["back"]})
    assert retyped.json()["shot_type"]["id"] == brief.shot_types["back"]
    bad = await brief.client.patch(f"/shots/{shot_id}", json={"current_revision_id": str(uuid.uuid4())})
    assert ("body", "current_revision_id") in error_locs(bad)


async def test_r136_delete_answers_the_deleted_shot(brief, look):
    shot_id = look["shots"][0]["id"]
    await revise(brief.client, shot_id)
    deleted = await brief.client.delete(f"/shots/{shot_id}")
    assert deleted.status_code == 200 and deleted.json()["id"] == shot_id and len(deleted.json()["revisions"]) == 1
    assert (await brief.client.get(f"/shots/{shot_id}")).status_code == 404


async def test_r139_r140_r141_a52_a53_revisions_chain(brief, look):
    shot_id = look["shots"][0]["id"]
    missing = await brief.client.post(f"/shots/{shot_id}/revision", json={"images": []})
    assert ("body", "shot_status") in error_locs(missing)
    first = await revise(brief.client, shot_id, "PROPOSAL", notes="first")
    refine = {"source_type": "REFINE", "refine_id": first["images"][0]["id"]}
    second = await revise(
        brief.client, shot_id, "REVIEW", images=[refine, upload((10, 200, 10)), {"source_type": "UPLOAD", **NO_MEDIA}]
    )
    assert (first["version"], first["display_name"], second["version"], second["display_name"]) == (1, "v1", 2, "v2")
    assert second["previous_revision_id"] == first["id"] and first["previous_revision_id"] is None
    assert [i["source_type"] for i in second["images"]] == ["REFINE", "UPLOAD", "UPLOAD"]
    assert second["images"][0]["image_media"]["id"] == first["images"][0]["image_media"]["id"]
    assert second["images"][1]["image_media"]["width"] == 48
    assert second["images"][2]["image_media"] is None  # A53: the URL is the image
    assert second["images"][2]["effective_image_url"] == NO_MEDIA["image_url"]
    assert second["effective_image_url"] == second["images"][0]["effective_image_url"]  # A53
    assert second["push_status"] is None and second["push_records"] == []
    branch = await revise(brief.client, shot_id, "PROPOSAL", previous_revision_id=first["id"])
    assert branch["previous_revision_id"] == first["id"] and branch["version"] == 2
    shot = (await brief.client.get(f"/shots/{shot_id}")).json()
    assert shot["current_revision_id"] == branch["id"] and shot["status"] == "PROPOSAL"
    got = await brief.client.get(f"/shots/revisions/{second['id']}")
    assert got.status_code == 200 and got.json()["id"] == second["id"]  # E45
    assert (await brief.client.get(f"/shots/revisions/{uuid.uuid4()}")).status_code == 404


async def test_a60_images_need_what_their_source_names(brief, look):
    shot_id = look["shots"][0]["id"]
    for image, loc in (
        ({"source_type": "PREDICTION"}, "prediction_id"),
        ({"source_type": "REFINE"}, "refine_id"),
        ({"source_type": "UPLOAD"}, "image_url"),
    ):
        response = await brief.client.post(
            f"/shots/{shot_id}/revision", json={"shot_status": "PROPOSAL", "images": [image]}
        )
        assert ("body", "images", "0", loc) in error_locs(response)
    bogus = await brief.client.post(
        f"/shots/{shot_id}/revision", json={"shot_status": "PROPOSAL", "images": [{"source_type": "SKETCH"}]}
    )
    assert bogus.status_code == 422


async def test_r143_r144_r145_r146_delete_revision_only_at_tips(brief, look):
    shot_id = look["shots"][0]["id"]
    first = await revise(brief.client, shot_id, "PROPOSAL")
    second = await revise(brief.client, shot_id, "REVIEW")
    refused = await brief.client.delete(f"/shots/revisions/{first['id']}")
    assert refused.status_code == 409  # R145: referenced as previous
    deleted = await brief.client.delete(f"/shots/revisions/{second['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    shot = (await brief.client.get(f"/shots/{shot_id}")).json()
    assert shot["current_revision_id"] == first["id"] and shot["status"] == "PROPOSAL"  # R144
    assert (await brief.client.delete(f"/shots/revisions/{first['id']}")).status_code == 204
    empty = (await brief.client.get(f"/shots/{shot_id}")).json()
    assert empty["current_revision_id"] is None and empty["status"] == "PENDING"
    assert (await brief.client.delete(f"/shots/revisions/{first['id']}")).status_code == 404  # R146


async def test_r147_set_current_moves_the_status(brief, look):
    shot_id = look["shots"][0]["id"]
    first = await revise(brief.client, shot_id, "REJECTED")
    await revise(brief.client, shot_id, "REVIEW")
    response = await brief.client.post(f"/shots/revisions/{first['id']}/set-current")
    assert response.status_code == 200 and response.json()["id"] == first["id"]
    shot = (await brief.client.get(f"/shots/{shot_id}")).json()
    assert shot["current_revision_id"] == first["id"] and shot["status"] == "REJECTED"


async def test_r148_r149_r150_restore_drops_later_revisions(brief, look, new_user):
    shot_id = look["shots"][0]["id"]
    chain = [await revise(brief.client, shot_id, s) for s in ("PROPOSAL", "REVIEW", "REJECTED", "APPROVED")]
    restored = await brief.client.post(f"/shots/revisions/{chain[1]['id']}/restore")
    assert restored.status_code == 200 and restored.json()["id"] == chain[1]["id"]
    shot = (await brief.client.get(f"/shots/{shot_id}")).json()
    assert [r["id"] for r in shot["revisions"]] == [chain[0]["id"], chain[1]["id"]]
    assert shot["current_revision_id"] == chain[1]["id"] and shot["status"] == "REVIEW"
    again = await brief.client.post(f"/shots/revisions/{chain[1]['id']}/restore")  # R149
    assert again.status_code == 200 and len((await brief.client.get(f"/shots/{shot_id}")).json()["revisions"]) == 2
    assert (await brief.client.get(f"/shots/revisions/{chain[3]['id']}")).status_code == 404
    stranger = await new_user()
    assert (await stranger.client.post(f"/shots/revisions/{chain[0]['id']}/restore")).status_code == 404


async def test_approve_needs_an_image_and_reject_changes_the_current_revision_in_place(brief, look):
    shot_id = look["shots"][0]["id"]
    assert (await brief.client.post(f"/shots/{shot_id}/approve")).status_code == 409  # no revision
    await revise(brief.client, shot_id, "PROPOSAL", images=[])
    assert (await brief.client.post(f"/shots/{shot_id}/approve")).status_code == 409  # no image
    current = await revise(brief.client, shot_id, "REVIEW")
    approved = await brief.client.post(f"/shots/{shot_id}/approve", json={"notes": "lovely"})
    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"
    assert len(approved.json()["revisions"]) == 2  # no new revision
    rejected = (await brief.client.post(f"/shots/{shot_id}/reject")).json()
    assert rejected["status"] == "REJECTED"
    revision = (await brief.client.get(f"/shots/revisions/{current['id']}")).json()
    # Issue 18: a review's note is added after the author's notes (the revision had none).
    assert revision["shot_status"] == "REJECTED" and revision["notes"] == "APPROVED: lovely"


async def test_a_review_note_is_added_after_the_authors_notes(brief, look):
    """Issue 18: approve and reject keep what the revision's author wrote; each review note
    follows it, headed by its decision."""
    shot_id = look["shots"][0]["id"]
    current = await revise(brief.client, shot_id, "REVIEW", notes="first")
    rejected = await brief.client.post(f"/shots/{shot_id}/reject", json={"notes": "no"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "REJECTED"
    assert rejected.json()["revisions"][-1]["notes"] == "first\n\nREJECTED: no"
    await brief.client.post(f"/shots/{shot_id}/approve", json={"notes": "fixed now"})
    await brief.client.post(f"/shots/{shot_id}/approve")  # a review without a note adds nothing
    revision = (await brief.client.get(f"/shots/revisions/{current['id']}")).json()
    assert revision["notes"] == "first\n\nREJECTED: no\n\nAPPROVED: fixed now"
    assert revision["shot_status"] == "APPROVED"
