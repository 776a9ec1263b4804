"""`make demo` loads its brief through the public API, and the result reads back through it:
catalog, guidelines, a shooting, and a board of looks with generated images in several review
statuses."""

from __future__ import annotations

import httpx
import pytest

from devstack.demo import Demo

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_demo_brief_is_loaded_and_visible(stack, api, anon_api):
    with httpx.Client(base_url=str(api.base_url), headers=dict(api.headers), timeout=30) as client:
        created = Demo(client).run()
    org = created["organization"]
    assert len(created["shot_types"]) >= 6 and len(created["subjects"]) == 4 and len(created["products"]) >= 30
    assert {s["view_angle"] for s in created["shot_types"]} >= {"FRONT", "BACK", "SIDE"}
    assert all(len(s["base_images"]) == len(created["shot_types"]) for s in created["subjects"])
    assert {p["gender"] for p in created["products"]} == {"MALE", "FEMALE", "UNISEX"}

    shootings = (await api.get("/shootings/", params={"organization_id": org})).json()
    assert [s["id"] for s in shootings["data"]] == [created["shooting"]["id"]]
    guidelines = shootings["data"][0]["default_guidelines"]
    assert len(guidelines["subjects"]) == 4 and len(guidelines["shot_types"]) == len(created["shot_types"])
    main = (await api.get(f"/shootings/{created['shooting']['id']}/main-products", params={"limit": 1000})).json()
    assert main["count"] == len(created["products"])
    products = (await api.get("/products/", params={"organization_id": org, "gender": "FEMALE"})).json()
    assert products["count"] == sum(1 for p in created["products"] if p["gender"] == "FEMALE")

    # The board: six looks, five generated (every shot but the back view has an image), reviewed
    # into several statuses; the sixth not generated yet.
    looks = created["looks"]
    assert len(looks) == 6
    shots = [shot for look in looks for shot in look["shots"]]
    assert {shot["status"] for shot in shots} == {"PENDING", "PROPOSAL", "REJECTED", "APPROVED"}
    generated = [shot for shot in shots if shot["current_revision_id"]]
    assert len(generated) == 5 * 2 and all(s["shot_type"]["view_angle"] != "BACK" for s in generated)
    assert sum(1 for shot in shots if shot["status"] == "APPROVED") == 2 + 2 + 1
    current = next(r for r in generated[0]["revisions"] if r["id"] == generated[0]["current_revision_id"])
    picture = await anon_api.get(current["effective_image_url"].split("/api/v1", 1)[1])  # signed: no token
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
